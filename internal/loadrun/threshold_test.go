package loadrun

import (
	"errors"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestParseThreshold(t *testing.T) {
	for _, tc := range []struct {
		expr   string
		metric string
		q      float64
		op     string
		value  float64
	}{
		{"p99<50ms", "latency", 0.99, "<", 50},
		{"p(95) <= 200", "latency", 0.95, "<=", 200},
		{"p99.9<1s", "latency", 0.999, "<", 1000},
		{"P50<800us", "latency", 0.5, "<", 0.8},
		{"med<3ms", "latency", 0.5, "<", 3},
		{"mean<10ms", "latency", qMean, "<", 10},
		{"avg<10", "latency", qMean, "<", 10},
		{"max<2s", "latency", qMax, "<", 2000},
		{"errors<0.1%", "errors", 0, "<", 0.001},
		{"errors<0.01", "errors", 0, "<", 0.01},
		{" throttled <= 1% ", "throttled", 0, "<=", 0.01},
		{"rps>=900", "rps", 0, ">=", 900},
		{"rps>10/s", "rps", 0, ">", 10},
	} {
		got, err := ParseThreshold(tc.expr)
		if err != nil {
			t.Errorf("ParseThreshold(%q): %v", tc.expr, err)
			continue
		}
		if got.metric != tc.metric || got.op != tc.op || !near(got.q, tc.q) || !near(got.value, tc.value) {
			t.Errorf("ParseThreshold(%q) = %+v, want %s %v %s %v", tc.expr, got, tc.metric, tc.q, tc.op, tc.value)
		}
	}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func TestParseThresholdErrors(t *testing.T) {
	for expr, want := range map[string]string{
		"":              "want METRIC OP VALUE",
		"p99":           "want METRIC OP VALUE",
		"<50ms":         "want METRIC OP VALUE",
		"p99=50ms":      "operator must be one of",
		"p99!=50ms":     "operator must be one of",
		"p99<":          "no value",
		"p99<fast":      "want a duration",
		"p99<-5ms":      "negative",
		"p101<5ms":      "unknown metric",
		"latency<5ms":   "unknown metric",
		"errors<5":      "did you mean 5%",
		"errors<150%":   "0%..100%",
		"errors<lots":   "want a percentage",
		"throttled<-1%": "0%..100%",
		"rps>many":      "invalid syntax",
		"rps>-3":        "negative",
	} {
		_, err := ParseThreshold(expr)
		if err == nil {
			t.Errorf("ParseThreshold(%q) = nil error, want one mentioning %q", expr, want)
			continue
		}
		if !errors.Is(err, ErrThreshold) {
			t.Errorf("ParseThreshold(%q) error %v does not wrap ErrThreshold", expr, err)
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), expr) {
			t.Errorf("ParseThreshold(%q) error %q, want it to quote the threshold and mention %q", expr, err, want)
		}
	}
	if _, err := ParseThresholds([]string{"p99<1s", "nope"}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("ParseThresholds: err = %v, want the bad one named", err)
	}
}

// summaryOf builds a summary of n results: latencies 1..n ms, every tenth a failure, every
// fifth (not tenth) throttled.
func summaryOf(n int) *Summary {
	s := NewSummary(nil)
	start := time.Unix(1_800_000_000, 0)
	for i := 1; i <= n; i++ {
		r := &vegeta.Result{Code: 200, Body: []byte(`{"JobId":"j"}`), URL: "http://h/#a",
			Timestamp: start.Add(time.Duration(i) * 10 * time.Millisecond), Latency: time.Duration(i) * time.Millisecond}
		switch {
		case i%10 == 0:
			r.Code, r.Body, r.Error = 0, nil, "connection refused"
		case i%5 == 0:
			r.Code, r.Body = 400, []byte(`{"Code":"Throttling.User"}`)
		}
		s.Add(r)
	}
	return s
}

func TestThresholdsEvaluate(t *testing.T) {
	s := summaryOf(100)
	r := s.Report()
	if got, want := r.ErrorRate, 0.10; !near(got, want) {
		t.Fatalf("error rate %v, want %v", got, want)
	}
	for expr, pass := range map[string]bool{
		"p50<=51ms":     true,
		"p50<49ms":      false,
		"p99<100ms":     true,
		"p99<98ms":      false,
		"max<=100ms":    true,
		"max<100ms":     false,
		"mean<51ms":     true,
		"mean<50ms":     false,
		"errors<=10%":   true,
		"errors<10%":    false,
		"throttled<11%": true,
		"throttled<9%":  false,
		"rps>=99":       true,
		"rps>101":       false,
	} {
		th, err := ParseThreshold(expr)
		if err != nil {
			t.Fatal(err)
		}
		res := th.Evaluate(s, r)
		if res.Pass != pass {
			t.Errorf("%s: pass = %v, want %v (%s)", expr, res.Pass, pass, res.Message)
		}
	}
	ts, _ := ParseThresholds([]string{"p99<1s", "errors<20%"})
	if !Apply(ts, s, r) || r.Verdict != "pass" || len(r.Thresholds) != 2 {
		t.Errorf("Apply passing: verdict %s, %d results", r.Verdict, len(r.Thresholds))
	}
	ts, _ = ParseThresholds([]string{"p99<1s", "errors<1%"})
	if Apply(ts, s, r) || r.Verdict != "fail" {
		t.Errorf("Apply failing: verdict %s", r.Verdict)
	}
}

func TestThresholdWithoutRequestsFails(t *testing.T) {
	s := NewSummary(nil)
	th, _ := ParseThreshold("errors<1%")
	if res := th.Evaluate(s, s.Report()); res.Pass {
		t.Fatalf("a threshold on an empty run passed: %+v", res)
	}
}
