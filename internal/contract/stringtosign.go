package contract

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
)

// The older SDK (alibaba-cloud-sdk-go, sdk/errors/signature_does_not_match_wrapper.go) reads the
// server's string to sign out of a SignatureDoesNotMatch message, everything after "server string
// to sign is:", and compares it with its own to tell its user whether the secret or the signing
// differs. The message may leave it out (the common conventions' sentence); when it is there it
// must be the string to sign of the call as sent, or the SDK blames itself for a wrong secret.

// stringToSignProblem says how a's server string to sign differs from the one the call signed,
// "" when it does not (or a does not hand one, or the call was not a version 1 one).
func stringToSignProblem(sp *spec.Spec, a *answer) string {
	e, ok := sp.Error(specfacts.CodeSignatureDoesNotMatch)
	if !ok || a.Code != e.Code || a.Request == nil {
		return ""
	}
	var form *specfacts.Alternative
	for _, alt := range specfacts.Alternatives(sp, e) {
		if alt.Source == specfacts.SourceSDK && strings.Count(alt.Template, "%s") == 1 && strings.HasSuffix(alt.Template, "%s") {
			form = &alt
		}
	}
	if form == nil || !specfacts.MatchesMessage(form.Error(e), a.Message) {
		return ""
	}
	params := sentParams(a.Request)
	if params.Get("Signature") == "" {
		return "" // a version 3 call: the V1 SDK's string to sign is not its
	}
	got := strings.TrimPrefix(a.Message, strings.TrimSuffix(form.Template, "%s"))
	if want := wire.StringToSignV1(a.Request.Method, params); got != want {
		return "/Message: the server's string to sign, as " + alternativeName(*form) + " reads it, differs from the call's: want " +
			strconv.Quote(short(want)) + ", got " + strconv.Quote(short(got))
	}
	return ""
}

// sentParams are the parameters of a version 1 call as sent: its query and its form body.
func sentParams(req *http.Request) url.Values {
	params := req.URL.Query()
	if req.GetBody == nil {
		return params
	}
	body, err := req.GetBody()
	if err != nil {
		return params
	}
	defer body.Close()
	b, _ := io.ReadAll(io.LimitReader(body, 1<<20))
	if form, err := url.ParseQuery(string(b)); err == nil {
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	return params
}
