package mock

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// raw is an answer as it came: what a variant changes may be in its bytes or its headers.
type raw struct {
	status int
	header http.Header
	body   string
}

func (r raw) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// sendMutated sends a valid call to start job (signed by explore.Build after muts, at the fake
// clock's time) over method and signature, Format format.
func (e *env) sendMutated(method string, sig protocol.SignatureVersion, format protocol.Format, job string, muts ...string) raw {
	e.t.Helper()
	var ms []explore.Mutation
	for _, s := range muts {
		m, err := explore.ParseMutation(s)
		if err != nil {
			e.t.Fatal(err)
		}
		ms = append(ms, m)
	}
	sp := spec.Default()
	call := protocol.Call{Transport: protocol.Transport{Method: method, Signature: sig, Format: format}, Action: sp.Action(), Version: sp.Version(),
		Time: e.clock.Now(), Params: url.Values{"ClusterId": {refCluster}, "JobId": {job}}}
	req, err := explore.Build(context.Background(), e.ts.URL, refKey, call, ms)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return raw{resp.StatusCode, resp.Header, string(b)}
}

// variantProbes: what each variant answers otherwise than the reference, as a predicate that
// holds of the variant's answer and not of the reference's.
var variantProbes = map[string]func(e *env) (raw, bool){
	"RepeatTakesFirst": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", stoppedJob, "repeat:JobId")
		return r, r.status == http.StatusOK
	},
	"RepeatTakesLast": func(e *env) (raw, bool) {
		r := e.sendMutated("POST", protocol.SignatureV1, "JSON", stoppedJob, "repeat:ClusterId")
		return r, r.status == http.StatusOK
	},
	"RepeatRefusedAfterGateway": func(e *env) (raw, bool) {
		// A wrong secret and a repeat: the reference refuses the repeat unread, this variant checks
		// the signature first.
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", stoppedJob, "repeat:JobId", "wrong-secret")
		return r, strings.Contains(r.body, specfacts.CodeSignatureDoesNotMatch)
	},
	"HeaderRepeatTakesFirst": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV3, "JSON", stoppedJob, "repeat:x-acs-signature-nonce")
		return r, r.status == http.StatusOK
	},
	"HeaderRepeatTakesLast": func(e *env) (raw, bool) {
		r := e.sendMutated("POST", protocol.SignatureV3, "JSON", stoppedJob, "repeat:x-acs-date")
		return r, r.status == http.StatusOK
	},
	"UnknownParamRefused": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", stoppedJob, "unknown:EdgeconformX=1")
		return r, r.status == http.StatusBadRequest && strings.Contains(r.body, codeMalformed)
	},
	"RegionIDValidated": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", stoppedJob, "empty:RegionId")
		return r, r.status == http.StatusBadRequest && strings.Contains(r.body, codeMalformed)
	},
	"FormatCaseSensitive": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", stoppedJob, "set:Format=xml")
		return r, r.header.Get("Content-Type") == ContentTypeJSON
	},
	"SmallRequestLimit": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", stoppedJob, "long:EdgeconformPad:20000")
		return r, r.status == http.StatusRequestURITooLong
	},
	"JSONReordered": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", "nosuch")
		return r, strings.HasPrefix(r.body, "{\n  \"Recommend\"")
	},
	"XMLNoDeclaration": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "XML", "nosuch")
		return r, strings.HasPrefix(r.body, "<Error>")
	},
	"MessageDetailReworded": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", "", "drop:JobId")
		return r, strings.Contains(r.body, "Edge transcoding refused the call") && strings.Contains(r.body, `\"JobId\"`)
	},
	"FollowsMetadata": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", "nosuchjob0000000000000000000001")
		jobNotFound, _ := spec.Default().Error(specfacts.CodeJobNotFound)
		return r, r.status == jobNotFound.Status && strings.Contains(r.body, jobNotFound.Code) && !strings.Contains(r.body, "please check and try again later")
	},
	"BareSignatureMessage": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", stoppedJob, "wrong-secret")
		return r, strings.Contains(r.body, specfacts.CodeSignatureDoesNotMatch) && !strings.Contains(r.body, "string to sign is:")
	},
	"NoRetryAfter": func(e *env) (raw, bool) { // under probeOptions' limit of one call a minute
		e.sendMutated("GET", protocol.SignatureV1, "JSON", stoppedJob)
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", runningJob)
		return r, strings.Contains(r.body, specfacts.CodeThrottlingUser) && r.header.Get(specfacts.HeaderRetryAfter) == ""
	},
	"NoRateLimitHeaders": func(e *env) (raw, bool) {
		r := e.sendMutated("GET", protocol.SignatureV1, "JSON", stoppedJob)
		return r, r.status == http.StatusOK && r.header.Get(RateLimitHeader) == ""
	},
}

// probeOptions are the options a probe needs of both servers (a throttle reached in two calls).
var probeOptions = map[string][]Option{"NoRetryAfter": {perMinute(1)}}

// TestEachVariantChangesBehaviour: each variant answers some call otherwise than the reference
// (a variant that changes nothing would prove nothing), and the reference does not.
func TestEachVariantChangesBehaviour(t *testing.T) {
	for _, v := range Variants() {
		t.Run(v.String(), func(t *testing.T) {
			probe, ok := variantProbes[v.String()]
			if !ok {
				t.Fatalf("no probe for variant %s", v)
			}
			opts := probeOptions[v.String()]
			if r, differs := probe(newEnv(t, opts...)); differs {
				t.Fatalf("the reference already answers so: %s", r)
			}
			if r, differs := probe(newEnv(t, append(opts, WithVariants(v))...)); !differs {
				t.Errorf("with %s the answer is the reference's: %s", v, r)
			}
		})
	}
	if len(variantProbes) != len(Variants()) {
		t.Errorf("%d probes for %d variants", len(variantProbes), len(Variants()))
	}
}

// A repeat taken once is still a signed call: with a wrong signature it is refused as such.
func TestRepeatTakenIsStillVerified(t *testing.T) {
	for _, tt := range []struct {
		v   Variant
		sig protocol.SignatureVersion
		mut string
	}{
		{RepeatTakesFirst, protocol.SignatureV1, "repeat:JobId"},
		{RepeatTakesLast, protocol.SignatureV3, "repeat:ClusterId"},
		{HeaderRepeatTakesFirst, protocol.SignatureV3, "repeat:x-acs-version"},
		{HeaderRepeatTakesLast, protocol.SignatureV3, "repeat:x-acs-date"},
	} {
		e := newEnv(t, WithVariants(tt.v))
		if r := e.sendMutated("POST", tt.sig, "JSON", stoppedJob, tt.mut, "wrong-secret"); !strings.Contains(r.body, specfacts.CodeSignatureDoesNotMatch) {
			t.Errorf("%s: %s with a wrong signature answered %s", tt.v, tt.mut, r)
		}
		if r := e.sendMutated("POST", tt.sig, "JSON", stoppedJob, tt.mut); r.status != http.StatusOK {
			t.Errorf("%s: %s answered %s", tt.v, tt.mut, r)
		}
	}
}

// The probe of the defect the consistency of generated calls is about (explore's consistent
// property): the same call with an unknown parameter, twice, answered alike.
func init() {
	probes["InconsistentRefusal"] = probe{run: func(e *env) error {
		var got []string
		for range 2 {
			call := start(refCluster, runningJob)
			call.Params.Set("EdgeconformX", "1")
			r := e.do(refKey, call)
			got = append(got, fmt.Sprintf("%d %s", r.status, r.code))
		}
		if got[0] != got[1] {
			return fmt.Errorf("the same call answered %s, then %s", got[0], got[1])
		}
		return nil
	}}
}
