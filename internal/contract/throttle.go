package contract

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// The shape of a throttled answer: one fresh account is driven past the limit and the first
// throttled answer is judged like any other (status, Code, Message, RequestId, Content-Type, the
// spec), plus the rate-limit headers when present. Only when Config.Throttle.Safe says the target
// takes it; the limit's exact value is the throttle scenario's business (edgeconform throttle).
func throttleCases(s *session, b *builder) {
	b.topic(5, "Throttled answers", label("throttle"), func() {
		throttled := throttledError(s.spec)
		for _, c := range s.cells {
			id := "throttle/" + throttled.Code + "/" + c.ID()
			b.container("when a fresh account exceeds the limit, "+c.Text(), label(c.Labels()...), func() {
				b.it(caseMeta{ID: id, Code: throttled.Code}, "answers the throttled call as the spec says", func(t *caseT) {
					if throttled.Code == "" {
						t.skip("the spec has no throttling code")
					}
					th := s.cfg.Throttle
					budget := s.overLimitBudget(t)
					v := s.arrange(t, spec.StateFreshAccount, needAll...)
					a, n, err := s.driveOver(t, credentials(v), s.startCall(c, v), budget)
					if err != nil {
						if t.ctx.Err() != nil {
							t.cut()
						}
						t.fail(KindTransport, fmt.Sprintf("call %d of one account: no answer: %v", n, err))
					}
					if a == nil {
						t.fail(KindTarget, fmt.Sprintf("no call was throttled: %d calls by one account, limit %s", n, th.Limit))
					}
					// Not "answer n": with several calls in flight, n varies from run to run.
					t.conform(a, failure(throttled, c.Format), func(ps string) string {
						return fmt.Sprintf("the first throttled answer of one account, limit %s: %s", th.Limit, ps)
					})
					ps := rateLimitHeaderProblems(s.spec, a)
					ps = append(ps, retryAfterProblems(s.spec, a, th.Limit.Window)...)
					if len(ps) > 0 {
						t.fail(KindTarget, strings.Join(ps, "; "))
					}
				}, heavyCase{})
			})
		}
	})
}

// ThrottleBudget is how many calls the throttle case may make to see one account throttled at
// limit: twice the limit, as a fixed window may turn over once during the run, and a few more.
func ThrottleBudget(limit spec.RateLimit) int { return 2*limit.Calls + 10 }

// throttledError is the first of the spec's errors that is a throttling code (zero: none).
func throttledError(sp *spec.Spec) spec.ErrorCode {
	for _, e := range sp.Errors() {
		if slices.Contains(specfacts.ThrottlingCodes(sp), e.Code) {
			return e
		}
	}
	return spec.ErrorCode{}
}

// overLimitBudget is how many calls may drive one account past the limit, or it skips the case
// t when the target's limit is not known to be safe to exceed, or (the harness's own bound, never
// the target's fault: --strict leaves it a skip) needs more calls than Config.Throttle.MaxCalls.
func (s *session) overLimitBudget(t *caseT) int {
	th := s.cfg.Throttle
	budget := ThrottleBudget(th.Limit)
	switch {
	case !th.Safe || th.Limit.Calls <= 0:
		t.skip("the target's limit is not known to be safe to exceed (give --rate-limit to run this case)")
	case th.MaxCalls > 0 && budget > th.MaxCalls:
		t.skipHarness(fmt.Sprintf("the limit %s needs up to %d calls, more than the harness's bound of %d (Config.Throttle.MaxCalls; 0 follows the limit)",
			th.Limit, budget, th.MaxCalls))
	}
	return budget
}

// drivers is how many calls are in flight at once while driving an account over its limit.
const drivers = 8

// driveOver calls until an answer is neither a success nor the refusal of a running job's start
// (the account's job runs after the first call), and returns that answer and how many answers had
// come by then (itself included), or nil after budget calls. A call without an answer stops it
// with that error.
func (s *session) driveOver(t *caseT, creds protocol.Credentials, call protocol.Call, budget int) (*answer, int, error) {
	return s.driveUntil(t, creds, call, budget, func(a *client.Answer) bool {
		return a.Status == 200 && a.Code == "" || a.Code == codeOperationDenied
	})
}

// driveUntil is driveOver with its own test of an answer that is not yet the one looked for
// (before: true to go on).
func (s *session) driveUntil(t *caseT, creds protocol.Credentials, call protocol.Call, budget int, before func(*client.Answer) bool) (*answer, int, error) {
	var (
		next   atomic.Int64
		calls  atomic.Int64 // answered so far
		once   sync.Once
		found  *answer
		failed error
		at     int
		wg     sync.WaitGroup
		done   = make(chan struct{})
	)
	cl := t.client()
	if call.Action == "" {
		call.Action = s.spec.Action()
	}
	if call.Version == "" {
		call.Version = s.spec.Version()
	}
	t.repro = explore.Reproduce(s.spec, s.cfg.Target, creds.AccessKeyID, call, nil) + " # repeat past the limit"
	for range drivers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1))
				if n > budget {
					return
				}
				select {
				case <-done:
					return
				default:
				}
				a, err := cl.Call(t.ctx, creds, call)
				if t.ctx.Err() == nil {
					s.note(s.targetWatch, err)
				}
				if err != nil {
					once.Do(func() { failed, at = err, int(calls.Load())+1; close(done) })
					return
				}
				answered := int(calls.Add(1))
				if before(a) {
					continue
				}
				once.Do(func() {
					found, at = &answer{Answer: a, caseID: t.def.ID, creds: creds, call: call}, answered
					close(done)
				})
				return
			}
		}()
	}
	wg.Wait()
	if found == nil && failed == nil {
		at = budget
	}
	if found != nil {
		t.answers = append(t.answers, found) // the one judged: kept for the RequestId check
	}
	return found, at, failed
}

// rateLimitHeaderProblems checks the rate-limit headers the official SDKs read, when present:
// Key:Value pairs joined by "," with no spaces (docs/protocol.md#wire-protocol), as the document's pattern says.
func rateLimitHeaderProblems(sp *spec.Spec, a *answer) []string {
	var out []string
	for _, h := range specfacts.RateLimitHeaders(sp) {
		for _, v := range a.Header.Values(h) {
			if !specfacts.RateLimitHeaderPattern(sp).MatchString(v) {
				out = append(out, fmt.Sprintf("%s: want Limit:N,Remain:N,TimeLeft:N,Reset:N, got %q", h, v))
			}
		}
	}
	return out
}

// timeLeft reads TimeLeft (milliseconds) out of a rate-limit header value.
var timeLeft = regexp.MustCompile(`(?:^|,)TimeLeft:([0-9]+)(?:,|$)`)

// retryAfterProblems checks x-acs-retry-after, when present (the newest darabonba-openapi retries
// after it; the released one reads TimeLeft): a positive number of milliseconds, within the window,
// and no later than the TimeLeft of the answer's own rate-limit header (by then the throttle has
// lifted; a second of slack for the two being rounded apart).
func retryAfterProblems(sp *spec.Spec, a *answer, window time.Duration) []string {
	v := a.Header.Get(specfacts.HeaderRetryAfter)
	if v == "" || specfacts.RetryAfterPattern(sp) == nil {
		return nil
	}
	if !specfacts.RetryAfterPattern(sp).MatchString(v) {
		return []string{fmt.Sprintf("%s: want a positive number of milliseconds, got %q", specfacts.HeaderRetryAfter, v)}
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || time.Duration(ms)*time.Millisecond > window+window/10 {
		return []string{fmt.Sprintf("%s: want at most the window (%v), got %s ms", specfacts.HeaderRetryAfter, window, v)}
	}
	for _, h := range specfacts.RateLimitHeaders(sp) {
		m := timeLeft.FindStringSubmatch(a.Header.Get(h))
		if m == nil {
			continue
		}
		if left, err := strconv.ParseInt(m[1], 10, 64); err == nil && ms > left+1000 {
			return []string{fmt.Sprintf("%s: want at most %s's TimeLeft (%d ms), got %s ms", specfacts.HeaderRetryAfter, h, left, v)}
		}
		break
	}
	return nil
}
