package mock

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

func TestStartServesAPIAndAdminApart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.APIURL == r.AdminURL || !strings.HasPrefix(r.APIURL, "http://127.0.0.1:") || !strings.HasPrefix(r.AdminURL, "http://127.0.0.1:") {
		t.Errorf("APIURL %s, AdminURL %s: want two loopback addresses", r.APIURL, r.AdminURL)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	// A state change sent to the API is just a bad API call.
	resp, err := client.Post(r.APIURL, "application/json", strings.NewReader(`{"state":"a fresh account","action":"setup"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(b), "InvalidAction.NotFound") {
		t.Errorf("state change on the API listener: %d %s", resp.StatusCode, b)
	}
	// The admin listener arranges a state that the API then serves.
	resp, err = client.Post(r.AdminURL, "application/json", strings.NewReader(`{"state":"a stopped job exists","action":"setup"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "JobId") {
		t.Fatalf("setup on the admin listener: %d %s", resp.StatusCode, b)
	}
	req, err := protocol.NewRequest(ctx, r.APIURL, refKey, protocol.Call{
		Action: spec.Default().Action(), Version: spec.Default().Version(),
		Params: url.Values{"ClusterId": {refCluster}, "JobId": {stoppedJob}},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("start on the API listener: %d", resp.StatusCode)
	}
	cancel() // as SIGTERM does in the command
	<-r.Done()
	if _, err := client.Get(r.APIURL); err == nil {
		t.Error("API still answers after shutdown")
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close after shutdown: %v", err)
	}
}

// TestGracefulShutdown: a request in flight when Close is called is answered in full.
func TestGracefulShutdown(t *testing.T) {
	// net/http drops a request whose headers it read as shutdown began; one in the handler is
	// in flight for good.
	entered := make(chan struct{}, 16)
	r, err := Start(context.Background(), withAPIWrapper(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			entered <- struct{}{}
			h.ServeHTTP(w, req)
		})
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	shutdown := make(chan struct{})
	r.api.RegisterOnShutdown(func() { close(shutdown) })
	req, err := protocol.NewRequest(context.Background(), r.APIURL, refKey, protocol.Call{Transport: protocol.Transport{Method: http.MethodPost},
		Action: spec.Default().Action(), Version: spec.Default().Version(),
		Params: url.Values{"ClusterId": {refCluster}, "JobId": {stoppedJob}},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.APIURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers and half the body: the handler is now reading this request.
	half := len(body) / 2
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		req.Host, len(body), body[:half])
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- r.Close() }()
	<-shutdown
	if _, err := conn.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("request in flight: %d %s", resp.StatusCode, b)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}
