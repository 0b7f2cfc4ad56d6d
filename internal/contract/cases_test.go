package contract

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/giveup"
	"github.com/edgeconform/edgeconform/internal/hostile"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// outcomes lists the report's cases as comparable lines.
func outcomes(res *Result) []string {
	var out []string
	for _, c := range res.Cases {
		out = append(out, c.ID+" "+c.Status+" "+c.Kind+" "+c.Message)
	}
	return out
}

// The report is the same whether the cases run one after another or all at once and finish in
// the reverse order: statuses, messages, and which case keeps a RequestId answered twice (the
// first declared, not the first finished).
func TestRunAllSameOutcomeAnyOrder(t *testing.T) {
	const n = 6
	ids := []string{rid, "11111111-0E1A-486A-AC29-7422470A1B2C", "22222222-0E1A-486A-AC29-7422470A1B2C",
		"33333333-0E1A-486A-AC29-7422470A1B2C", "11111111-0E1A-486A-AC29-7422470A1B2C", "55555555-0E1A-486A-AC29-7422470A1B2C"}
	run := func(parallel int) []string {
		done := make([]chan struct{}, n+1)
		for i := range done {
			done[i] = make(chan struct{})
		}
		close(done[n])
		var defs []*caseDef
		for i := range n {
			defs = append(defs, &caseDef{caseMeta: caseMeta{ID: fmt.Sprintf("t/%d", i), Code: spec.CodeOK}, body: func(t *caseT) {
				defer close(done[i])
				if parallel > 1 {
					<-done[i+1] // all at once: case i ends after case i+1
				}
				switch i {
				case 2:
					t.skip("state not supported")
				case 3:
					t.fail(KindState, "state setup:\nfailed")
				}
				a := jsonAnswer(200, `{"JobId":"j1","RequestId":"`+ids[i]+`"}`, map[string]string{"JobId": "j1", "RequestId": ids[i]})
				t.conform(t.record(a.Answer, protocol.Credentials{}, protocol.Call{}), success("j1", "JSON"), nil)
			}})
		}
		s := testSession(t)
		s.cfg.Parallel = parallel
		s.runAll(context.Background(), defs)
		return outcomes(s.result())
	}
	serial, parallel := run(1), run(n)
	if strings.Join(serial, "\n") != strings.Join(parallel, "\n") {
		t.Errorf("serial:\n%s\nparallel:\n%s", strings.Join(serial, "\n"), strings.Join(parallel, "\n"))
	}
	want := []string{
		"t/0 passed  ",
		"t/1 passed  ",
		"t/2 skipped  state not supported",
		"t/3 failed state state setup: failed",
		`t/4 failed  /RequestId: want a fresh one, got "11111111-0E1A-486A-AC29-7422470A1B2C" again (first answered in t/1)`,
		"t/5 passed  ",
	}
	if strings.Join(serial, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(serial, "\n"), strings.Join(want, "\n"))
	}
}

// At most Parallel cases run at once, a heavy case counting as several; heavy cases start after
// every light one and never two at once; a panicking case fails alone.
func TestRunAllBounded(t *testing.T) {
	const parallel = 4
	var (
		mu                sync.Mutex
		weight, maxWeight int
		lightLeft         = 20
		heavyRunning      int
		problems          []string
	)
	enter := func(w int, heavy bool) {
		mu.Lock()
		defer mu.Unlock()
		weight += w
		maxWeight = max(maxWeight, weight)
		if heavy {
			heavyRunning++
			if lightLeft > 0 {
				problems = append(problems, fmt.Sprintf("a heavy case started with %d light ones not started", lightLeft))
			}
			if heavyRunning > 1 {
				problems = append(problems, "two heavy cases at once")
			}
		} else {
			lightLeft--
		}
	}
	leave := func(w int, heavy bool) {
		mu.Lock()
		defer mu.Unlock()
		weight -= w
		if heavy {
			heavyRunning--
		}
	}
	var defs []*caseDef
	for i := range 22 {
		heavy := i == 3 || i == 10 // declared among the light ones
		w := 1
		if heavy {
			w = min(drivers, parallel)
		}
		defs = append(defs, &caseDef{caseMeta: caseMeta{ID: fmt.Sprintf("t/%02d", i)}, heavy: heavy, body: func(t *caseT) {
			enter(w, heavy)
			defer leave(w, heavy)
			time.Sleep(2 * time.Millisecond)
			if i == 7 {
				panic("a bug")
			}
		}})
	}
	s := testSession(t)
	s.cfg.Parallel = parallel
	s.runAll(context.Background(), defs)
	res := s.result()
	if maxWeight > parallel || maxWeight < 2 {
		t.Errorf("at most %d at once, want between 2 and %d", maxWeight, parallel)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if res.Passed != 21 || res.Failed != 1 || res.Cases[7].Message != "panic: a bug" || res.Cases[3].ID != "t/03" {
		t.Errorf("result %+v", res)
	}
}

// A target or a state endpoint that answers none of the first calls ends the run: the cases not
// begun are not run, and the cause names the endpoint. Serially that is after two timeouts.
func TestRunAllGivesUpOnSilentEndpoints(t *testing.T) {
	silent := hostile.New(hostile.Hang)
	t.Cleanup(silent.Close)
	for _, tt := range []struct {
		name     string
		target   string
		states   states.Arranger
		sentinel error
		names    string
	}{
		{"target", silent.URL, arrange.Map{spec.StateNoSuchJob: {arrange.AccessKeyID: "k", arrange.AccessKeySecret: "s", arrange.ClusterID: "c", arrange.JobID: "j"}},
			ErrUnreachable, "target " + silent.URL},
		{"state endpoint", "http://127.0.0.1:1", states.NewEndpoint(silent.URL, states.WithTimeout(100*time.Millisecond)),
			ErrStateSetup, "state endpoint " + silent.URL},
	} {
		for _, parallel := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s/parallel=%d", tt.name, parallel), func(t *testing.T) {
				var defs []*caseDef
				for i := range 12 {
					defs = append(defs, &caseDef{caseMeta: caseMeta{ID: fmt.Sprintf("t/%02d", i)}, body: func(t *caseT) {
						v := t.s.caller(t)
						t.s.send(t, credentials(v), t.s.startCall(cell{protocol.Transport{Method: "GET", Signature: "v1", Format: "JSON"}}, v))
					}})
				}
				s, err := newSession(context.Background(), Config{Target: tt.target, States: tt.states, Timeout: 100 * time.Millisecond, Parallel: parallel})
				if err != nil {
					t.Fatal(err)
				}
				s.runAll(context.Background(), defs)
				res := s.result()
				if !errors.Is(s.cause, tt.sentinel) || !errors.Is(s.cause, giveup.ErrNoAnswer) || !strings.Contains(s.cause.Error(), tt.names) {
					t.Fatalf("cause %v, want %v naming %q", s.cause, tt.sentinel, tt.names)
				}
				if ran := len(res.Cases) - res.NotRun; ran < giveup.After || ran > parallel+giveup.After {
					t.Errorf("%d cases ran before giving up, want %d to %d", ran, giveup.After, parallel+giveup.After)
				}
				if res.Passed != 0 || res.NotRun == 0 || !strings.Contains(res.Cases[len(res.Cases)-1].Message, "not run: ") {
					t.Errorf("result %+v", res)
				}
			})
		}
	}
}

// A target that answered once is judged call by call: no giving up on it later.
func TestRunAllKeepsAnAnsweringTarget(t *testing.T) {
	w := giveup.New("target", "http://x", time.Second)
	w.Observe(nil)
	for range 5 {
		if err := w.Observe(fmt.Errorf("%w: %w", client.ErrTransport, context.DeadlineExceeded)); err != nil {
			t.Fatalf("gave up after an answer: %v", err)
		}
	}
}
