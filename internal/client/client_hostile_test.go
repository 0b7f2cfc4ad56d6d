package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/edgeconform/edgeconform/internal/hostile"
)

// Against every misbehaving target: an error wrapping ErrTransport when no answer could be read,
// else an Answer that says what is wrong with it; never a panic, never more read than MaxBody,
// never a redirect followed, never a wait past the timeout, no goroutine left behind.
func TestHostileTargets(t *testing.T) {
	const (
		timeout = 300 * time.Millisecond
		maxBody = 64 << 10
	)
	for _, mode := range hostile.Modes() {
		t.Run(string(mode), func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			srv := hostile.New(mode)
			tr := &http.Transport{}
			c, err := New(srv.URL, WithTimeout(timeout), WithMaxBody(maxBody), WithHTTPClient(&http.Client{Transport: tr}))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			a, err := c.Call(context.Background(), creds, call())
			elapsed := time.Since(start)
			srv.Close()
			tr.CloseIdleConnections()

			if elapsed >= hostile.SlowDelay {
				t.Errorf("the call took %v: the %v timeout did not hold", elapsed, timeout)
			}
			if mode.Transport() {
				if !errors.Is(err, ErrTransport) {
					t.Fatalf("err %v (answer %v), want ErrTransport", err, a)
				}
				if msg := err.Error(); strings.Contains(msg, "Signature") || strings.Contains(msg, creds.AccessKeySecret) {
					t.Errorf("the error carries the signature or the secret: %s", msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("err %v, want an answer", err)
			}
			switch mode {
			case hostile.NonJSON, hostile.ServerError:
				if a.Parsed || a.ParseErr == nil {
					t.Errorf("parsed %v (%v), want a parse error", a.Parsed, a.ParseErr)
				}
			case hostile.Huge:
				if !a.Truncated || len(a.Body) != maxBody || a.Parsed {
					t.Errorf("truncated %v, %d bytes, parsed %v; want a truncated, unparsed %d-byte body", a.Truncated, len(a.Body), a.Parsed, maxBody)
				}
				if sent := srv.HugeSent(); sent >= hostile.HugeSize {
					t.Errorf("the server sent all %d bytes: the read was not capped", sent)
				}
			case hostile.WrongContentType:
				// The body parses; the Content-Type, kept as sent, is for the contract to judge.
				if a.ContentType != "text/html; charset=utf-8" || a.Status != http.StatusOK {
					t.Errorf("status %d, Content-Type %q", a.Status, a.ContentType)
				}
			case hostile.Redirect:
				if a.Status != http.StatusFound || srv.Followed() != 0 {
					t.Errorf("status %d, followed %d times; want the 302 itself, never followed", a.Status, srv.Followed())
				}
			}
			if a.Status == http.StatusOK && a.Parsed && mode != hostile.WrongContentType {
				t.Errorf("a %s answer passes for a parsed success: %v", mode, a)
			}
		})
	}
}

// A caller's context ends a hanging call at once, whatever the client's own timeout.
func TestHostileHangHonoursContext(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := hostile.New(hostile.Hang)
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := New(srv.URL, WithTimeout(time.Hour), WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.Call(ctx, creds, call()); !errors.Is(err, ErrTransport) {
		t.Fatalf("err %v, want ErrTransport", err)
	}
}
