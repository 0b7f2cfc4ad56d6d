package loadrun

import (
	"sort"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Latencies are recorded in microseconds from 1µs to an hour with 3 significant digits: exact
// enough for any percentile a threshold asks for, in a fixed ~200 KB whatever the run's length.
const (
	histMin    = 1
	histMax    = int64(time.Hour / time.Microsecond)
	histDigits = 3
	maxErrors  = 20 // distinct transport error messages kept
)

// Counts are the results of a run by class.
type Counts struct {
	Requests  uint64 `json:"requests"`  // calls sent (answered or not)
	OK        uint64 `json:"ok"`        // a 2xx answer naming a JobId (ClassOK)
	Throttled uint64 `json:"throttled"` // an answer with one of the spec's throttling codes (ClassThrottled)
	Refused   uint64 `json:"refused"`   // a documented business refusal below 500 (ClassRefused)
	Failed    uint64 `json:"failed"`    // no answer, a 5xx, a gateway rejection, no readable Code (ClassFailed)
	// Dry: calls of a mixed run not sent because the path's pool was empty (not in Requests).
	Dry uint64 `json:"dry,omitempty"`
}

func (c *Counts) add(class Class) {
	c.Requests++
	switch class {
	case ClassOK:
		c.OK++
	case ClassThrottled:
		c.Throttled++
	case ClassRefused:
		c.Refused++
	default:
		c.Failed++
	}
}

// Summary aggregates the results of one run, or of several shards' runs merged. It is not safe
// for concurrent use: one goroutine reads the attacker's results.
type Summary struct {
	classifier *Classifier
	hist       *hdrhistogram.Histogram
	latSum     time.Duration
	latMin     time.Duration
	latMax     time.Duration
	counts     Counts
	status     map[uint16]uint64
	codes      map[string]uint64
	accounts   map[string]*Counts
	errors     map[string]uint64
	attacks    map[string]bool
	first      time.Time // earliest request start
	lastStart  time.Time // latest request start
	lastEnd    time.Time // latest answer
	bytesIn    uint64
	bytesOut   uint64
	paths      map[string]*pathStats  // a mixed run's results by path
	shards     map[string]*shardStats // by attack name
	mix        *Mix                   // weights for the report, when known
	timeline   *Timeline              // per time bucket, for the charts and report compare
}

// NewSummary returns an empty summary that classifies with c (NewClassifier(nil) when nil).
func NewSummary(c *Classifier) *Summary {
	if c == nil {
		c = NewClassifier(nil)
	}
	return &Summary{
		classifier: c,
		hist:       hdrhistogram.New(histMin, histMax, histDigits),
		status:     map[uint16]uint64{},
		codes:      map[string]uint64{},
		accounts:   map[string]*Counts{},
		errors:     map[string]uint64{},
		attacks:    map[string]bool{},
		paths:      map[string]*pathStats{},
		shards:     map[string]*shardStats{},
		timeline:   NewTimeline(),
	}
}

// Add records r and returns its outcome.
func (s *Summary) Add(r *vegeta.Result) Outcome {
	o := s.classifier.Classify(r)
	s.timeline.Add(SeriesAll, r.Timestamp, r.Latency, o.Class)
	if o.Path != "" {
		s.path(o.Path).add(o, r)
		s.timeline.Add(o.Path, r.Timestamp, r.Latency, o.Class)
	}
	if o.Class == ClassDry {
		s.counts.Dry++
		return o
	}
	s.shard(r.Attack).add(r)
	s.counts.add(o.Class)
	s.status[r.Code]++
	s.codes[o.Code]++
	if o.Path == "" { // a mix's identifiers are many and short-lived: counted per path instead
		a := s.accounts[o.Account]
		if a == nil {
			a = &Counts{}
			s.accounts[o.Account] = a
		}
		a.add(o.Class)
	}
	if r.Code == 0 && r.Error != "" {
		msg := RedactError(r.Error)
		if _, ok := s.errors[msg]; ok || len(s.errors) < maxErrors {
			s.errors[msg]++
		}
	}
	if !s.attacks[r.Attack] {
		s.attacks[r.Attack] = true
	}

	us := int64(r.Latency / time.Microsecond)
	if us < histMin {
		us = histMin
	} else if us > histMax {
		us = histMax
	}
	_ = s.hist.RecordValue(us) // in range by construction
	s.latSum += r.Latency
	if s.counts.Requests == 1 || r.Latency < s.latMin {
		s.latMin = r.Latency
	}
	if r.Latency > s.latMax {
		s.latMax = r.Latency
	}
	if s.first.IsZero() || r.Timestamp.Before(s.first) {
		s.first = r.Timestamp
	}
	if r.Timestamp.After(s.lastStart) {
		s.lastStart = r.Timestamp
	}
	if end := r.End(); end.After(s.lastEnd) {
		s.lastEnd = end
	}
	s.bytesIn += r.BytesIn
	s.bytesOut += r.BytesOut
	return o
}

// Counts returns the counts so far.
func (s *Summary) Counts() Counts { return s.counts }

// Quantile returns the latency at quantile q (0..1) from the HDR histogram.
func (s *Summary) Quantile(q float64) time.Duration {
	if s.counts.Requests == 0 {
		return 0
	}
	// The histogram answers a bucket's highest value: never more than the largest seen.
	return min(time.Duration(s.hist.ValueAtPercentile(q*100))*time.Microsecond, s.latMax)
}

// Report is a run's figures, as the text and JSON reports show them (docs/protocol.md#reports).
type Report struct {
	Target        string            `json:"target,omitempty"`         // the base URL attacked
	Shards        []string          `json:"shards,omitempty"`         // the attack names merged, one per shard
	RateRequested float64           `json:"rate_requested,omitempty"` // calls per second asked for (0: as fast as possible)
	Duration      float64           `json:"duration_s"`               // first request to last answer
	Counts                          // the calls by class
	Rate          float64           `json:"rate"`                  // requests per second sent
	Throughput    float64           `json:"throughput"`            // answered calls (ok + refused) per second
	ErrorRate     float64           `json:"error_rate"`            // Failed of Requests
	Throttled     float64           `json:"throttled_rate"`        // Throttled of Requests
	Latency       LatencyReport     `json:"latency_ms"`            // of every call, in milliseconds
	Status        map[string]uint64 `json:"status"`                // calls per HTTP status ("0": no answer)
	Codes         map[string]uint64 `json:"codes"`                 // calls per answer Code (CodeNone, CodeTransport, CodeDry)
	Accounts      []AccountReport   `json:"accounts"`              // the counts per account, by name
	Errors        []ErrorCount      `json:"errors,omitempty"`      // the most frequent transport errors, redacted
	BytesIn       uint64            `json:"bytes_in"`              // answer bytes read
	BytesOut      uint64            `json:"bytes_out"`             // request bytes sent
	Mix           string            `json:"mix,omitempty"`         // a mixed run's paths and weights, "start=70,denied=30"
	Paths         []PathReport      `json:"paths,omitempty"`       // a mixed run's figures per path
	ShardStart    *ShardStartReport `json:"shard_start,omitempty"` // when merged shards began (report merge)
	Thresholds    []ThresholdResult `json:"thresholds,omitempty"`  // each threshold judged, then each dry pool
	Verdict       Verdict           `json:"verdict"`               // pass, fail when a threshold is crossed, inconclusive (Reason says why)
	// Reason says in one sentence why the verdict is inconclusive (empty otherwise).
	Reason string `json:"reason,omitempty"`
	// Interrupted: the run was stopped (a signal, --deadline) before its duration: the figures
	// cover the calls made so far and decide nothing.
	Interrupted bool `json:"interrupted,omitempty"`
	// Timeline: the results per time bucket and path (charts, report compare).
	Timeline *Timeline `json:"timeline,omitempty"`
}

// Inconclusive marks r as a run that supports no verdict, for reason.
func (r *Report) Inconclusive(reason string) {
	r.Verdict, r.Reason = VerdictInconclusive, reason
}

// LatencyReport is in milliseconds.
type LatencyReport struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99.9"`
	Max  float64 `json:"max"`
}

// AccountReport is one account's counts.
type AccountReport struct {
	Name string `json:"name"`
	Counts
}

// ErrorCount is a transport error message and how often it happened.
type ErrorCount struct {
	Error string `json:"error"`
	Count uint64 `json:"count"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Report computes the figures.
func (s *Summary) Report() *Report {
	r := &Report{
		Counts:   s.counts,
		Status:   map[string]uint64{},
		Codes:    map[string]uint64{},
		BytesIn:  s.bytesIn,
		BytesOut: s.bytesOut,
		Verdict:  VerdictPass,
	}
	if s.timeline.Len() > 0 {
		r.Timeline = s.timeline
	}
	for name := range s.attacks {
		if name != "" {
			r.Shards = append(r.Shards, name)
		}
	}
	sort.Strings(r.Shards)
	for code, n := range s.status {
		r.Status[strconv.Itoa(int(code))] = n
	}
	for code, n := range s.codes {
		r.Codes[code] = n
	}
	for name, c := range s.accounts {
		r.Accounts = append(r.Accounts, AccountReport{Name: name, Counts: *c})
	}
	sort.Slice(r.Accounts, func(i, j int) bool { return r.Accounts[i].Name < r.Accounts[j].Name })
	for msg, n := range s.errors {
		r.Errors = append(r.Errors, ErrorCount{msg, n})
	}
	sort.Slice(r.Errors, func(i, j int) bool {
		if r.Errors[i].Count != r.Errors[j].Count {
			return r.Errors[i].Count > r.Errors[j].Count
		}
		return r.Errors[i].Error < r.Errors[j].Error
	})
	r.Paths = s.pathReports()
	r.ShardStart = s.shardStartReport()
	if s.mix != nil {
		r.Mix = s.mix.String()
	}
	if s.counts.Requests == 0 {
		return r
	}
	n := float64(s.counts.Requests)
	r.ErrorRate = float64(s.counts.Failed) / n
	r.Throttled = float64(s.counts.Throttled) / n
	span := s.lastEnd.Sub(s.first)
	r.Duration = span.Seconds()
	// The rate is vegeta's: requests over the span of their starts (n-1 intervals).
	r.Rate = rateOf(s.counts.Requests, s.first, s.lastStart)
	if span > 0 {
		r.Throughput = float64(s.counts.OK+s.counts.Refused) / span.Seconds()
	}
	r.Latency = LatencyReport{
		Min:  ms(s.latMin),
		Mean: ms(s.latSum / time.Duration(s.counts.Requests)),
		P50:  ms(s.Quantile(0.50)),
		P90:  ms(s.Quantile(0.90)),
		P95:  ms(s.Quantile(0.95)),
		P99:  ms(s.Quantile(0.99)),
		P999: ms(s.Quantile(0.999)),
		Max:  ms(s.latMax),
	}
	return r
}
