// Package hostile serves targets that misbehave, for the hardening tests of the harness: each Mode
// is one way a target under test (or its provider-state endpoint) can go wrong. The harness must
// turn every one of them into a failed case or a harness failure, within its deadlines, without
// reading more than it bounds.
package hostile

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is one misbehaviour.
type Mode string

// The misbehaviours.
const (
	// NonJSON answers 200 with an HTML page under a JSON Content-Type.
	NonJSON Mode = "non-JSON body"
	// Truncated declares a Content-Length larger than the body it sends, then closes.
	Truncated Mode = "truncated body"
	// Huge streams HugeSize bytes of a JSON-looking body: a reader must cap what it reads.
	Huge Mode = "huge body"
	// WrongContentType answers a well-formed success body as text/html.
	WrongContentType Mode = "wrong Content-Type"
	// Slow answers correctly, but only after SlowDelay: slower than a per-request timeout.
	Slow Mode = "slower than the timeout"
	// Reset hijacks the connection and closes it (with SO_LINGER 0: a TCP reset).
	Reset Mode = "connection reset"
	// Redirect answers 302 to another server, which records whether anyone followed.
	Redirect Mode = "redirect"
	// Hang never answers, until the client gives up or the server closes.
	Hang Mode = "never answers"
	// ServerError answers 500 with a plain-text body.
	ServerError Mode = "500 error"
)

// Modes lists every misbehaviour.
func Modes() []Mode {
	return []Mode{NonJSON, Truncated, Huge, WrongContentType, Slow, Reset, Redirect, Hang, ServerError}
}

// StateModes lists the misbehaviours of a provider-state endpoint that docs/protocol.md#provider-states says fail a case.
func StateModes() []Mode { return []Mode{ServerError, NonJSON, Hang} }

// Transport reports whether no HTTP answer can be read under m (the client sees a transport error
// when its timeout is shorter than SlowDelay).
func (m Mode) Transport() bool {
	switch m {
	case Truncated, Reset, Hang, Slow:
		return true
	}
	return false
}

// Sizes and delays of the misbehaviours.
const (
	// HugeSize is how much Huge would send if read to the end.
	HugeSize = 16 << 20
	// SlowDelay is how long Slow waits; give clients a timeout well below it.
	SlowDelay = 3 * time.Second
)

// Server is one misbehaving target on a loopback port.
type Server struct {
	Mode Mode
	URL  string

	srv, elsewhere *httptest.Server
	release        chan struct{}
	closeOnce      sync.Once

	followed  atomic.Int64
	hugeBytes atomic.Int64
}

// New starts a server misbehaving as m. Close it when done: it releases every hanging request.
func New(m Mode) *Server {
	s := &Server{Mode: m, release: make(chan struct{})}
	s.elsewhere = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.followed.Add(1)
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		io.WriteString(w, successBody)
	}))
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// successBody would pass for a success answer, were it delivered as such.
const successBody = `{"JobId":"5f0e20b48fb04483915d4f2cd8ac0001","RequestId":"4A3B2C1D-0000-4000-8000-00000000000A"}`

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch s.Mode {
	case NonJSON:
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
	case Truncated:
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Header().Set("Content-Length", "4096")
		io.WriteString(w, successBody[:20])
		// Returning with fewer bytes than declared makes net/http close the connection.
	case Huge:
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(HugeSize))
		chunk := []byte(strings.Repeat("A", 64<<10))
		n, _ := io.WriteString(w, `{"RequestId":"`)
		for sent := int64(n); sent < HugeSize; {
			if r.Context().Err() != nil {
				break
			}
			k, err := w.Write(chunk[:min(int64(len(chunk)), HugeSize-sent)])
			sent += int64(k)
			s.hugeBytes.Store(sent)
			if err != nil {
				break
			}
		}
	case WrongContentType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, successBody)
	case Slow:
		select {
		case <-time.After(SlowDelay):
		case <-r.Context().Done():
			return
		case <-s.release:
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		io.WriteString(w, successBody)
	case Reset:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("hostile: the server cannot hijack")
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	case Redirect:
		http.Redirect(w, r, s.elsewhere.URL+"/?followed=1", http.StatusFound)
	case Hang:
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
	case ServerError:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, "internal server error: the database is down")
	default:
		panic(fmt.Sprintf("hostile: unknown mode %q", s.Mode))
	}
}

// Followed is how many requests reached the redirect's destination.
func (s *Server) Followed() int64 { return s.followed.Load() }

// HugeSent is how many bytes of the huge body the server managed to send (the client reads
// fewer; what a socket buffers is counted here too).
func (s *Server) HugeSent() int64 { return s.hugeBytes.Load() }

// Close releases hanging requests and shuts both servers down.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.release)
		s.srv.CloseClientConnections()
		s.srv.Close()
		s.elsewhere.Close()
	})
}
