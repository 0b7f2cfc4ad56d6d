package mock_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// Start the reference implementation, arrange a provider state on its admin endpoint, and call
// the API with the values it returned.
func ExampleStart() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := mock.Start(ctx, mock.WithRateLimit(spec.RateLimit{Calls: 600, Window: 6e9}))
	if err != nil {
		panic(err)
	}
	defer r.Close()

	setup := `{"state": "a stopped job exists", "params": {}, "action": "setup"}`
	resp, err := http.Post(r.AdminURL, "application/json", strings.NewReader(setup))
	if err != nil {
		panic(err)
	}
	var v map[string]string
	decodeJSON(resp, &v)

	s := spec.Default()
	creds := protocol.Credentials{AccessKeyID: v["AccessKeyId"], AccessKeySecret: v["AccessKeySecret"]}
	call := protocol.Call{Action: s.Action(), Version: s.Version(),
		Params: url.Values{"ClusterId": {v["ClusterId"]}, "JobId": {v["JobId"]}}}
	for range 2 {
		req, _ := protocol.NewRequest(ctx, r.APIURL, creds, call)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		var body struct{ Code, JobId string }
		decodeJSON(resp, &body)
		fmt.Println(resp.StatusCode, body.Code, body.JobId == v["JobId"], resp.Header.Get(mock.RateLimitHeader) != "")
	}
	// Output:
	// 200  true true
	// 403 OperationDenied false true
}
