package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

// mockCommand is `edgeconform mock args...` running in-process until cancel: its API and admin
// URLs as it printed them, its outputs, and done, which receives Run's error.
type mockCommand struct {
	api, admin     string
	stdout, stderr *lockedBuffer
	cancel         context.CancelFunc
	done           chan error
}

func startMockCommand(t *testing.T, args ...string) *mockCommand {
	t.Helper()
	c := &mockCommand{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	m := &Main{Stdout: c.stdout, Stderr: c.stderr, Getenv: func(string) string { return "" }}
	var ctx context.Context
	ctx, c.cancel = context.WithCancel(context.Background())
	t.Cleanup(c.cancel)
	began := time.Now()
	go func() { c.done <- m.Run(ctx, append([]string{"mock"}, args...)) }()
	for c.api == "" || c.admin == "" {
		select {
		case err := <-c.done:
			t.Fatalf("mock returned before serving: %v (stderr %s)", err, c.stderr.String())
		case <-time.After(time.Millisecond):
		}
		lines := strings.Split(c.stdout.String(), "\n")
		if len(lines) >= 3 {
			c.api, _ = strings.CutPrefix(lines[0], "api: ")
			c.admin, _ = strings.CutPrefix(lines[1], "admin: ")
		}
	}
	t.Logf("listening after %s: %q", time.Since(began), c.stdout.String())
	return c
}

// startJob starts the world's stopped job over GET V1 JSON: the answer's status, header and body.
func (c *mockCommand) startJob(t *testing.T) (int, http.Header, []byte) {
	t.Helper()
	s := spec.Default()
	req, err := protocol.NewRequest(context.Background(), c.api, refAdminKey, protocol.Call{Action: s.Action(), Version: s.Version(),
		Params: url.Values{"ClusterId": {"c0a8013b-4d18-395c-8106-ff21a6000001"}, "JobId": {"5f0e20b48fb04483915d4f2cd8ac0001"}}})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// refAdminKey is the reference world's administrator key (fixtures/world.yaml).
var refAdminKey = protocol.Credentials{AccessKeyID: "LTAI5tRefAdmin000000001", AccessKeySecret: "RefSecretAdmin00000000000000001"}

func TestMockCommandServesUntilCancelled(t *testing.T) {
	c := startMockCommand(t, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--rate-limit", "600/6s", "--verbose")
	api, admin, stdout, stderr, cancel, done := c.api, c.admin, c.stdout, c.stderr, c.cancel, c.done
	if !strings.HasPrefix(api, "http://127.0.0.1:") || !strings.HasPrefix(admin, "http://127.0.0.1:") || api == admin {
		t.Fatalf("first lines %q", stdout.String())
	}
	if !strings.Contains(stdout.String(), "rate limit 600/6s per account") {
		t.Errorf("stdout does not state the rate limit: %q", stdout.String())
	}
	key := refAdminKey
	status, header, body := c.startJob(t)
	if status != http.StatusOK || !regexp.MustCompile(`^Limit:600,Remain:599,TimeLeft:\d+,Reset:\d+$`).MatchString(header.Get("x-ratelimit-user-api")) {
		t.Errorf("start: %d %s %q", status, body, header.Get("x-ratelimit-user-api"))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("mock after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("mock did not stop after its context was cancelled")
	}
	log := stderr.String()
	if !strings.Contains(log, key.AccessKeyID) || strings.Contains(log, key.AccessKeySecret) || strings.Contains(log, "Signature=") {
		t.Errorf("verbose log: want the key id, never the secret or signature: %q", log)
	}
}

// --variant serves a variant of the reference: here one without rate-limit headers (the serving
// test above sees them) and one that answers JSON laid out otherwise (indented).
func TestMockCommandVariant(t *testing.T) {
	c := startMockCommand(t, "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--variant", "NoRateLimitHeaders, JSONReordered")
	if !strings.Contains(c.stdout.String(), "variants NoRateLimitHeaders, JSONReordered") {
		t.Errorf("stdout does not state the variants: %q", c.stdout.String())
	}
	status, header, body := c.startJob(t)
	if status != http.StatusOK || header.Get("x-ratelimit-user-api") != "" || !strings.HasPrefix(string(body), "{\n  \"") {
		t.Errorf("start: %d %q %s; want 200, no rate-limit header, indented JSON", status, header.Get("x-ratelimit-user-api"), body)
	}
}

func TestMockCommandBadUsage(t *testing.T) {
	badWorld := filepath.Join(t.TempDir(), "world.yaml")
	if err := os.WriteFile(badWorld, []byte("accounts:\n  - id: a\n    keys: [{id: k}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "127.0.0.1:9999", "--admin-listen", "127.0.0.1:9999"}, "must differ"},
		{[]string{"--rate-limit", "lots"}, "--rate-limit"},
		{[]string{"--algorithm", "leaky-bucket"}, "--algorithm"},
		{[]string{"--world", badWorld}, "accounts[0].keys[0].secret"},
		{[]string{"--world", filepath.Join(t.TempDir(), "none.yaml")}, "--world"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		err, _, _ := runMain(t, nil, append([]string{"mock"}, tc.args...)...)
		if !errors.Is(err, cli.ErrUsage) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %v, want a one-line usage error containing %q", tc.args, err, tc.want)
		}
	}
}

func TestMockCommandPortInUse(t *testing.T) {
	r, err := startEmbedded(context.Background(), spec.RateLimit{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Server.RateLimit(); got != spec.Default().RateLimit() {
		t.Errorf("embedded rate limit %s, want the spec's", got)
	}
	busy := strings.TrimPrefix(r.APIURL, "http://")
	err, _, _ = runMain(t, nil, "mock", "--listen", busy, "--admin-listen", "127.0.0.1:0")
	if !errors.Is(err, cli.ErrHarness) {
		t.Errorf("listening on a busy port: %v, want a harness error", err)
	}
}
