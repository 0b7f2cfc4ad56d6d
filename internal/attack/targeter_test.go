package attack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

func testAccounts(k int) []Account {
	out := make([]Account, k)
	for i := range out {
		out[i] = Account{
			Credentials: protocol.Credentials{AccessKeyID: fmt.Sprintf("LTAIload%02d", i), AccessKeySecret: fmt.Sprintf("secret-%02d", i)},
			ClusterID:   fmt.Sprintf("cluster-%d", i),
			JobID:       fmt.Sprintf("job-%d", i),
		}
	}
	return out
}

// parseTarget turns a target into the request the attacker sends and parses it as a server does.
func parseTarget(t *testing.T, tgt *vegeta.Target) *wire.Incoming {
	t.Helper()
	req, err := tgt.Request()
	if err != nil {
		t.Fatalf("target.Request: %v", err)
	}
	if req.URL.Fragment == "" {
		t.Errorf("target %s carries no account tag", tgt.Method)
	}
	in, err := wire.ParseRequest(req, 1<<16)
	if err != nil {
		t.Fatalf("ParseRequest: %v", err)
	}
	return in
}

func TestTargeterSignsEveryTargetFreshly(t *testing.T) {
	accounts := testAccounts(3)
	secrets := map[string]string{}
	for _, a := range accounts {
		secrets[a.Credentials.AccessKeyID] = a.Credentials.AccessKeySecret
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, sig := range []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3} {
			t.Run(method+"/"+string(sig), func(t *testing.T) {
				tr, err := NewTargeter("http://127.0.0.1:8080", accounts, WithMethod(method), WithSignature(sig))
				if err != nil {
					t.Fatal(err)
				}
				nonces := map[string]bool{}
				for n := 0; n < 9; n++ {
					var tgt vegeta.Target
					if err := tr(&tgt); err != nil {
						t.Fatal(err)
					}
					in := parseTarget(t, &tgt)
					want := accounts[n%3]
					if got := in.AccessKeyID; got != want.Credentials.AccessKeyID {
						t.Errorf("target %d: AccessKeyId %q, want %q (round-robin)", n, got, want.Credentials.AccessKeyID)
					}
					if !in.Verify(secrets[in.AccessKeyID]) {
						t.Errorf("target %d: signature does not verify", n)
					}
					if in.Verify("wrong secret") {
						t.Errorf("target %d: verifies with a wrong secret", n)
					}
					if got, want := in.Action, spec.Default().Action(); got != want {
						t.Errorf("Action = %q, want %q", got, want)
					}
					if got, want := in.Params().Get("JobId"), want.JobID; got != want {
						t.Errorf("JobId = %q, want %q", got, want)
					}
					if in.Timestamp.IsZero() {
						t.Errorf("target %d: no Timestamp (%v)", n, in.TimestampErr)
					}
					if nonces[in.Nonce] {
						t.Errorf("target %d: nonce %q reused", n, in.Nonce)
					}
					nonces[in.Nonce] = true
					res := vegeta.Result{URL: tgt.URL}
					if got, want := AccountOf(&res), want.Credentials.AccessKeyID; got != want {
						t.Errorf("AccountOf = %q, want %q", got, want)
					}
				}
			})
		}
	}
}

func TestTargeterConcurrentUseSpreadsEvenly(t *testing.T) {
	tr, err := NewTargeter("http://127.0.0.1:1/", testAccounts(4))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				var tgt vegeta.Target
				if err := tr(&tgt); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				counts[AccountOf(&vegeta.Result{URL: tgt.URL})]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(counts) != 4 {
		t.Fatalf("accounts used: %v, want 4", counts)
	}
	for name, n := range counts {
		if n != 100 {
			t.Errorf("account %s: %d targets, want 100", name, n)
		}
	}
}

func TestNewTargeterRejectsBadInput(t *testing.T) {
	good := testAccounts(1)
	noJob := testAccounts(1)
	noJob[0].JobID = ""
	noSecret := testAccounts(1)
	noSecret[0].Credentials.AccessKeySecret = ""
	for _, tc := range []struct {
		name     string
		url      string
		accounts []Account
		opts     []TargeterOption
		want     string
	}{
		{"no accounts", "http://127.0.0.1/", nil, nil, "no accounts"},
		{"bad url", "ftp://x/", good, nil, "http"},
		{"bad method", "http://127.0.0.1/", good, []TargeterOption{WithMethod("PUT")}, "PUT"},
		{"bad signature", "http://127.0.0.1/", good, []TargeterOption{WithSignature("v2")}, "v2"},
		{"bad format", "http://127.0.0.1/", good, []TargeterOption{WithFormat("yaml")}, "YAML"},
		{"no job", "http://127.0.0.1/", noJob, nil, "JobId"},
		{"no secret", "http://127.0.0.1/", noSecret, nil, "AccessKeySecret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewTargeter(tc.url, tc.accounts, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "secret-00") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestTargeterNilTarget(t *testing.T) {
	tr, err := NewTargeter("http://127.0.0.1/", testAccounts(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr(nil); err != vegeta.ErrNilTarget {
		t.Fatalf("err = %v, want ErrNilTarget", err)
	}
}

func BenchmarkTargeter(b *testing.B) {
	for _, sig := range []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3} {
		b.Run(string(sig), func(b *testing.B) {
			tr, err := NewTargeter("http://127.0.0.1:8080/", testAccounts(16), WithSignature(sig))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var tgt vegeta.Target
			for b.Loop() {
				if err := tr(&tgt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestTargeterV1MatchesProtocol checks the templated V1 path byte for byte against
// protocol.NewRequest given the same nonce and time.
func TestTargeterV1MatchesProtocol(t *testing.T) {
	accounts := testAccounts(2)
	accounts[1].RegionID = "cn-shanghai"
	accounts[1].Credentials.SecurityToken = "sts token/with+odd=chars"
	clock := time.Date(2026, 11, 26, 23, 59, 58, 0, time.UTC)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, format := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
			tr, err := NewTargeter("http://127.0.0.1:8080/", accounts, WithMethod(method), WithFormat(format),
				WithClock(func() time.Time { clock = clock.Add(700 * time.Millisecond); return clock }))
			if err != nil {
				t.Fatal(err)
			}
			for n := 0; n < 6; n++ {
				var tgt vegeta.Target
				if err := tr(&tgt); err != nil {
					t.Fatal(err)
				}
				in := parseTarget(t, &tgt)
				a := accounts[n%2]
				want, err := protocol.NewRequest(context.Background(), "http://127.0.0.1:8080/", a.Credentials, protocol.Call{Transport: protocol.Transport{Method: method, Format: format},
					Action: spec.Default().Action(), Version: spec.Default().Version(),
					Params: a.params(), Nonce: in.Nonce, Time: in.Timestamp,
				})
				if err != nil {
					t.Fatal(err)
				}
				gotReq, _ := tgt.Request()
				if got, want := gotReq.URL.RawQuery, want.URL.RawQuery; got != want {
					t.Errorf("%s %s #%d query:\n got %s\nwant %s", method, format, n, got, want)
				}
				var wantBody []byte
				if want.Body != nil {
					wantBody, _ = io.ReadAll(want.Body)
				}
				if got := string(tgt.Body); got != string(wantBody) {
					t.Errorf("%s %s #%d body:\n got %s\nwant %s", method, format, n, got, wantBody)
				}
				if !in.Verify(a.Credentials.AccessKeySecret) {
					t.Errorf("%s %s #%d: does not verify", method, format, n)
				}
			}
		}
	}
}

// TestTargeterV3MatchesProtocol checks the templated V3 path against protocol.NewRequest given
// the same nonce and time: the same URL and the same headers, value for value.
func TestTargeterV3MatchesProtocol(t *testing.T) {
	accounts := testAccounts(2)
	accounts[1].RegionID = "cn-shanghai"
	accounts[1].Credentials.SecurityToken = "sts token/with+odd=chars"
	clock := time.Date(2026, 11, 26, 23, 59, 58, 0, time.UTC)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, format := range []protocol.Format{protocol.FormatJSON, protocol.FormatXML} {
			tr, err := NewTargeter("http://127.0.0.1:8080/", accounts, WithSignature(protocol.SignatureV3), WithMethod(method), WithFormat(format),
				WithClock(func() time.Time { clock = clock.Add(700 * time.Millisecond); return clock }))
			if err != nil {
				t.Fatal(err)
			}
			for n := 0; n < 6; n++ {
				var tgt vegeta.Target
				if err := tr(&tgt); err != nil {
					t.Fatal(err)
				}
				in := parseTarget(t, &tgt)
				a := accounts[n%2]
				want, err := protocol.NewRequest(context.Background(), "http://127.0.0.1:8080/", a.Credentials, protocol.Call{Transport: protocol.Transport{Method: method, Signature: protocol.SignatureV3, Format: format},
					Action: spec.Default().Action(), Version: spec.Default().Version(),
					Params: a.params(), Nonce: in.Nonce, Time: in.Timestamp,
				})
				if err != nil {
					t.Fatal(err)
				}
				got, _ := tgt.Request()
				if got.Method != want.Method || got.URL.RawQuery != want.URL.RawQuery || got.URL.Path != want.URL.Path {
					t.Errorf("%s %s #%d: %s %s, want %s %s", method, format, n, got.Method, got.URL, want.Method, want.URL)
				}
				for k := range want.Header {
					if g, w := got.Header.Values(k), want.Header.Values(k); strings.Join(g, ",") != strings.Join(w, ",") {
						t.Errorf("%s %s #%d: header %s = %q, want %q", method, format, n, k, g, w)
					}
				}
				for k := range got.Header {
					if k != "X-Vegeta-Seq" && k != "X-Vegeta-Attack" && want.Header.Get(k) == "" {
						t.Errorf("%s %s #%d: extra header %s", method, format, n, k)
					}
				}
				if !in.Verify(a.Credentials.AccessKeySecret) {
					t.Errorf("%s %s #%d: does not verify", method, format, n)
				}
			}
		}
	}
}
