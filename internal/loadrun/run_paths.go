package loadrun

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// pathStats are one path's results: its own counts, codes and latency histogram.
type pathStats struct {
	counts           Counts
	expected         uint64
	codes            map[string]uint64
	hist             *hdrhistogram.Histogram
	latSum           time.Duration
	latMin, latMax   time.Duration
	first, lastStart time.Time
	firstDry         time.Time
	lastDry          time.Time
}

func (s *Summary) path(name string) *pathStats {
	p := s.paths[name]
	if p == nil {
		p = &pathStats{codes: map[string]uint64{}, hist: hdrhistogram.New(histMin, histMax, histDigits)}
		s.paths[name] = p
	}
	return p
}

func (p *pathStats) add(o Outcome, r *vegeta.Result) {
	if o.Class == ClassDry {
		p.counts.Dry++
		if p.firstDry.IsZero() || r.Timestamp.Before(p.firstDry) {
			p.firstDry = r.Timestamp
		}
		if r.Timestamp.After(p.lastDry) {
			p.lastDry = r.Timestamp
		}
		return
	}
	p.counts.add(o.Class)
	if o.Expected {
		p.expected++
	}
	p.codes[o.Code]++
	us := min(max(int64(r.Latency/time.Microsecond), histMin), histMax)
	_ = p.hist.RecordValue(us) // in range by construction
	p.latSum += r.Latency
	if p.counts.Requests == 1 || r.Latency < p.latMin {
		p.latMin = r.Latency
	}
	p.latMax = max(p.latMax, r.Latency)
	if p.first.IsZero() || r.Timestamp.Before(p.first) {
		p.first = r.Timestamp
	}
	if r.Timestamp.After(p.lastStart) {
		p.lastStart = r.Timestamp
	}
}

func (p *pathStats) quantile(q float64) time.Duration {
	if p.counts.Requests == 0 {
		return 0
	}
	return min(time.Duration(p.hist.ValueAtPercentile(q*100))*time.Microsecond, p.latMax)
}

// SetMix names the mix of the run, so that the report shows each path's weight (and a path of
// the mix that made no call at all).
func (s *Summary) SetMix(m *Mix) {
	s.mix = m
	for _, w := range m.Paths {
		s.path(string(w.Path))
	}
}

// PathReport is one path's figures in a mixed run's report.
type PathReport struct {
	Path   string `json:"path"`
	Weight int    `json:"weight,omitempty"`
	Expect string `json:"expect"` // the Code its calls should get
	Counts
	Expected   uint64            `json:"expected"`        // answers with that Code
	Unexpected float64           `json:"unexpected_rate"` // the other answers, of all answered
	ErrorRate  float64           `json:"error_rate"`
	Throttled  float64           `json:"throttled_rate"`
	Rate       float64           `json:"rate"`
	Latency    LatencyReport     `json:"latency_ms"`
	Codes      map[string]uint64 `json:"codes"`
	// DryFrom and DryTo: seconds after the run's first call that the pool first and last had
	// nothing ready; Dry (in Counts) is how many calls that cost.
	DryFrom float64    `json:"dry_from_s,omitempty"`
	DryTo   float64    `json:"dry_to_s,omitempty"`
	Pool    *PoolStats `json:"pool,omitempty"` // the pool's own figures (in-process runs only)
}

func (s *Summary) pathReports() []PathReport {
	if len(s.paths) == 0 {
		return nil
	}
	names := make([]string, 0, len(s.paths))
	for n := range s.paths {
		names = append(names, n)
	}
	sortPaths(names)
	start := s.first
	out := make([]PathReport, 0, len(names))
	for _, n := range names {
		p := s.paths[n]
		pr := PathReport{Path: n, Expect: s.classifier.expect[n], Counts: p.counts, Expected: p.expected, Codes: map[string]uint64{}}
		for code, c := range p.codes {
			pr.Codes[code] = c
		}
		if s.mix != nil {
			for _, w := range s.mix.Paths {
				if string(w.Path) == n {
					pr.Weight = w.Weight
				}
			}
		}
		if !p.firstDry.IsZero() {
			if start.IsZero() || p.firstDry.Before(start) {
				start = p.firstDry
			}
			pr.DryFrom = p.firstDry.Sub(start).Seconds()
			pr.DryTo = p.lastDry.Sub(start).Seconds()
		}
		if req := float64(p.counts.Requests); req > 0 {
			pr.Unexpected = float64(p.counts.Requests-p.expected) / req
			pr.ErrorRate = float64(p.counts.Failed) / req
			pr.Throttled = float64(p.counts.Throttled) / req
			pr.Rate = rateOf(p.counts.Requests, p.first, p.lastStart)
			pr.Latency = LatencyReport{
				Min: ms(p.latMin), Mean: ms(p.latSum / time.Duration(p.counts.Requests)),
				P50: ms(p.quantile(0.50)), P90: ms(p.quantile(0.90)), P95: ms(p.quantile(0.95)),
				P99: ms(p.quantile(0.99)), P999: ms(p.quantile(0.999)), Max: ms(p.latMax),
			}
		}
		out = append(out, pr)
	}
	return out
}

// SetPoolStats attaches each pool's figures to the paths of r.
func SetPoolStats(r *Report, stats map[Path]PoolStats) {
	for i := range r.Paths {
		if st, ok := stats[Path(r.Paths[i].Path)]; ok {
			r.Paths[i].Pool = &st
		}
	}
}

// rateOf is vegeta's rate: n requests over the span of their starts (n-1 intervals).
func rateOf(n uint64, first, last time.Time) float64 {
	if sent := last.Sub(first); sent > 0 && n > 1 {
		return float64(n-1) / sent.Seconds()
	}
	return 0
}

// shardStats are one attack's (shard's) start and pace.
type shardStats struct {
	requests         uint64
	first, lastStart time.Time
}

func (s *Summary) shard(name string) *shardStats {
	sh := s.shards[name]
	if sh == nil {
		sh = &shardStats{}
		s.shards[name] = sh
	}
	return sh
}

func (sh *shardStats) add(r *vegeta.Result) {
	sh.requests++
	if sh.first.IsZero() || r.Timestamp.Before(sh.first) {
		sh.first = r.Timestamp
	}
	if r.Timestamp.After(sh.lastStart) {
		sh.lastStart = r.Timestamp
	}
}

// ShardName is the attack name of shard sh of a run at rate calls per second (its share):
// "shard i/n @R/s". The merged report reads the planned rate back from it.
func ShardName(sh Shard, rate int) string {
	return fmt.Sprintf("shard %s @%d/s", sh, rate)
}

// plannedRate reads R of "... @R/s" (0 when absent).
func plannedRate(name string) float64 {
	i := strings.LastIndex(name, " @")
	if i < 0 || !strings.HasSuffix(name, "/s") {
		return 0
	}
	v, err := strconv.ParseFloat(name[i+2:len(name)-2], 64)
	if err != nil {
		return 0
	}
	return v
}

// ShardStartReport says how far apart the merged shards began and what share of its planned
// rate each kept.
type ShardStartReport struct {
	Spread float64       `json:"spread_s"` // latest first call minus earliest first call
	Shards []ShardReport `json:"shards"`
}

// ShardReport is one shard's start and pace.
type ShardReport struct {
	Name     string  `json:"name"`
	Started  float64 `json:"started_s"` // after the earliest shard's first call
	Requests uint64  `json:"requests"`
	Rate     float64 `json:"rate"`
	Planned  float64 `json:"planned_rate,omitempty"`
	Kept     float64 `json:"kept,omitempty"` // rate / planned
}

func (s *Summary) shardStartReport() *ShardStartReport {
	if len(s.shards) < 2 {
		return nil
	}
	var earliest, latest time.Time
	for _, sh := range s.shards {
		if earliest.IsZero() || sh.first.Before(earliest) {
			earliest = sh.first
		}
		if sh.first.After(latest) {
			latest = sh.first
		}
	}
	r := &ShardStartReport{Spread: latest.Sub(earliest).Seconds()}
	for name, sh := range s.shards {
		sr := ShardReport{Name: name, Started: sh.first.Sub(earliest).Seconds(), Requests: sh.requests,
			Rate: rateOf(sh.requests, sh.first, sh.lastStart), Planned: plannedRate(name)}
		if sr.Planned > 0 {
			sr.Kept = sr.Rate / sr.Planned
		}
		r.Shards = append(r.Shards, sr)
	}
	sort.Slice(r.Shards, func(i, j int) bool { return r.Shards[i].Name < r.Shards[j].Name })
	return r
}
