// Package slowlink is a loopback TCP proxy that delays every byte by a fixed time in each
// direction: a slow link (a remote staging target, say) made on one machine without netem or
// privileges. Each direction keeps its throughput; only its latency grows, so a round trip
// through the proxy takes 2 × Delay more than without it.
package slowlink

import (
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Proxy forwards the connections made to Addr to a target address, each direction Delay late
// (give or take Jitter, drawn per read: a link whose round trips vary; bytes keep their order).
type Proxy struct {
	Addr   string // host:port to connect to instead of the target
	Delay  time.Duration
	Jitter time.Duration

	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// Start listens on a free loopback port and forwards to target (host:port) with delay each way.
func Start(target string, delay time.Duration) (*Proxy, error) { return StartJitter(target, delay, 0) }

// StartJitter is Start with each direction's delay drawn uniformly from delay ± jitter for every
// read (a round trip of 2 × delay ± 2 × jitter), never sooner than the bytes before it.
func StartJitter(target string, delay, jitter time.Duration) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), Delay: delay, Jitter: min(jitter, delay), target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// URL is the proxy's http URL.
func (p *Proxy) URL() string { return "http://" + p.Addr }

// Close stops accepting, closes every connection and waits for the forwarding to end.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// track registers the connections for Close; false when the proxy is closed already.
func (p *Proxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.serve(in)
		}()
	}
}

func (p *Proxy) serve(in net.Conn) {
	// The connection is made after Delay, as a SYN crossing the link would arrive.
	time.Sleep(p.Delay)
	out, err := net.Dial("tcp", p.target)
	if err != nil {
		in.Close()
		return
	}
	if !p.track(in, out) {
		in.Close()
		out.Close()
		return
	}
	defer func() {
		p.mu.Lock()
		delete(p.conns, in)
		delete(p.conns, out)
		p.mu.Unlock()
		in.Close()
		out.Close()
	}()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(out, in) }()
	go func() { defer wg.Done(); p.pipe(in, out) }()
	wg.Wait()
}

// chunk is what one read got, and when.
type chunk struct {
	data []byte
	at   time.Time
}

// pipe copies src to dst, each chunk Delay after it was read; at src's end it half-closes dst.
func (p *Proxy) pipe(dst, src net.Conn) {
	queue := make(chan chunk, 1024)
	go func() {
		defer close(queue)
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				// A copy of what was read, not a fresh 32 KiB per read: small answers at a high
				// rate would otherwise make the proxy's garbage, not the link, the bottleneck.
				queue <- chunk{append([]byte(nil), buf[:n]...), time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	var due time.Time
	for c := range queue {
		delay := p.Delay
		if p.Jitter > 0 {
			delay += time.Duration(rand.Int64N(int64(2*p.Jitter)+1)) - p.Jitter
		}
		if at := c.at.Add(delay); at.After(due) {
			due = at // bytes keep their order: a chunk leaves no sooner than the one before
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if _, err := dst.Write(c.data); err != nil {
			src.Close()
			for range queue { // let the reader end
			}
			return
		}
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
}
