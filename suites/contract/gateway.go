package contract

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/edgeconform/edgeconform/explore"
	"github.com/edgeconform/edgeconform/protocol"
	"github.com/edgeconform/edgeconform/spec"
)

// The gateway's common errors (docs/protocol.md#wire-protocol): one entry per code of the spec's common errors,
// each provoked by spoiling one thing of an otherwise good call made by a caller whose job does not
// exist (so a gateway that lets the call through answers JobNotFound instead). A common code this
// suite does not know how to provoke is a case skipped with the reason.
var _ = container("Gateway checks", Label("gateway"), func() {
	s := current
	if s == nil {
		notConfigured()
		return
	}
	var codes []spec.ErrorCode
	for _, e := range s.spec.Errors() {
		if e.Source == spec.SourceCommon && !slices.Contains(s.spec.ThrottlingCodes(), e.Code) {
			codes = append(codes, e)
		}
	}
	for _, c := range s.cells {
		table("when the gateway must reject the call, "+c.Text(), []any{Label(c.Labels()...)},
			func(ctx SpecContext, id string, e spec.ErrorCode) {
				p, ok := provokers[e.Code]
				if !ok {
					s.skip("this suite does not know how to provoke " + e.Code)
				}
				v := s.caller(ctx)
				a := p.provoke(ctx, s, id, credentials(v), s.startCall(c, v))
				Expect(a).To(s.conform(ctx, failure(e, c.Format)))
			},
			func() (entries []TableEntry) {
				for _, e := range codes {
					id := "gateway/" + e.Code + "/" + c.ID()
					what := "an unprovokable call"
					if p, ok := provokers[e.Code]; ok {
						what = p.what
					}
					desc := fmt.Sprintf("answers %d %s to %s", e.Status, e.Code, what)
					entries = append(entries, entry(caseMeta{ID: id, Code: e.Code}, desc, Label(e.Code), id, e))
				}
				return entries
			})
	}
})

// provoker spoils a good call so that the gateway must answer one code.
type provoker struct {
	what    string
	provoke func(ctx SpecContext, s *session, id string, creds protocol.Credentials, call protocol.Call) *answer
}

// staleBy is how far off the stale Timestamp is: well past the 15 minutes allowed.
const staleBy = time.Hour

// provokers by the codes of docs/protocol.md#wire-protocol.
var provokers = map[string]provoker{
	spec.CodeInvalidAction: {"an unknown Action", func(ctx SpecContext, s *session, id string, creds protocol.Credentials, call protocol.Call) *answer {
		call.Action = s.spec.Action() + "Edgeconform"
		return s.send(ctx, id, creds, call)
	}},
	spec.CodeInvalidVersion: {"a wrong Version", func(ctx SpecContext, s *session, id string, creds protocol.Credentials, call protocol.Call) *answer {
		call.Version = "2000-01-01"
		if call.Version == s.spec.Version() {
			call.Version = "2000-01-02"
		}
		return s.send(ctx, id, creds, call)
	}},
	spec.CodeInvalidAccessKeyID: {"an unknown AccessKeyId", func(ctx SpecContext, s *session, id string, creds protocol.Credentials, call protocol.Call) *answer {
		creds.AccessKeyID = "LTAIedgeconform" + strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:12])
		return s.send(ctx, id, creds, call)
	}},
	spec.CodeTimestampExpired: {"a Timestamp an hour old", func(ctx SpecContext, s *session, id string, creds protocol.Credentials, call protocol.Call) *answer {
		call.Time = time.Now().Add(-staleBy)
		return s.send(ctx, id, creds, call)
	}},
	spec.CodeSignatureDoesNotMatch: {"a call signed with the wrong secret", func(ctx SpecContext, s *session, id string, creds protocol.Credentials, call protocol.Call) *answer {
		return s.send(ctx, id, creds, call, explore.Mutation{Kind: explore.Secret})
	}},
	spec.CodeSignatureNonceUsed: {"a second call with the same SignatureNonce", func(ctx SpecContext, s *session, id string, creds protocol.Credentials, call protocol.Call) *answer {
		call.Nonce = uuid.NewString()
		first := s.send(ctx, id, creds, call)
		if first.Code == spec.CodeSignatureNonceUsed {
			Fail("the first call with a fresh SignatureNonce was answered SignatureNonceUsed", 1)
		}
		return s.send(ctx, id, creds, call)
	}},
}
