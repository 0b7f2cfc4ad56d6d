package arrange_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/spec"
)

// recorder is a state endpoint that answers with status and body and records what it was sent.
type recorder struct {
	status int
	body   string
	got    []map[string]any
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var m map[string]any
	data, _ := io.ReadAll(req.Body)
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" || json.Unmarshal(data, &m) != nil {
		http.Error(w, "bad request shape", http.StatusTeapot)
		return
	}
	r.got = append(r.got, m)
	if r.status/100 == 3 {
		w.Header().Set("Location", "/elsewhere") // followed, it would answer 418
	}
	w.WriteHeader(r.status)
	io.WriteString(w, r.body)
}

func TestEndpointSetupAndTeardown(t *testing.T) {
	rec := &recorder{status: 200, body: `{"AccessKeyId":"ak","AccessKeySecret":"sk","ClusterId":"c1","JobId":"j1"}`}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	ep := arrange.NewEndpoint(srv.URL)
	ctx := context.Background()

	v, err := ep.Setup(ctx, spec.StateStoppedJob)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v[arrange.JobID], "j1"; got != want {
		t.Errorf("JobId = %q, want %q", got, want)
	}
	if err := ep.Teardown(ctx, spec.StateStoppedJob, v); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 2 {
		t.Fatalf("endpoint got %d calls, want 2", len(rec.got))
	}
	setup, teardown := rec.got[0], rec.got[1]
	if setup["state"] != spec.StateStoppedJob || setup["action"] != "setup" {
		t.Errorf("setup body = %v", setup)
	}
	if p, ok := setup["params"].(map[string]any); !ok || len(p) != 0 {
		t.Errorf("setup params = %#v, want {}", setup["params"])
	}
	if teardown["action"] != "teardown" {
		t.Errorf("teardown action = %v", teardown["action"])
	}
	if p, _ := teardown["params"].(map[string]any); p["JobId"] != "j1" || p["ClusterId"] != "c1" {
		t.Errorf("teardown params = %v, want the values of setup", p)
	}
}

func TestEndpointAnswers(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		unsupported bool
		wantErr     string // substring; "" means success
		want        arrange.Values
	}{
		{name: "values", status: 200, body: `{"JobId":"j","ClusterId":"c"}`, want: arrange.Values{"JobId": "j", "ClusterId": "c"}},
		{name: "201 and numbers", status: 201, body: `{"JobId":42,"Flag":true}`, want: arrange.Values{"JobId": "42", "Flag": "true"}},
		{name: "empty 2xx body", status: 204, want: arrange.Values{}},
		{name: "400 unsupported", status: 400, body: "unknown state", unsupported: true, wantErr: "answered 400: unknown state"},
		{name: "404 unsupported", status: 404, unsupported: true, wantErr: "answered 404"},
		{name: "501 unsupported", status: 501, unsupported: true, wantErr: "answered 501"},
		{name: "500 fails", status: 500, body: "boom", wantErr: "answered 500: boom"},
		{name: "403 fails", status: 403, wantErr: "answered 403"},
		{name: "302 fails, not followed", status: 302, wantErr: "answered 302"},
		{name: "not JSON", status: 200, body: "<html>", wantErr: "not a JSON object"},
		{name: "JSON array", status: 200, body: `["a"]`, wantErr: "not a JSON object"},
		{name: "nested value", status: 200, body: `{"JobId":{"x":1}}`, wantErr: "JobId is not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(&recorder{status: tt.status, body: tt.body})
			defer srv.Close()
			v, err := arrange.NewEndpoint(srv.URL).Setup(context.Background(), spec.StateRunningJob)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(v) != fmt.Sprint(tt.want) {
					t.Errorf("values = %v, want %v", v, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if got := errors.Is(err, arrange.ErrUnsupported); got != tt.unsupported {
				t.Errorf("errors.Is(err, ErrUnsupported) = %v, want %v (err: %v)", got, tt.unsupported, err)
			}
			if !strings.Contains(err.Error(), spec.StateRunningJob) {
				t.Errorf("err %q does not name the state", err)
			}
		})
	}
}

func TestEndpointBounded(t *testing.T) {
	t.Run("hang", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		defer srv.Close()
		defer close(release)
		_, err := arrange.NewEndpoint(srv.URL, arrange.WithTimeout(50*time.Millisecond)).Setup(context.Background(), spec.StateNoSuchJob)
		if err == nil || errors.Is(err, arrange.ErrUnsupported) {
			t.Fatalf("err = %v, want a failure that is not 'unsupported'", err)
		}
	})
	t.Run("huge answer", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"JobId":"`+strings.Repeat("x", 1<<20)+`"}`)
		}))
		defer srv.Close()
		_, err := arrange.NewEndpoint(srv.URL, arrange.WithMaxBody(1024)).Setup(context.Background(), spec.StateNoSuchJob)
		if err == nil || !strings.Contains(err.Error(), "larger than 1024") {
			t.Fatalf("err = %v, want the size limit", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		_, err := arrange.NewEndpoint(url).Setup(context.Background(), spec.StateNoSuchJob)
		if err == nil || errors.Is(err, arrange.ErrUnsupported) {
			t.Fatalf("err = %v, want a failure that is not 'unsupported'", err)
		}
	})
	t.Run("bad URL", func(t *testing.T) {
		for _, u := range []string{"", "localhost:1", "ftp://x/", "http://"} {
			if err := arrange.ValidateURL(u); err == nil {
				t.Errorf("ValidateURL(%q) = nil, want an error", u)
			}
			if _, err := arrange.NewEndpoint(u).Setup(context.Background(), spec.StateNoSuchJob); err == nil {
				t.Errorf("Setup with URL %q: no error", u)
			}
		}
	})
}

// A secret must not reach an error message, even when the endpoint echoes it back.
func TestEndpointErrorsCarryNoSecret(t *testing.T) {
	const secret = "TopSecretValue123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		w.WriteHeader(500)
		w.Write(data) // echoes the teardown params, secret included
	}))
	defer srv.Close()
	err := arrange.NewEndpoint(srv.URL).Teardown(context.Background(), spec.StateStoppedJob,
		arrange.Values{arrange.AccessKeySecret: secret, arrange.JobID: "j"})
	if err == nil {
		t.Fatal("no error for a 500")
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("error leaks the secret: %v", err)
	}
}

func TestValuesRedacted(t *testing.T) {
	v := arrange.Values{arrange.AccessKeyID: "ak", arrange.AccessKeySecret: "s3cr3t", arrange.AccessKeySecret2: "s3cr3t2"}
	for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%v", v), fmt.Sprintf("%#v", v)} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("formatted values leak a secret: %s", s)
		}
		if !strings.Contains(s, `"ak"`) {
			t.Errorf("formatted values lost the key id: %s", s)
		}
	}
	if err := arrange.Require(v, arrange.AccessKeyID, arrange.JobID); err == nil || !errors.Is(err, arrange.ErrIncomplete) || !strings.Contains(err.Error(), "JobId") {
		t.Errorf("Require = %v, want ErrIncomplete naming JobId", err)
	}
}
