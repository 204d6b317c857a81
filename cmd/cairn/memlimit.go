package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// procSelfCgroup says which cgroup this process is in.
const procSelfCgroup = "/proc/self/cgroup"

// memoryLimitShare is the part of a container's memory limit given to the Go runtime as its
// soft limit; the rest is for what the runtime does not count (SQLite's page caches in the C
// allocator, the binary, thread stacks).
const memoryLimitShare = 0.9

// cgroupUnlimited is the value cgroup v1 reports for "no limit" (a page-rounded MaxInt64);
// anything at or above it means none.
const cgroupUnlimited = 1 << 62

// containerMemoryLimit returns the memory limit of the cgroup this process runs in, or 0 when
// there is none or it cannot be read. self is the process's /proc/self/cgroup (which cgroup it
// is in: a systemd unit with MemoryMax= has its own), root the cgroup file system's mount (in a
// container's namespace, its own cgroup is the root): v2 has memory.max ("max" for none), v1
// memory/memory.limit_in_bytes.
func containerMemoryLimit(self []byte, root string) int64 {
	var files []string
	for _, line := range strings.Split(string(self), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			files = append(files, filepath.Join(root, parts[2], "memory.max"))
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			files = append(files, filepath.Join(root, "memory", parts[2], "memory.limit_in_bytes"))
		}
	}
	files = append(files, filepath.Join(root, "memory.max"), filepath.Join(root, "memory", "memory.limit_in_bytes"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			continue // not this hierarchy, or a path of the host's namespace
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err == nil && v > 0 && v < cgroupUnlimited {
			return v
		}
	}
	return 0
}

// applyMemoryLimit gives `cairn serve` a soft memory limit of 90% of its container's when the
// operator set none (GOMEMLIMIT). Why: serve keeps the rollup's data in memory between syncs
// (about 650 MB of live heap at a million issues) and, with the default GOGC, the heap grows to
// twice its live size before a collection, past a 1 GiB container limit (peak 1.54 GB in
// rollup's BenchmarkIncremental at 1M); with a soft limit the collector runs sooner as the limit
// nears instead (0.93 GB with 900 MiB, for about 0.2 CPU s more per update). It returns the
// limit set, or 0.
func applyMemoryLimit(lookupEnv func(string) (string, bool), cgroupRoot string, log *slog.Logger) int64 {
	if v, ok := lookupEnv("GOMEMLIMIT"); ok && v != "" {
		return 0 // the runtime read it at start
	}
	self, _ := os.ReadFile(procSelfCgroup)
	limit := containerMemoryLimit(self, cgroupRoot)
	if limit == 0 {
		return 0
	}
	soft := int64(float64(limit) * memoryLimitShare)
	debug.SetMemoryLimit(soft)
	log.Info("memory limit set from the container's", "container_limit_bytes", limit, "go_memory_limit_bytes", soft)
	return soft
}
