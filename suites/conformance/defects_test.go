package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/states"
)

// recorder is a tb that keeps what each subtest said instead of failing the test.
type recorder struct {
	ctx      context.Context
	failed   bool
	skipped  bool
	messages []string
	subs     map[string]*recorder
	order    []string
	cleanups []func()
}

// fatal is the panic of recorder.Fatalf: it ends the (sub)test's function, as t.Fatalf does.
type fatal struct{}

func newRecorder(ctx context.Context) *recorder {
	return &recorder{ctx: ctx, subs: map[string]*recorder{}}
}

func (r *recorder) Helper()                  {}
func (r *recorder) Cleanup(f func())         { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Context() context.Context { return r.ctx }
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.messages = append(r.messages, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); panic(fatal{}) }
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = true
	r.messages = append(r.messages, fmt.Sprintf(format, args...))
}

func (r *recorder) Run(name string, f func(tb)) bool {
	sub := newRecorder(r.ctx)
	if r.subs[name] != nil {
		r.Errorf("subtest %s run twice", name)
	}
	r.subs[name], r.order = sub, append(r.order, name)
	sub.do(func() { f(sub) })
	return !sub.failed
}

// do runs f as the (sub)test's function, then its cleanups.
func (r *recorder) do(f func()) {
	defer func() {
		for i := len(r.cleanups) - 1; i >= 0; i-- {
			r.cleanups[i]()
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(fatal); !ok {
				panic(p)
			}
		}
	}()
	f()
}

// failing lists the subtests that failed.
func (r *recorder) failing() []string {
	var out []string
	for _, name := range r.order {
		if r.subs[name].failed {
			out = append(out, name)
		}
	}
	return out
}

// A defect of the reference fails exactly the subtests of the cases that check what it breaks,
// each with the case's message and reproduce line; the reference without one fails none, and
// every case is a subtest named by its id.
func TestDefectFailsExactlyItsSubtests(t *testing.T) {
	limit := spec.RateLimit{Calls: 20, Window: 2 * time.Second}
	cells := 8 // GET and POST, v1 and v3, JSON and XML
	for _, tt := range []struct {
		defect  *mock.Defect
		catches func(id string) bool
		want    int // how many subtests fail
		explore int // generated calls (a generated skew mutation catches TimestampUnchecked too)
	}{
		{nil, func(string) bool { return false }, 0, DefaultExplore},
		{&mock.ThrottleWrongCode, func(id string) bool { return strings.HasPrefix(id, "throttle/") }, cells, DefaultExplore},
		{&mock.TimestampUnchecked, func(id string) bool {
			return strings.HasPrefix(id, "gateway/"+specfacts.CodeTimestampExpired+"/") || strings.HasPrefix(id, "edges/clock-skew-minus16m/") ||
				strings.HasPrefix(id, "edges/clock-skew-plus16m/")
		}, cells + 2*4, 0},
	} {
		name := "reference"
		var opts []mock.Option
		if tt.defect != nil {
			name = tt.defect.String()
			opts = append(opts, mock.WithDefects(*tt.defect))
		}
		t.Run(name, func(t *testing.T) {
			ref, err := mock.New(nil, append(opts, mock.WithRateLimit(limit))...)
			if err != nil {
				t.Fatal(err)
			}
			rec := newRecorder(t.Context())
			rec.do(func() {
				test(rec, Handler(ref.API()), StateHandler(ref.Admin()), RateLimit(limit), Explore(tt.explore, 1))
			})
			if len(rec.messages) > 0 {
				t.Fatalf("the test itself: %q", rec.messages)
			}
			if len(rec.order) < 250 || !slices.Contains(rec.order, "success/OK/GET-v1-JSON") || tt.explore > 0 && !slices.Contains(rec.order, "explore/1/0") {
				t.Errorf("%d subtests %v..., want every case by its id", len(rec.order), rec.order[:min(3, len(rec.order))])
			}
			var want []string
			for _, id := range rec.order {
				if tt.catches(id) {
					want = append(want, id)
				}
			}
			got := rec.failing()
			if len(want) != tt.want || !slices.Equal(got, want) {
				t.Errorf("failing subtests %v, want %v (%d)", got, want, tt.want)
			}
			for _, id := range got {
				msg := strings.Join(rec.subs[id].messages, "\n")
				if !strings.HasPrefix(msg, id+": expected Code ") || !strings.Contains(msg, "\nreproduce: ") {
					t.Errorf("subtest %s failed with %q, want its message and reproduce line", id, msg)
				}
			}
			for _, id := range rec.order {
				if s := rec.subs[id]; s.skipped {
					t.Errorf("subtest %s skipped: %q", id, s.messages)
				}
			}
		})
	}
}

// The URL form with the states of a Go function: a state the function cannot arrange skips its
// cases, the others run.
func TestURLWithStateFunc(t *testing.T) {
	r, err := mock.Start(t.Context(), mock.WithRateLimit(spec.RateLimit{Calls: 20, Window: 2 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.CloseWithin(time.Second) })
	endpoint := states.NewEndpoint(r.AdminURL)
	var calls atomic.Int64 // the cases call it at once
	f := StateFunc(func(ctx context.Context, state string) (map[string]string, error) {
		calls.Add(1)
		if state != spec.StateStoppedJob {
			return nil, fmt.Errorf("%w: only the stopped job here", ErrUnsupported)
		}
		return endpoint.Setup(ctx, state)
	})
	rec := newRecorder(t.Context())
	rec.do(func() { test(rec, URL(r.APIURL), f, LabelFilter("success || errors"), Explore(0, 0)) })
	if len(rec.messages) > 0 {
		t.Fatalf("the test itself: %q", rec.messages)
	}
	passed, skipped := 0, 0
	for _, id := range rec.order {
		s := rec.subs[id]
		switch {
		case s.failed:
			t.Errorf("subtest %s failed: %q", id, s.messages)
		case s.skipped && strings.HasPrefix(id, "success/"):
			t.Errorf("subtest %s skipped: %q", id, s.messages)
		case s.skipped:
			skipped++
		default:
			passed++
		}
	}
	if passed != 16 || skipped == 0 || calls.Load() == 0 {
		t.Errorf("%d passed, %d skipped, %d state calls: want the 16 success cases passed, the others skipped", passed, skipped, calls.Load())
	}
}
