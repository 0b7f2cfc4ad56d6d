package slowlink

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The proxy forwards requests and answers whole, and a round trip through it takes at least
// twice its delay (a lower bound: a loaded machine can only make it slower).
func TestProxyForwardsLate(t *testing.T) {
	forwardsLate(t, 30*time.Millisecond, 0)
}

// With jitter, each read is delayed 20 ± 10 ms: the bytes still arrive whole and in order (a chunk
// is written after the one before, whatever its delay), a round trip at least twice the shortest
// delay.
func TestProxyJitterKeepsOrder(t *testing.T) {
	forwardsLate(t, 20*time.Millisecond, 10*time.Millisecond)
}

func forwardsLate(t *testing.T, delay, jitter time.Duration) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Write([]byte(strings.ToUpper(string(body))))
	}))
	defer srv.Close()
	p, err := StartJitter(strings.TrimPrefix(srv.URL, "http://"), delay, jitter)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	big := strings.Repeat("abcdefghij", 100<<10) // larger than one read: many chunks each way, which jitter must not reorder
	for i := range 2 {                           // the second on the kept-alive connection
		began := time.Now()
		resp, err := c.Post(p.URL(), "text/plain", strings.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		elapsed := time.Since(began)
		if err != nil || string(got) != strings.ToUpper(big) {
			t.Fatalf("call %d: %d bytes back (err %v), want the %d sent, upper-cased", i, len(got), err, len(big))
		}
		if elapsed < 2*(delay-jitter) {
			t.Errorf("call %d: round trip %v, want at least %v", i, elapsed, 2*(delay-jitter))
		}
	}
}

// Closing the proxy ends its connections: nothing is left forwarding.
func TestProxyClose(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	p, err := Start(strings.TrimPrefix(srv.URL, "http://"), time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := http.Get(p.URL())
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the call reach the server (a lower bound only)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err == nil {
		t.Error("a call through a closed proxy got an answer")
	}
}
