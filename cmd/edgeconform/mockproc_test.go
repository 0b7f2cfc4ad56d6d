package main

import (
	"bufio"

	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// mockProc is `edgeconform mock` running as a process of its own, as a user starts it.
type mockProc struct {
	api, admin string
	cmd        *exec.Cmd
	stderr     *lockedBuffer
	cancel     context.CancelFunc
	once       sync.Once
}

// startMockProc starts the built binary's mock on free loopback ports with args and waits for
// its addresses; it is killed when the test ends.
func startMockProc(t *testing.T, args ...string) *mockProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	cmd := exec.CommandContext(ctx, edgeconformBin, append([]string{"mock", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID=", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &mockProc{cmd: cmd, stderr: &lockedBuffer{}, cancel: cancel}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop() })
	sc := bufio.NewScanner(out)
	for (p.api == "" || p.admin == "") && sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "api: "); ok {
			p.api = v
		}
		if v, ok := strings.CutPrefix(sc.Text(), "admin: "); ok {
			p.admin = v
		}
	}
	go io.Copy(io.Discard, out)
	if p.api == "" || p.admin == "" {
		t.Fatalf("mock printed no addresses; stderr: %s", p.stderr.String())
	}
	return p
}

// stop sends SIGTERM and waits for the process; it returns how long that took and its stderr.
func (p *mockProc) stop() (time.Duration, string) {
	var took time.Duration
	p.once.Do(func() {
		began := time.Now()
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.cmd.Wait()
		took = time.Since(began)
		p.cancel()
	})
	return took, p.stderr.String()
}

// dialHalfRequest opens a connection to base and sends half a request: a request in flight that
// never completes.
func dialHalfRequest(base string) (net.Conn, error) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		return nil, err
	}
	if _, err := conn.Write([]byte("GET /?Action=x HTTP/1.1\r\nHost: x\r\n")); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
