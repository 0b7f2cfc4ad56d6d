package contract

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// The gateway's common errors (docs/protocol.md#wire-protocol): one entry per code of the spec's common errors,
// each provoked by spoiling one thing of an otherwise good call made by a caller whose job does not
// exist (so a gateway that lets the call through answers JobNotFound instead). A common code this
// suite does not know how to provoke is a case skipped with the reason.
func gatewayCases(s *session, b *builder) {
	b.topic(4, "Gateway checks", label("gateway"), func() {
		var codes []spec.ErrorCode
		for _, e := range s.spec.Errors() {
			if e.Source == specfacts.SourceCommon && !slices.Contains(specfacts.ThrottlingCodes(s.spec), e.Code) {
				codes = append(codes, e)
			}
		}
		for _, c := range s.cells {
			b.container("when the gateway must reject the call, "+c.Text(), label(c.Labels()...), func() {
				for _, e := range codes {
					what := "an unprovokable call"
					p, ok := provokers[e.Code]
					if ok {
						what = p.what
					}
					desc := fmt.Sprintf("answers %d %s to %s", e.Status, e.Code, what)
					b.it(caseMeta{ID: "gateway/" + e.Code + "/" + c.ID(), Code: e.Code}, desc, func(t *caseT) {
						if !ok {
							t.skip("this suite does not know how to provoke " + e.Code)
						}
						v := s.caller(t)
						a := p.provoke(t, s, credentials(v), s.startCall(c, v))
						t.conform(a, failure(e, c.Format), nil)
					}, label(e.Code))
				}
			})
		}
	})
}

// provoker spoils a good call so that the gateway must answer one code.
type provoker struct {
	what    string
	provoke func(t *caseT, s *session, creds protocol.Credentials, call protocol.Call) *answer
}

// staleBy is how far off the stale Timestamp is: well past the 15 minutes allowed.
const staleBy = time.Hour

// provokers by the codes of docs/protocol.md#wire-protocol.
var provokers = map[string]provoker{
	specfacts.CodeInvalidAction: {"an unknown Action", func(t *caseT, s *session, creds protocol.Credentials, call protocol.Call) *answer {
		call.Action = s.spec.Action() + "Edgeconform"
		return s.send(t, creds, call)
	}},
	specfacts.CodeInvalidVersion: {"a wrong Version", func(t *caseT, s *session, creds protocol.Credentials, call protocol.Call) *answer {
		call.Version = "2000-01-01"
		if call.Version == s.spec.Version() {
			call.Version = "2000-01-02"
		}
		return s.send(t, creds, call)
	}},
	specfacts.CodeInvalidAccessKeyID: {"an unknown AccessKeyId", func(t *caseT, s *session, creds protocol.Credentials, call protocol.Call) *answer {
		creds.AccessKeyID = "LTAIedgeconform" + strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:12])
		return s.send(t, creds, call)
	}},
	specfacts.CodeTimestampExpired: {"a Timestamp an hour old", func(t *caseT, s *session, creds protocol.Credentials, call protocol.Call) *answer {
		call.Time = time.Now().Add(-staleBy)
		return s.send(t, creds, call)
	}},
	specfacts.CodeSignatureDoesNotMatch: {"a call signed with the wrong secret", func(t *caseT, s *session, creds protocol.Credentials, call protocol.Call) *answer {
		a := s.send(t, creds, call, explore.Mutation{Kind: explore.Secret})
		if p := stringToSignProblem(s.spec, a); p != "" { // stringtosign.go
			t.fail(KindTarget, p)
		}
		return a
	}},
	specfacts.CodeSignatureNonceUsed: {"a second call with the same SignatureNonce", func(t *caseT, s *session, creds protocol.Credentials, call protocol.Call) *answer {
		call.Nonce = uuid.NewString()
		first := s.send(t, creds, call)
		if first.Code == specfacts.CodeSignatureNonceUsed {
			t.fail(KindTarget, "the first call with a fresh SignatureNonce was answered SignatureNonceUsed")
		}
		return s.send(t, creds, call)
	}},
}
