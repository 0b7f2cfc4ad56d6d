package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/verdict"
)

// Verdicts of a Result, the kit's (package verdict): they match the exit statuses 0, 1 and 3
// (docs/protocol.md, reports).
const (
	VerdictPass         = verdict.Pass
	VerdictFail         = verdict.Fail
	VerdictInconclusive = verdict.Inconclusive
)

var (
	// ErrNotJudged: cases could not be judged for a reason that is not the target's: a fixture
	// profile used up, a state URL that is the API (exit 3).
	ErrNotJudged = errors.New("contract: cases could not be judged")
	// ErrCredentialsRefused: every call that needed valid credentials was refused for them (exit 3).
	ErrCredentialsRefused = errors.New("contract: the target refused these credentials")
	// ErrNothingVerified: every selected case was skipped (exit 3).
	ErrNothingVerified = errors.New("contract: nothing was verified")
)

// refusals are the gateway's answers to credentials it does not take: an unknown or disabled
// AccessKey, a signature made with the wrong secret.
var refusals = []string{"InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive", "SignatureDoesNotMatch"}

// conclude decides the run's verdict and the error Run returns with it. One story: when the
// harness could not do its job and no case proved the target wrong, the verdict is inconclusive
// and no case is counted failed (those that could not be judged are skipped, "not judged: why");
// a proven failure outweighs what could not be judged.
func (s *session) conclude(ctx context.Context, res *Result) error {
	err := s.verdictError(ctx, res)
	if err == nil {
		if msg := firstMessage(res, KindHarness); msg != "" {
			err = fmt.Errorf("%w: %s", ErrNotJudged, msg)
		}
	}
	if err == nil {
		if err = credentialsRefused(res); err != nil {
			// Its failures are the refusals: none of them proves the target wrong.
			res.notJudged(func(Case) bool { return true })
			res.Verdict, res.Reason = VerdictInconclusive, reason(err)
			return err
		}
	}
	targetFailed := 0
	for _, c := range res.Cases {
		if c.Status == StatusFailed && c.Kind == KindTarget {
			targetFailed++
		}
	}
	switch {
	case err != nil && targetFailed > 0:
		res.notJudged(func(c Case) bool { return c.Kind == KindHarness })
		res.Verdict = VerdictFail
	case err != nil:
		res.notJudged(func(Case) bool { return true })
		res.Verdict, res.Reason = VerdictInconclusive, reason(err)
	case res.Failed > 0:
		res.Verdict = VerdictFail
	case res.Passed == 0 && len(res.Cases) > 0:
		err = fmt.Errorf("%w: all %d selected cases were skipped", ErrNothingVerified, res.Skipped)
		res.Verdict, res.Reason = VerdictInconclusive, reason(err)
	default:
		res.Verdict = VerdictPass
	}
	return err
}

// reason is err's message without the package's prefixes.
func reason(err error) string {
	return strings.ReplaceAll(err.Error(), "contract: ", "")
}

// notJudged turns the failed cases that which selects into skipped ones, "not judged: <why>".
func (r *Result) notJudged(which func(Case) bool) {
	r.Passed, r.Failed, r.Skipped, r.Known, r.Fixed = 0, 0, 0, 0, 0
	for i := range r.Cases {
		c := &r.Cases[i]
		if c.Status == StatusFailed && which(*c) {
			// Not judged: no failure to reproduce either.
			c.Status, c.Message, c.Reproduce = StatusSkipped, clip("not judged: "+c.Message), ""
		}
		switch c.Status {
		case StatusPassed:
			r.Passed++
		case StatusFailed:
			r.Failed++
		case StatusSkipped:
			r.Skipped++
		case StatusKnown:
			r.Known++
		case StatusFixed:
			r.Fixed++
		}
	}
}

// Rejudge decides r's verdict again after a baseline changed the statuses (failed cases it
// covers are known, passed ones fixed) and added Problems; runErr is Run's error. A run without
// a verdict stays without one.
func Rejudge(r *Result, runErr error) {
	if r.Verdict == VerdictInconclusive {
		return
	}
	switch {
	case r.Failed > 0 || len(r.Problems) > 0:
		r.Verdict = VerdictFail
	case runErr != nil:
		// The failures that outweighed the harness's trouble are known ones now.
		r.notJudged(func(Case) bool { return true })
		r.Verdict, r.Reason = VerdictInconclusive, reason(runErr)
	case r.Passed+r.Known+r.Fixed == 0 && len(r.Cases) > 0:
		r.Verdict, r.Reason = VerdictInconclusive, reason(fmt.Errorf("%w: all %d selected cases were skipped", ErrNothingVerified, r.Skipped))
	default:
		r.Verdict = VerdictPass
	}
}

// credentialsRefused says whether the target refused the run's credentials on every call that
// needed them: every failure is a refusal, and no case that needs valid credentials passed (the
// gateway's cases are answered before the credentials, or about them; a case that only wants a
// client error or a well-formed answer, code "4xx", "any" or "... or 4xx", passes on a refusal too).
func credentialsRefused(res *Result) error {
	refused, code := 0, ""
	for _, c := range res.Cases {
		switch {
		case c.Status == StatusPassed && area(c.ID) != "gateway" && c.Code != codeAnyClientError && c.Code != codeAnyAnswer &&
			!strings.HasSuffix(c.Code, explore.OrRefused):
			return nil
		case c.Status != StatusFailed:
		case c.Kind == KindTarget && slices.Contains(refusals, c.Answer):
			refused, code = refused+1, c.Answer
		default:
			return nil
		}
	}
	if refused == 0 {
		return nil
	}
	return fmt.Errorf("%w on every call (%s): check the keys of the profile, --access-key-id/--access-key-secret or $ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET", ErrCredentialsRefused, code)
}
