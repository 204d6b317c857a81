package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Usage is what one stage cost its process, measured from inside the child around the
// stage only (setup such as pre-fetching the store floor's rows is outside), except peak RSS,
// which is the process's high-water mark: VmHWM of /proc/self/status. (Not ru_maxrss, which
// /usr/bin/time -v prints: Linux carries it across execve, so a child started by a large
// parent reports the parent's peak.)
type Usage struct {
	Wall      time.Duration `json:"wall_ns"`
	CPU       time.Duration `json:"cpu_ns"` // user + system
	PeakRSS   int64         `json:"peak_rss_bytes"`
	WriteByte int64         `json:"write_bytes"` // bytes passed to write(2) (wchar), i.e. SQLite's file writes
}

// meter samples the process's CPU time and write counter at the start of a stage.
type meter struct {
	start time.Time
	cpu   time.Duration
	wchar int64
}

func startMeter() meter {
	return meter{start: time.Now(), cpu: cpuTime(), wchar: wchar()}
}

func (m meter) stop() Usage {
	return Usage{Wall: time.Since(m.start), CPU: cpuTime() - m.cpu, PeakRSS: peakRSS(), WriteByte: wchar() - m.wchar}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is VmHWM, the resident-set high-water mark of this process's own address space.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// wchar reads the bytes this process passed to write(2) from /proc/self/io (0 where absent).
// It counts what SQLite hands the kernel (database, WAL and journal pages), cache or not.
func wchar() int64 {
	f, err := os.Open("/proc/self/io")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "wchar: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// fileSize is the size of the database and its WAL together.
func fileSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if st, err := os.Stat(p); err == nil {
			n += st.Size()
		}
	}
	return n
}
