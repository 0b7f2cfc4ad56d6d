package loadrun

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/charts/chartstest"
)

// synthetic feeds s n results of a mix at rate per second from start: 70% starts (ok), 20%
// denied (refused), and from failAt on every tenth call a 500, every twentieth throttled.
func synthetic(s *Summary, rng *rand.Rand, start time.Time, n, rate int, slow float64, failAt int) {
	for i := range n {
		r := vegeta.Result{Timestamp: start.Add(time.Duration(i) * time.Second / time.Duration(rate)),
			Latency: time.Duration(slow*math.Exp(rng.NormFloat64()*0.7+6)) * time.Microsecond}
		switch {
		case i >= failAt && i%10 == 3:
			r.URL, r.Code, r.Body = "http://x/#start/a", 500, []byte(`{"Code":"InternalError"}`)
		case i >= failAt && i%20 == 7:
			r.URL, r.Code, r.Body = "http://x/#start/a", 400, []byte(`{"Code":"Throttling.User"}`)
		case i%10 < 7:
			r.URL, r.Code, r.Body = "http://x/#start/a", 200, []byte(`{"JobId":"j","RequestId":"r"}`)
		default:
			r.URL, r.Code, r.Body = "http://x/#denied/a", 403, []byte(`{"Code":"OperationDenied"}`)
		}
		s.Add(&r)
	}
}

// The pages of a run and of a capacity run, rendered in a real browser: every figure is drawn
// from its data, the bars add up to the calls of the report, the steps' figures have a point per
// step and percentile, and the breaking step is marked.
func TestChartPagesInBrowser(t *testing.T) {
	browser := chartstest.NeedBrowser(t)
	rng := rand.New(rand.NewPCG(7, 7))
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()

	s := NewSummary(nil)
	s.SetMix(mix73)
	synthetic(s, rng, start, 6000, 1000, 1, 3000)
	r := s.Report()
	if err := WriteReportDir(filepath.Join(dir, "run"), r, "a run"); err != nil {
		t.Fatal(err)
	}
	got := chartstest.Check(t, browser, filepath.Join(dir, "run", ReportChartFile))
	if out := got["outcomes"]; out.Sum != int(r.Requests) {
		t.Errorf("the outcome bars add up to %d calls, the report has %d", out.Sum, r.Requests)
	}
	for _, id := range []string{"latency-all", "latency-start", "latency-denied"} {
		if _, ok := got[id]; !ok {
			t.Errorf("no figure %s (got %v)", id, got)
		}
	}

	cr := &CapacityReport{StepDuration: 2, Mix: "start=7,denied=3", Capacity: 200, BrokeAt: 400, Crossed: "errors<1%", Verdict: "pass"}
	for i, rate := range []int{100, 200, 400} {
		s := NewSummary(nil)
		s.SetMix(mix73)
		failAt := 1 << 30
		if rate == 400 {
			failAt = 0
		}
		synthetic(s, rng, start.Add(time.Duration(2*i)*time.Second), 2*rate, rate, float64(1+i), failAt)
		cr.Steps = append(cr.Steps, StepReport{Rate: rate, Pass: rate < 400, Report: s.Report()})
	}
	if err := WriteCapacityDir(filepath.Join(dir, "steps"), cr, "a capacity run"); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "steps", ReportChartFile)
	got = chartstest.Check(t, browser, page)
	for _, id := range []string{"steps-latency-all", "steps-latency-start", "steps-latency-denied"} {
		if d := got[id]; d.Drawn != 4*len(cr.Steps) {
			t.Errorf("%s: %d points, want 4 percentiles × %d steps", id, d.Drawn, len(cr.Steps))
		}
	}
	if out := got["time-outcomes"]; out.Sum != 2*(100+200+400) {
		t.Errorf("the capacity run's bars add up to %d calls, want %d", out.Sum, 2*(100+200+400))
	}
	html, _ := os.ReadFile(page)
	for _, want := range []string{`"label":"crossed at 400/s","alert":true`, `{"at":100,"label":"100/s"}`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the capacity page lacks %s", want)
		}
	}
	if dir := os.Getenv("EDGECONFORM_SCREENSHOTS"); dir != "" {
		for name, p := range map[string]string{"chart-run": filepath.Join(filepath.Dir(page), "..", "run", ReportChartFile), "chart-steps": page} {
			for _, dark := range []bool{false, true} {
				png := filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, map[bool]string{false: "light", true: "dark"}[dark]))
				if err := chartstest.Screenshot(browser, p, png, 1000, 1500, dark); err != nil {
					t.Error(err)
				}
			}
		}
	}
}

var mix73, _ = ParseMix("start=7,denied=3")
