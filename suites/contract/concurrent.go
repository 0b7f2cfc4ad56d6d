package contract

import (
	"fmt"
	"net/http"
	"slices"
	"sync"

	. "github.com/onsi/ginkgo/v2"

	"github.com/edgeconform/edgeconform/client"
	"github.com/edgeconform/edgeconform/explore"
	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/states"
)

// One stopped job is started once, however many starts race (the page: a start of a running job
// is refused with OperationDenied): concurrentStarts correctly signed starts of one stopped job,
// sent together, each on a TCP connection of its own, get exactly one 200 and OperationDenied for
// every other, each answer with a RequestId of its own (the run's RequestId check).
var _ = topic(10, "Concurrent starts", Label("concurrent"), func() {
	s := current
	if s == nil {
		return
	}
	denied, deniedKnown := s.spec.Error(codeOperationDenied)
	for _, c := range s.cells {
		container("when one stopped job is started by several calls at once, "+c.Text(), Label(c.Labels()...), func() {
			it(caseMeta{ID: "concurrent/start/" + c.ID(), Code: spec.CodeOK},
				fmt.Sprintf("starts it once: of %d starts, one 200 and OperationDenied for the others", concurrentStarts), func(t *caseT) {
					if !deniedKnown {
						t.skip("the spec has no " + codeOperationDenied + " code")
					}
					v := s.arrange(t, spec.StateStoppedJob, needAll...)
					answers := s.sendTogether(t, credentials(v), s.startCall(c, v), concurrentStarts)
					t.repro += fmt.Sprintf(" # %d at once, each on a connection of its own", concurrentStarts)
					won := -1 // the start that succeeded (the first 200, in the order sent)
					for i, a := range answers {
						if slices.Contains(s.spec.ThrottlingCodes(), a.Code) {
							t.skip(fmt.Sprintf("the target throttled %d starts at once (%s): its limit leaves no room for this case", concurrentStarts, a.Code))
						}
						if won < 0 && a.Status == http.StatusOK {
							won = i
						}
					}
					if won < 0 {
						s.startedBefore(t, answers[0], v)
						won = 0
					}
					for i, a := range answers {
						if i != won {
							t.conformUnobserved(a, failure(denied, c.Format), func(ps string) string {
								return fmt.Sprintf("start %d of %d sent at once (%s): %s", i+1, concurrentStarts, tally(answers), ps)
							})
						}
					}
					t.conform(answers[won], success(v[states.JobID], c.Format), func(ps string) string {
						return fmt.Sprintf("of %d starts sent at once (%s), none succeeded: %s", concurrentStarts, tally(answers), ps)
					})
				}, heavyCase{})
		})
	}
})

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
	answers := make([]*answer, 0, n)
	for i, o := range out {
		t.observe(s.targetWatch, o.err)
		if o.err != nil {
			t.fail(KindTransport, fmt.Sprintf("start %d of %d sent at once: no answer: %v", i+1, n, o.err))
		}
		answers = append(answers, t.record(o.a, creds, call))
	}
	return answers
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

// tally counts the answers by status and Code, e.g. "8 × 200".
func tally(as []*answer) string {
	counts := map[string]int{}
	var order []string
	for _, a := range as {
		k := itoa(a.Status)
		if a.Code != "" {
			k += " " + a.Code
		}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	out := ""
	for i, k := range order {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%d × %s", counts[k], k)
	}
	return out
}
