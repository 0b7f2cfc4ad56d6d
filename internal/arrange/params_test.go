package arrange

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// SetupWith sends its params, and WithToken its token, with every state change; the token never
// reaches an error.
func TestSetupWithParamsAndToken(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c change
		json.NewDecoder(r.Body).Decode(&c)
		got = append(got, r.Header.Get("Authorization")+" "+c.Action+" need="+c.Params[ParamNeed])
		if r.Header.Get("Authorization") != "Bearer tok-123" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"no token"}`))
			return
		}
		w.Write([]byte(`{"AccessKeyId":"k","OtherAccessKeyId":"o"}`))
	}))
	defer srv.Close()
	e := NewEndpoint(srv.URL, WithToken("tok-123"))
	v, err := SetupWith(t.Context(), e, "a stopped job exists", map[string]string{ParamNeed: OtherAccessKeyID})
	if err != nil || v[OtherAccessKeyID] != "o" {
		t.Fatalf("SetupWith = %v, %v", v, err)
	}
	if err := e.Teardown(t.Context(), "a stopped job exists", v); err != nil {
		t.Fatal(err)
	}
	want := []string{"Bearer tok-123 setup need=OtherAccessKeyId", "Bearer tok-123 teardown need="}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the endpoint saw %q, want %q", got, want)
	}
	_, err = NewEndpoint(srv.URL, WithToken("wrong-token")).Setup(t.Context(), "a stopped job exists")
	if err == nil || errors.Is(err, ErrUnsupported) || strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("a refused token: %v, want a failure (401) that does not name the token", err)
	}
	// A Map and a Profile take no params: their values are what they are.
	m := Map{"s": {AccessKeyID: "k"}}
	if v, err := SetupWith(t.Context(), m, "s", map[string]string{ParamNeed: OtherAccessKeyID}); err != nil || v[OtherAccessKeyID] != "" {
		t.Errorf("Map.SetupWith = %v, %v", v, err)
	}
}

// UsesUp: a one-shot state listed with concrete entries is used up by a setup; templates and the
// reusable states never are.
func TestProfileUsesUp(t *testing.T) {
	p, err := ParseProfile("t", []byte(`states:
  "a stopped job exists": [{AccessKeyId: k, JobId: j1}]
  "a fresh account": {AccessKeyId: "k{unique}", JobId: j}
  "a running job exists": {AccessKeyId: k, JobId: j}
`), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for state, want := range map[string]bool{"a stopped job exists": true, "a fresh account": false, "a running job exists": false, "no such job exists": false} {
		if got := p.UsesUp(state); got != want {
			t.Errorf("UsesUp(%q) = %v, want %v", state, got, want)
		}
	}
}
