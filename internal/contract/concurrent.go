package contract

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// One stopped job is started once, however many starts race (the page: a start of a running job
// is refused with OperationDenied): concurrentStarts correctly signed starts of one stopped job,
// sent together, each on a TCP connection of its own, get exactly one 200 and OperationDenied for
// every other, each answer with a RequestId of its own (the run's RequestId check).
func concurrentCases(s *session, b *builder) {
	b.topic(10, "Concurrent starts", label("concurrent"), func() {
		denied, deniedKnown := s.spec.Error(codeOperationDenied)
		for _, c := range edgeCells(s.cells) { // about the request and the world, not the answer's format
			b.container("when one stopped job is started by several calls at once, "+c.Text(), label(c.Labels()...), func() {
				b.it(caseMeta{ID: "concurrent/start/" + c.ID(), Code: spec.CodeOK},
					fmt.Sprintf("starts it once: of %d starts, one 200 and OperationDenied for the others", concurrentStarts), func(t *caseT) {
						if !deniedKnown {
							t.skip("the spec has no " + codeOperationDenied + " code")
						}
						s.sparesProfile(t, spec.StateStoppedJob)
						v := s.arrange(t, spec.StateStoppedJob, needAll...)
						answers := s.sendTogether(t, credentials(v), s.startCall(c, v), concurrentStarts)
						t.repro += fmt.Sprintf(" # %d at once, each on a connection of its own", concurrentStarts)
						for _, a := range answers {
							if slices.Contains(specfacts.ThrottlingCodes(s.spec), a.Code) {
								t.skip(fmt.Sprintf("the target throttled %d starts at once (%s): its limit leaves no room for this case", concurrentStarts, a.Code))
							}
						}
						// answers[0] is the start that succeeded, if one did (sendTogether's order).
						if answers[0].Status != http.StatusOK {
							s.startedBefore(t, answers[0], v)
						}
						for _, a := range answers[1:] {
							t.conformUnobserved(a, failure(denied, c.Format), func(ps string) string {
								return fmt.Sprintf("another of %d starts sent at once, after one succeeded: %s", concurrentStarts, ps)
							})
						}
						t.conform(answers[0], success(v[arrange.JobID], c.Format), func(ps string) string {
							if answers[0].Status != http.StatusOK {
								return fmt.Sprintf("of %d starts sent at once (%s), none succeeded: %s", concurrentStarts, tally(answers), ps)
							}
							return fmt.Sprintf("the one of %d starts sent at once that succeeded: %s", concurrentStarts, ps)
						})
					}, heavyCase{})
			})
		}
	})
}

// concurrentStarts is how many starts race (at least 8: the issue that asked for the case).
const concurrentStarts = 8

// sendTogether signs n calls, then sends them at once, each over a connection of its own (a
// transport without keep-alive, shared by none), and returns the answers in the order sent. No
// answer fails the case as a transport failure.
func (s *session) sendTogether(t *caseT, creds protocol.Credentials, call protocol.Call, n int) []*answer {
	if call.Action == "" {
		call.Action = s.spec.Action()
	}
	if call.Version == "" {
		call.Version = s.spec.Version()
	}
	t.repro = explore.Reproduce(s.spec, s.cfg.Target, creds.AccessKeyID, call, nil)
	type sent struct {
		a   *client.Answer
		err error
	}
	out := make([]sent, n)
	reqs := make([]*http.Request, n)
	for i := range reqs {
		req, err := protocol.NewRequest(t.ctx, s.cfg.Target, creds, call)
		if err != nil {
			t.fail(KindTarget, "cannot make the call: "+err.Error())
		}
		reqs[i] = req
	}
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, req := range reqs {
		tr := ownConnection(s.cfg.HTTPClient)
		cl, err := client.New(s.cfg.Target, client.WithTimeout(s.cfg.Timeout), client.WithHTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			t.fail(KindTarget, "cannot make a client: "+err.Error())
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer tr.CloseIdleConnections()
			<-gate
			out[i].a, out[i].err = cl.Do(t.ctx, req)
		}()
	}
	close(gate)
	wg.Wait()
	for i, o := range out {
		t.observe(s.targetWatch, o.err)
		if o.err != nil {
			t.fail(KindTransport, fmt.Sprintf("start %d of %d sent at once: no answer: %v", i+1, n, o.err))
		}
	}
	// Which call came first is the race's: the answers are kept (and their RequestIds judged) in an
	// order of their own, a success first, so that the report is the same whoever won.
	slices.SortStableFunc(out, func(a, b sent) int {
		return strings.Compare(orderKey(a.a), orderKey(b.a))
	})
	answers := make([]*answer, 0, n)
	for _, o := range out {
		answers = append(answers, t.record(o.a, creds, call))
	}
	t.lastCode = answers[0].Code
	return answers
}

// orderKey sorts answers: 200 first, then by status and Code.
func orderKey(a *client.Answer) string {
	return fmt.Sprintf("%03d %s", a.Status, a.Code)
}

// ownConnection is a transport that opens a connection of its own for each call: a clone of
// Config.HTTPClient's when it has one (its TLS and proxy settings), without keep-alive.
func ownConnection(c *http.Client) *http.Transport {
	base, ok := http.DefaultTransport.(*http.Transport)
	if c != nil {
		if t, isTr := c.Transport.(*http.Transport); isTr {
			base, ok = t, true
		}
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment}
	if ok {
		tr = base.Clone()
	}
	tr.DisableKeepAlives = true
	return tr
}

// tally counts the answers by status and Code, in their order, e.g. "8 × 403 OperationDenied".
func tally(as []*answer) string {
	var parts []string
	for i := 0; i < len(as); {
		j := i
		for j < len(as) && orderKey(as[j].Answer) == orderKey(as[i].Answer) {
			j++
		}
		parts = append(parts, fmt.Sprintf("%d × %s", j-i, strings.TrimSpace(orderKey(as[i].Answer))))
		i = j
	}
	return strings.Join(parts, ", ")
}
