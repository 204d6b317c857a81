package pages_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/publish/pages"
)

const chromiumPath = "/usr/bin/chromium"

// findChromium returns the browser, skipping the test on a laptop without it and failing in
// CI (CI=true), where a missing browser is a broken image, not a reason to pass.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{chromiumPath, "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("chromium not found (apt-get install -y chromium); required when CI=true")
	}
	t.Skip("chromium not found; install it (apt-get install -y chromium) to run the browser test")
	return ""
}

// runChromium runs headless Chromium on a file URL with the given extra flags.
func runChromium(t *testing.T, browser string, width int, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir=" + t.TempDir(),
		"--window-size=" + strconv.Itoa(width) + ",2000",
	}
	cmd := exec.CommandContext(ctx, browser, append(args, extra...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, tail(stderr.String(), 2000))
	}
	return stdout.Bytes()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// probe is appended to a test copy of the page: once laid out, it reports the document's
// scroll width against the viewport's width to the frame around it.
const probe = `<script>window.addEventListener('load',function(){` +
	`var d=document.documentElement;` +
	`parent.postMessage('fits='+(d.scrollWidth<=window.innerWidth)+' scrollWidth='+d.scrollWidth+' innerWidth='+window.innerWidth+' svgs='+document.querySelectorAll('svg title').length,'*')})</script>`

// frame shows the page in an iframe of the given width: headless Chromium does not make a
// window narrower than 500 px, so a phone-sized viewport has to be a frame.
const frame = `<!DOCTYPE html><html><body style="margin:0"><iframe src="page.html" style="width:WIDTHpx;height:1990px;border:0;display:block"></iframe>` +
	`<script>window.addEventListener('message',function(e){document.body.setAttribute('data-probe',String(e.data))})</script></body></html>`

var probeRE = regexp.MustCompile(`data-probe="([^"]*)"`)

func TestHTMLInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	browser := findChromium(t)
	page := renderFixture(t, pages.FormatHTML)
	dir := t.TempDir()
	withProbe := strings.Replace(string(page), "</body>", probe+"</body>", 1)
	if err := os.WriteFile(filepath.Join(dir, "page.html"), []byte(withProbe), 0o644); err != nil {
		t.Fatal(err)
	}

	// The real page's DOM: text and charts present.
	dom := string(runChromium(t, browser, 1280, "--dump-dom", "file://"+filepath.Join(dir, "page.html")))
	for _, want := range []string{"Executive summary", "Milestones", "Card vault", "<svg", "Burn-up: Card vault", "Weekly throughput",
		"&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt;"} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}
	if strings.Contains(dom, "<script>alert(1)</script>") {
		t.Errorf("the evil summary became a script element")
	}

	for _, width := range []int{390, 1280} {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			name := "frame-" + strconv.Itoa(width) + ".html"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Replace(frame, "WIDTH", strconv.Itoa(width), 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			out := runChromium(t, browser, width, "--virtual-time-budget=3000", "--dump-dom", "file://"+filepath.Join(dir, name))
			m := probeRE.FindSubmatch(out)
			if m == nil {
				t.Fatalf("no probe result in the DOM:\n%s", tail(string(out), 500))
			}
			res := string(m[1])
			t.Logf("%d px: %s", width, res)
			if !strings.Contains(res, "fits=true") {
				t.Errorf("page overflows horizontally at %d px: %s", width, res)
			}
			if strings.Contains(res, "svgs=0") {
				t.Errorf("no titled SVG chart at %d px: %s", width, res)
			}
			shot := filepath.Join(dir, "page-"+strconv.Itoa(width)+".png")
			runChromium(t, browser, width, "--screenshot="+shot, "file://"+filepath.Join(dir, name))
			png, err := os.ReadFile(shot)
			if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Fatalf("no screenshot: %v", err)
			}
			if *update {
				if err := os.MkdirAll(filepath.Join("testdata", "screenshots"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join("testdata", "screenshots", "page-"+strconv.Itoa(width)+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
