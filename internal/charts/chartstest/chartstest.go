// Package chartstest renders pages of internal/charts in a real headless browser (Chromium from
// Debian's packages) for tests: the DOM after the page's script ran, and screenshots. Where no
// browser is installed the tests that need one skip, saying so.
package chartstest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/charts"
)

// Browser returns the path of a Chromium binary, or "" when none is installed.
func Browser() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// NeedBrowser skips t when no browser is installed.
func NeedBrowser(t testing.TB) string {
	t.Helper()
	b := Browser()
	if b == "" {
		t.Skip("no Chromium installed (apt-get install chromium): the page is not rendered")
	}
	return b
}

func run(browser string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home, err := os.MkdirTemp("", "chartstest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--disable-dev-shm-usage", "--user-data-dir=" + home, "--virtual-time-budget=5000"}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s: %w", filepath.Base(browser), err)
	}
	return out, nil
}

// DumpDOM returns the page's DOM after its scripts ran.
func DumpDOM(browser, page string) (string, error) {
	abs, err := filepath.Abs(page)
	if err != nil {
		return "", err
	}
	out, err := run(browser, "--dump-dom", "file://"+abs)
	return string(out), err
}

// Screenshot writes a PNG of the page, w×h pixels, in the dark colour scheme when dark.
func Screenshot(browser, page, png string, w, h int, dark bool) error {
	abs, err := filepath.Abs(page)
	if err != nil {
		return err
	}
	out, err := filepath.Abs(png)
	if err != nil {
		return err
	}
	args := []string{"--hide-scrollbars", fmt.Sprintf("--window-size=%d,%d", w, h), "--screenshot=" + out}
	if dark {
		args = append(args, "--force-dark-mode", "--blink-settings=preferredColorScheme=0")
	} else {
		args = append(args, "--blink-settings=preferredColorScheme=1")
	}
	_, err = run(browser, append(args, "file://"+abs)...)
	return err
}

// Drawn is what the browser drew of one figure.
type Drawn struct {
	ID     string
	Drawn  int // data-drawn, set by the page's script
	Sum    int // data-sum of a stacked figure
	Points int // vertices of the figure's line paths
	Rects  int // bars of its stacked layers
}

var (
	figureRe = regexp.MustCompile(`<figure class="chart" id="([^"]*)"[^>]*?data-drawn="(\d+)"(?: data-sum="(\d+)")?`)
	dataRe   = regexp.MustCompile(`(?s)<script id="chart-data" type="application/json">(.*?)</script>`)
	vertexRe = regexp.MustCompile(`[ML]-?[0-9.]+ -?[0-9.]+`)
	pathRe   = regexp.MustCompile(`<path d="([^"]*)" class="line"`)
)

// Check renders page and fails t unless the browser drew every figure of the page's data: each
// figure's data-drawn equals what its data holds (charts.Figure.Drawn), its SVG holds that many
// line vertices or bars, and no figure is empty. It returns the figures drawn, by id.
func Check(t testing.TB, browser, page string) map[string]Drawn {
	t.Helper()
	src, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	m := dataRe.FindSubmatch(src)
	if m == nil {
		t.Fatalf("%s: no chart data", page)
	}
	var figs []charts.Figure
	if err := json.Unmarshal(m[1], &figs); err != nil {
		t.Fatalf("%s: chart data: %v", page, err)
	}
	dom, err := DumpDOM(browser, page)
	if err != nil {
		t.Fatalf("render %s: %v", page, err)
	}
	if !strings.Contains(dom, fmt.Sprintf(`data-figures="%d"`, len(figs))) {
		t.Fatalf("%s: the page's script did not draw its %d figures", page, len(figs))
	}
	got := map[string]Drawn{}
	// Each figure's markup runs to the next figure.
	locs := figureRe.FindAllStringSubmatchIndex(dom, -1)
	for i, l := range locs {
		end := len(dom)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		body := dom[l[0]:end]
		d := Drawn{ID: dom[l[2]:l[3]]}
		d.Drawn, _ = strconv.Atoi(dom[l[4]:l[5]])
		if l[6] >= 0 {
			d.Sum, _ = strconv.Atoi(dom[l[6]:l[7]])
		}
		for _, p := range pathRe.FindAllStringSubmatch(body, -1) {
			d.Points += len(vertexRe.FindAllString(p[1], -1))
		}
		d.Rects = strings.Count(body, "<rect x=") - 1 // less the hover area
		got[d.ID] = d
	}
	for _, f := range figs {
		d, ok := got[f.ID]
		switch {
		case !ok:
			t.Errorf("%s: figure %q not drawn", page, f.ID)
		case d.Drawn != f.Drawn():
			t.Errorf("%s: figure %q drew %d values, its data holds %d", page, f.ID, d.Drawn, f.Drawn())
		case f.Drawn() == 0:
			t.Errorf("%s: figure %q has nothing to draw", page, f.ID)
		case f.Kind == charts.KindLines && d.Points != d.Drawn:
			t.Errorf("%s: figure %q: %d line vertices in the SVG for %d values", page, f.ID, d.Points, d.Drawn)
		case f.Kind == charts.KindStacked && d.Rects != d.Drawn:
			t.Errorf("%s: figure %q: %d bars in the SVG for %d values", page, f.ID, d.Rects, d.Drawn)
		}
	}
	return got
}
