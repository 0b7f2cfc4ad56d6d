package loadrun

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrThreshold is wrapped by every threshold parsing error.
var ErrThreshold = errors.New("bad threshold")

// Threshold is a pass condition on a run's figures, written as k6 users write them:
//
//	p99<50ms  p(95)<=200  mean<10ms  max<1s      latency (a bare number is milliseconds)
//	errors<0.1%  throttled<=1%  errors<0.001     rates (with %, or a fraction 0..1)
//	rps>=900                                     requests per second sent
//	unexpected<1%                                a mix's answers other than each path expects
//	p99{path=start}<200ms  errors{path=denied}<1%   any of these for one path of a mix (k6's tags)
type Threshold struct {
	Expr   string
	path   string  // "" for the whole run
	metric string  // "latency", "errors", "throttled", "rps", "unexpected"
	q      float64 // latency: the quantile 0..1; -1 mean, -2 max, -3 min
	op     string
	value  float64 // latency in ms, rates as fractions, rps per second
}

// ThresholdResult is a threshold evaluated on a report.
type ThresholdResult struct {
	Threshold string  `json:"threshold"`
	Actual    float64 `json:"actual"` // in the threshold's unit: ms, a fraction, per second
	Unit      string  `json:"unit"`
	Pass      bool    `json:"pass"`
	Message   string  `json:"message"`
}

const (
	qMean = -1
	qMax  = -2
	qMin  = -3
)

// ParseThreshold parses one threshold; its errors wrap ErrThreshold and say what is accepted.
func ParseThreshold(expr string) (Threshold, error) {
	fail := func(format string, args ...any) (Threshold, error) {
		return Threshold{}, fmt.Errorf("%w %q: %s", ErrThreshold, expr, fmt.Sprintf(format, args...))
	}
	s, name, path, op, val, err := splitThreshold(expr, "p99<50ms, errors<0.1%, rps>=100")
	if err != nil {
		return Threshold{}, err
	}
	t := Threshold{Expr: s, op: op, path: path}
	switch name {
	case "unexpected", "unexpected_rate":
		t.metric = "unexpected"
	case "errors", "error_rate", "failed":
		t.metric = "errors"
	case "throttled", "throttled_rate":
		t.metric = "throttled"
	case "rps", "rate":
		t.metric = "rps"
	case "mean", "avg":
		t.metric, t.q = "latency", qMean
	case "max":
		t.metric, t.q = "latency", qMax
	case "min":
		t.metric, t.q = "latency", qMin
	case "med", "median":
		t.metric, t.q = "latency", 0.5
	default:
		p, ok := parsePercentile(name)
		if !ok {
			return fail("unknown metric %q (want p50, p90, p95, p99, p(99.9), mean, max, min, errors, throttled, unexpected or rps)", name)
		}
		t.metric, t.q = "latency", p
	}
	switch t.metric {
	case "latency":
		t.value, err = parseMillis(val)
	case "errors", "throttled", "unexpected":
		t.value, err = parseRate(val)
	case "rps":
		t.value, err = strconv.ParseFloat(strings.TrimSuffix(val, "/s"), 64)
		if err == nil && t.value < 0 {
			err = errors.New("must not be negative")
		}
	}
	if err != nil {
		return fail("%v", err)
	}
	return t, nil
}

// splitThreshold splits METRIC{path=NAME} OP VALUE (the grammar of load's thresholds and of
// report compare's): the expression trimmed, the metric in lower case, the path ("" without a tag;
// a known path), the operator and the value. Its errors wrap ErrThreshold; examples shows what
// is accepted.
func splitThreshold(expr, examples string) (s, name, path, op, val string, err error) {
	s = strings.TrimSpace(expr)
	fail := func(format string, args ...any) (string, string, string, string, string, error) {
		return "", "", "", "", "", fmt.Errorf("%w %q: %s", ErrThreshold, expr, fmt.Sprintf(format, args...))
	}
	i := strings.IndexAny(s, "<>=!")
	// '=' may sit inside a tag {path=start}: the operator comes after the tag.
	if open := strings.IndexByte(s, '{'); open >= 0 && (i < 0 || open < i) {
		if end := strings.IndexByte(s, '}'); end > open {
			if k := strings.IndexAny(s[end+1:], "<>=!"); k >= 0 {
				i = end + 1 + k
			} else {
				i = -1
			}
		}
	}
	if i <= 0 {
		return fail("want METRIC OP VALUE, e.g. %s", examples)
	}
	name = strings.ToLower(strings.TrimSpace(s[:i]))
	if open := strings.IndexByte(name, '{'); open >= 0 {
		tag, ok := strings.CutSuffix(name[open+1:], "}")
		key, v, ok2 := strings.Cut(tag, "=")
		if !ok2 {
			key, v, ok2 = strings.Cut(tag, ":")
		}
		if !ok || !ok2 || strings.TrimSpace(key) != "path" {
			return fail("want a tag {path=NAME}, e.g. p99{path=start}<200ms")
		}
		path = strings.TrimSpace(v)
		if _, known := pathInfos[Path(path)]; !known {
			return fail("unknown path %q (want start, not-found, denied or missing-param)", path)
		}
		name = strings.TrimSpace(name[:open])
	}
	rest := s[i:]
	for _, o := range []string{"<=", ">=", "<", ">"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return fail("operator must be one of <, <=, >, >=")
	}
	val = strings.TrimSpace(rest[len(op):])
	if val == "" {
		return fail("no value after %s", op)
	}
	return s, name, path, op, val, nil
}

// parsePercentile reads p99, p99.9, p(95), p(99.9).
func parsePercentile(name string) (float64, bool) {
	if !strings.HasPrefix(name, "p") {
		return 0, false
	}
	n := name[1:]
	if strings.HasPrefix(n, "(") && strings.HasSuffix(n, ")") {
		n = n[1 : len(n)-1]
	}
	p, err := strconv.ParseFloat(n, 64)
	if err != nil || p <= 0 || p > 100 {
		return 0, false
	}
	return p / 100, true
}

// parseMillis reads a duration (50ms, 1.5s, 800us) or a bare number of milliseconds, as k6 does.
func parseMillis(v string) (float64, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if f < 0 {
			return 0, errors.New("a latency must not be negative")
		}
		return f, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("latency %q: want a duration such as 50ms or 1.5s", v)
	}
	if d < 0 {
		return 0, errors.New("a latency must not be negative")
	}
	return ms(d), nil
}

// parseRate reads 0.1% or a fraction 0.001.
func parseRate(v string) (float64, error) {
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 0 || f > 100 {
			return 0, fmt.Errorf("rate %q: want a percentage 0%%..100%%", v)
		}
		return f / 100, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("rate %q: want a percentage such as 0.1%% or a fraction such as 0.001", v)
	}
	if f > 1 {
		return 0, fmt.Errorf("rate %q is more than 1: did you mean %s%%?", v, v)
	}
	return f, nil
}

// ParseThresholds parses each expression; the first error is returned.
func ParseThresholds(exprs []string) ([]Threshold, error) { return parseAll(exprs, ParseThreshold) }

// parseAll parses each expression with parse; the first error is returned.
func parseAll[T any](exprs []string, parse func(string) (T, error)) ([]T, error) {
	out := make([]T, 0, len(exprs))
	for _, e := range exprs {
		t, err := parse(e)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Path is the path the threshold is about ("" for the whole run).
func (t Threshold) Path() string { return t.path }

// Evaluate checks t against the summary s and its report r: the whole run's figures, or its
// path's.
func (t Threshold) Evaluate(s *Summary, r *Report) ThresholdResult {
	f := runFigures(s, r)
	if t.path != "" {
		f = pathFigures(s, r, t.path)
	}
	res := ThresholdResult{Threshold: t.Expr}
	var actual float64
	switch t.metric {
	case "latency":
		res.Unit, actual = "ms", t.latency(f.latency, f.quantile)
	case "errors":
		res.Unit, actual = "ratio", f.errors
	case "throttled":
		res.Unit, actual = "ratio", f.throttled
	case "unexpected":
		res.Unit, actual = "ratio", f.unexpected
	case "rps":
		res.Unit, actual = "1/s", f.rps
	}
	return t.judge(res, actual, f.requests)
}

// figures are what a threshold reads: the whole run's or one path's.
type figures struct {
	latency                       LatencyReport
	quantile                      func(float64) time.Duration
	errors, throttled, unexpected float64
	rps                           float64
	requests                      uint64
}

// runFigures are the whole run's; its unexpected share is that of all its paths' answers.
func runFigures(s *Summary, r *Report) figures {
	f := figures{latency: r.Latency, quantile: s.Quantile, errors: r.ErrorRate, throttled: r.Throttled,
		rps: r.Rate, requests: r.Requests}
	f.unexpected = unexpectedShare(r)
	return f
}

// pathFigures are those of the path named path (zero if the run has none).
func pathFigures(s *Summary, r *Report, path string) figures {
	var pr PathReport
	for _, p := range r.Paths {
		if p.Path == path {
			pr = p
		}
	}
	quantile := func(float64) time.Duration { return 0 }
	if p := s.paths[path]; p != nil {
		quantile = p.quantile
	}
	return figures{latency: pr.Latency, quantile: quantile, errors: pr.ErrorRate, throttled: pr.Throttled,
		unexpected: pr.Unexpected, rps: pr.Rate, requests: pr.Requests}
}

// latency picks t's latency figure: mean, max or min from l, a percentile from quantile.
func (t Threshold) latency(l LatencyReport, quantile func(float64) time.Duration) float64 {
	switch t.q {
	case qMean:
		return l.Mean
	case qMax:
		return l.Max
	case qMin:
		return l.Min
	}
	return ms(quantile(t.q))
}

func (t Threshold) judge(res ThresholdResult, actual float64, requests uint64) ThresholdResult {
	res.Actual = actual
	if requests == 0 {
		res.Message = t.Expr + ": no requests were made"
		return res
	}
	switch t.op {
	case "<":
		res.Pass = actual < t.value
	case "<=":
		res.Pass = actual <= t.value
	case ">":
		res.Pass = actual > t.value
	case ">=":
		res.Pass = actual >= t.value
	}
	verdict := "crossed"
	if res.Pass {
		verdict = "ok"
	}
	res.Message = fmt.Sprintf("%s: %s (%s)", t.Expr, formatActual(res.Unit, actual), verdict)
	return res
}

func formatActual(unit string, v float64) string {
	switch unit {
	case "ms":
		return strconv.FormatFloat(v, 'f', 3, 64) + "ms"
	case "ratio":
		return strconv.FormatFloat(v*100, 'f', 3, 64) + "%"
	default:
		return strconv.FormatFloat(v, 'f', 1, 64) + "/s"
	}
}

// Apply evaluates every threshold into r and sets its verdict; it reports whether all passed. A
// path whose pool ran dry is a crossed threshold of its own (pool{path=NAME}): calls the run
// planned were not sent, so its figures do not describe the asked load.
func Apply(ts []Threshold, s *Summary, r *Report) bool {
	r.Thresholds = r.Thresholds[:0]
	pass := true
	for _, t := range ts {
		res := t.Evaluate(s, r)
		r.Thresholds = append(r.Thresholds, res)
		pass = pass && res.Pass
	}
	for _, p := range r.Paths {
		if p.Dry == 0 {
			continue
		}
		msg := fmt.Sprintf("pool{path=%s}: ran dry from %.2fs to %.2fs into the run: %d calls not sent (crossed)",
			p.Path, p.DryFrom, p.DryTo, p.Dry)
		if p.Pool != nil && p.Pool.Error != "" {
			msg += ": " + p.Pool.Error
		}
		r.Thresholds = append(r.Thresholds, ThresholdResult{Threshold: "pool{path=" + p.Path + "}", Actual: float64(p.Dry),
			Unit: "calls", Message: msg})
		pass = false
	}
	r.Verdict = VerdictPass
	if !pass {
		r.Verdict = VerdictFail
	}
	return pass
}

// Judge applies ts to r (Apply) and says why r's figures decide nothing: cause, when the run gave
// one (the target answered none of the first calls, the run was stopped), or, when every call
// failed before an answer, that no call got one. A nil reason: the verdict stands.
func Judge(ts []Threshold, s *Summary, r *Report, cause error) (pass bool, reason error) {
	pass = Apply(ts, s, r)
	if cause == nil && r.Requests > 0 && r.Codes[CodeTransport] == r.Requests {
		first := "no error kept"
		if len(r.Errors) > 0 {
			first = TransportCause(r.Errors[0].Error)
		}
		cause = fmt.Errorf("no call got an answer (%s): is the target up?", first)
	}
	return pass, cause
}
