package loadrun

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// The histogram's bins: every latency lands in a bin whose middle is within 1/128 of it (half a
// bin of 64 per octave), exactly below 128µs.
func TestHistBins(t *testing.T) {
	prev := -1
	for us := uint64(1); us < 1<<32; us = us + 1 + us/97 {
		b := histBin(us)
		if b < prev {
			t.Fatalf("bin of %dµs is %d, below the bin %d of a smaller value", us, b, prev)
		}
		prev = b
		v := histValue(b)
		if us < 128 && v != float64(us) {
			t.Fatalf("%dµs: bin value %g, want exact", us, v)
		}
		if rel := math.Abs(v-float64(us)) / float64(us); rel > 1.0/128 {
			t.Fatalf("%dµs: bin %d's middle %g is %.4f off", us, b, v, rel)
		}
	}
	if b := histBin(uint64(histMax)); b >= maxBin {
		t.Errorf("an hour is bin %d, past maxBin %d", b, maxBin)
	}
}

// A timeline's percentiles agree with the exact ones within a bin, whatever order the results
// come in; coarsening and merging keep every count.
func TestTimelineQuantilesAndMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var lat []float64
	whole, a, b := NewTimeline(), NewTimeline(), NewTimeline()
	for i := range 20000 {
		at := start.Add(time.Duration(rng.Int64N(int64(90 * time.Second)))) // 900 buckets of 100ms: coarsened
		d := time.Duration(math.Exp(rng.NormFloat64()*0.8+7)) * time.Microsecond
		lat = append(lat, float64(d/time.Microsecond))
		whole.Add(SeriesAll, at, d, ClassOK)
		half := a
		if i%2 == 1 {
			half = b
		}
		half.Add(SeriesAll, at, d, ClassOK)
	}
	if whole.Len() > TimelineMaxBuckets || whole.Width() == TimelineBucket {
		t.Errorf("%d buckets of %v: want coarsened to at most %d", whole.Len(), whole.Width(), TimelineMaxBuckets)
	}
	sort.Float64s(lat)
	var hs []*latHist
	var n uint64
	for i := range whole.series[0].buckets {
		hs = append(hs, &whole.series[0].buckets[i].hist)
		n += uint64(whole.series[0].buckets[i].counts[ClassOK])
	}
	if n != 20000 {
		t.Fatalf("timeline counts %d calls, want 20000", n)
	}
	for _, q := range []float64{0.5, 0.9, 0.99} {
		exact := lat[int(math.Ceil(q*float64(len(lat))))-1]
		if got := quantileOf(q, hs...); math.Abs(got-exact)/exact > 1.0/64 {
			t.Errorf("p%g: %g µs, exact %g", q*100, got, exact)
		}
	}
	a.Merge(b)
	if got, want := a.Len(), whole.Len(); got != want || a.Width() != whole.Width() {
		t.Fatalf("merged halves: %d buckets of %v, the whole %d of %v", got, a.Width(), want, whole.Width())
	}
	ab, wb := a.Buckets(SeriesAll), whole.Buckets(SeriesAll)
	for i := range wb {
		if ab[i].Counts != wb[i].Counts || ab[i].Quantile(0.9) != wb[i].Quantile(0.9) && !math.IsNaN(wb[i].Quantile(0.9)) {
			t.Fatalf("bucket %d: merged %+v p90 %g, whole %+v p90 %g", i, ab[i].Counts, ab[i].Quantile(0.9), wb[i].Counts, wb[i].Quantile(0.9))
		}
	}
}

// The JSON form reads back to the same buckets; a malformed bucket is an error naming it.
func TestTimelineJSON(t *testing.T) {
	tl := NewTimeline()
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		tl.Add(SeriesAll, start.Add(time.Duration(i)*7*time.Millisecond), time.Duration(100+i)*time.Microsecond, Class(i%4))
		tl.Add("start", start.Add(time.Duration(i)*7*time.Millisecond), time.Duration(100+i)*time.Microsecond, Class(i%4))
	}
	tl.Add("start", start.Add(time.Second), 0, ClassDry)
	data, err := json.Marshal(tl)
	if err != nil {
		t.Fatal(err)
	}
	var back Timeline
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&back)
	if string(again) != string(data) {
		t.Errorf("round trip differs:\n%s\n%s", data, again)
	}
	for _, bad := range []string{`"1 2 3 | 5:1"`, `"1 0 0 0 0 9 | 5:2"`, `"1 0 0 0 0 9 | 99999:1"`, `"x 0 0 0 0 9 | 5:1"`} {
		js := `{"start":"2026-12-01T00:00:00Z","bucket_ms":100,"series":[{"name":"all","buckets":[` + bad + `]}]}`
		if err := json.Unmarshal([]byte(js), &back); err == nil {
			t.Errorf("bucket %s: no error", bad)
		}
	}
}
