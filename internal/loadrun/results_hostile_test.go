package loadrun

import (
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// A 2xx is a started job only if it names one: an HTML page of a proxy, a redirect's page or a
// body cut at the read limit counts as an error of the run, not a success.
func TestClassifyHostile2xx(t *testing.T) {
	c := NewClassifier(nil)
	for _, tc := range []struct {
		name   string
		status uint16
		body   string
		class  Class
		code   string
	}{
		{"html page", 200, `<html><body>502 Bad Gateway</body></html>`, ClassFailed, CodeNone},
		{"empty", 204, ``, ClassFailed, CodeNone},
		{"cut at the read limit", 200, `{"RequestId":"` + strings.Repeat("A", 4000), ClassFailed, CodeNone},
		{"an error under 200", 200, `{"Code":"InternalError","RequestId":"A"}`, ClassFailed, "InternalError"},
		{"xml success", 200, `<?xml version="1.0"?><StartEdgeTranscodeJobResponse><JobId>j</JobId></StartEdgeTranscodeJobResponse>`, ClassOK, "OK"},
		{"redirect", 302, `<a href="http://elsewhere/">Found</a>.`, ClassFailed, CodeNone},
	} {
		o := c.Classify(&vegeta.Result{Code: tc.status, Body: []byte(tc.body)})
		if o.Class != tc.class || o.Code != tc.code {
			t.Errorf("%s: Classify = %v %q, want %v %q", tc.name, o.Class, o.Code, tc.class, tc.code)
		}
	}
}
