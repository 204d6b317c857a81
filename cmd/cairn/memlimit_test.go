package main

import (
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func writeFile(t *testing.T, name, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestContainerMemoryLimit(t *testing.T) {
	const unit = "/system.slice/cairn.service"
	for _, tc := range []struct {
		name  string
		self  string
		files map[string]string
		want  int64
	}{
		{"v2, the unit's own cgroup (systemd MemoryMax=)", "0::" + unit + "\n",
			map[string]string{unit + "/memory.max": "1073741824\n"}, 1 << 30},
		{"v2 in a container's namespace: its cgroup is the root", "0::/\n",
			map[string]string{"memory.max": "536870912\n"}, 512 << 20},
		{"v2 without a limit", "0::/\n", map[string]string{"memory.max": "max\n"}, 0},
		{"v2, own cgroup unlimited, the container's root limited", "0::" + unit + "\n",
			map[string]string{unit + "/memory.max": "max\n", "memory.max": "2147483648\n"}, 2 << 30},
		{"v1 memory controller", "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n",
			map[string]string{"memory/docker/abc/memory.limit_in_bytes": "805306368\n"}, 768 << 20},
		{"v1 host path not visible in the container: its root", "4:memory:/docker/abc\n",
			map[string]string{"memory/memory.limit_in_bytes": "805306368\n"}, 768 << 20},
		{"v1 unlimited", "4:memory:/\n",
			map[string]string{"memory/memory.limit_in_bytes": "9223372036854771712\n"}, 0},
		{"no cgroup file system", "0::/\n", nil, 0},
		{"garbage", "0::/\n", map[string]string{"memory.max": "lots\n"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, body := range tc.files {
				writeFile(t, filepath.Join(root, name), body)
			}
			if got := containerMemoryLimit([]byte(tc.self), root); got != tc.want {
				t.Errorf("limit = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestApplyMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "memory.max"), "1073741824\n")
	writeFile(t, filepath.Join(root, "memory", "memory.limit_in_bytes"), "1073741824\n")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	set := func(env map[string]string) int64 {
		debug.SetMemoryLimit(math.MaxInt64)
		return applyMemoryLimit(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, root, log)
	}
	if got := set(nil); got != 966367641 || debug.SetMemoryLimit(-1) != got {
		t.Errorf("without GOMEMLIMIT: set %d (runtime says %d), want 90%% of 1 GiB", got, debug.SetMemoryLimit(-1))
	}
	if got := set(map[string]string{"GOMEMLIMIT": "500MiB"}); got != 0 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set: cairn set %d; the operator's limit must stand", got)
	}
}
