package mock

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock/world"
)

// Running is a Server listening on two ports: the API and, apart, the provider-state endpoint.
type Running struct {
	APIURL   string // http://127.0.0.1:PORT, the API at its path /
	AdminURL string // http://127.0.0.1:PORT, the provider-state endpoint at its path /
	Server   *Server

	api, admin *http.Server
	closeOnce  sync.Once
	closeErr   error
	done       chan struct{}
}

// ShutdownTimeout is how long Close waits for requests in flight before cutting connections.
const ShutdownTimeout = 5 * time.Second

// ErrAdminExposed: the provider-state endpoint would listen off loopback without an admin token.
var ErrAdminExposed = errors.New("mock: the provider-state endpoint hands out secrets: off loopback it needs an admin token")

// isLoopback says whether a listener's address is a loopback one (":port" listens on every
// interface: not loopback).
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// Start serves a new Server (WithWorld, default world.Default()) on two listeners (WithAddrs,
// default a free loopback port each) until ctx is done or Close is called. It returns once both
// listen, so requests may be sent at once.
func Start(ctx context.Context, opts ...Option) (*Running, error) {
	c := newConfig(opts)
	w := c.world
	if w == nil {
		var err error
		if w, err = world.Default(); err != nil {
			return nil, fmt.Errorf("mock: %w", err)
		}
	}
	srv, err := newServer(w, c)
	if err != nil {
		return nil, err
	}
	apiLn, err := net.Listen("tcp", c.apiAddr)
	if err != nil {
		return nil, fmt.Errorf("mock: API listener: %w", err)
	}
	adminLn, err := net.Listen("tcp", c.adminAddr)
	if err != nil {
		apiLn.Close()
		return nil, fmt.Errorf("mock: admin listener: %w", err)
	}
	if c.adminToken == "" && !isLoopback(adminLn.Addr()) {
		apiLn.Close()
		adminLn.Close()
		return nil, fmt.Errorf("%w: %s is not a loopback address", ErrAdminExposed, c.adminAddr)
	}
	r := &Running{
		APIURL:   "http://" + apiLn.Addr().String(),
		AdminURL: "http://" + adminLn.Addr().String(),
		Server:   srv,
		api:      httpServer(srv.API()),
		admin:    httpServer(srv.Admin()),
		done:     make(chan struct{}),
	}
	if c.wrapAPI != nil {
		r.api.Handler = c.wrapAPI(r.api.Handler)
	}
	go r.api.Serve(apiLn)
	go r.admin.Serve(adminLn)
	go func() {
		select {
		case <-ctx.Done():
			r.Close()
		case <-r.done:
		}
	}()
	return r, nil
}

// httpServer bounds every read and write, so a slow client cannot hold a connection forever.
func httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// Close stops both listeners gracefully: new connections are refused, requests in a handler finish
// (up to ShutdownTimeout); net/http drops a request whose headers arrive as shutdown begins. It is
// safe to call more than once.
func (r *Running) Close() error { return r.CloseWithin(ShutdownTimeout) }

// CloseWithin is Close with its own bound on the wait for requests in flight: past it the
// remaining connections are cut. Only the first Close or CloseWithin of a Running does anything.
func (r *Running) CloseWithin(drain time.Duration) error {
	r.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), drain)
		defer cancel()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []*http.Server{r.api, r.admin} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Shutdown(ctx); err != nil {
					s.Close()
					errs[i] = err
				}
			}()
		}
		wg.Wait()
		r.closeErr = errors.Join(errs...)
		close(r.done)
	})
	return r.closeErr
}

// Done is closed once the servers have shut down.
func (r *Running) Done() <-chan struct{} { return r.done }
