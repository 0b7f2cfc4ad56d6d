//go:build unix

// Command prismcheck puts Stoplight Prism's validation proxy (prism proxy spec/openapi.yaml
// <reference>) in front of the reference implementation and sends through it the success case of
// every JSON transport cell (GET/POST x v1/v3), then the refused second start of the same job.
// Prism judges each request and answer against the document and reports what it finds in the
// sl-violations header of the answer and in its log; this command prints both and exits 1 if a
// success case drew a violation or did not succeed. XML cells are left out: Prism reads bodies as
// JSON. internal/scripts/prism.sh runs it (make prism).
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

func main() {
	specPath := flag.String("spec", "spec/openapi.yaml", "the OpenAPI document Prism reads")
	prism := flag.String("prism", "@stoplight/prism-cli@5", "the npm package npx runs")
	sdkDir := flag.String("sdk-requests", "spec/testdata/sdk-requests", "the official SDKs' captured requests (*.http) to replay through Prism")
	wait := flag.Duration("wait", 3*time.Minute, "how long to wait for Prism to listen (npx may download it first)")
	flag.Parse()
	if err := run(*specPath, *sdkDir, *prism, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "prismcheck:", err)
		os.Exit(1)
	}
}

func run(specPath, sdkDir, prismPkg string, wait time.Duration) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ref, err := mock.Start(ctx)
	if err != nil {
		return err
	}
	defer ref.Close()
	// Prism forwards to this upstream, which hands each call to the reference: the running one for
	// the cells; for a captured SDK request, a fresh one whose clock reads the time the SDK signed
	// it, with the Host the SDK signed (Prism forwards with its upstream's host; V3 signs host).
	var target atomic.Pointer[upstream]
	target.Store(&upstream{h: ref.Server.API()})
	up, err := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := target.Load()
		if t.host != "" {
			r.Host = t.host
		}
		t.h.ServeHTTP(w, r)
	}))
	if err != nil {
		return err
	}
	defer up.Close()
	upURL := "http://" + up.Addr
	port, err := freePort()
	if err != nil {
		return err
	}
	// Prism writes its log to a file of its own (read while it runs, no pipe goroutines).
	log, err := os.CreateTemp("", "prismcheck-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(log.Name())
	defer log.Close()
	logText := func() string {
		b, _ := os.ReadFile(log.Name())
		return string(b)
	}
	cmd := exec.Command("npx", "--yes", prismPkg, "proxy", specPath, upURL, "--host", "127.0.0.1", "--port", port)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // npx starts node: stop the whole group
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting prism: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	}()
	prismAddr := "127.0.0.1:" + port
	if err := waitListening(prismAddr, wait, exited); err != nil {
		return fmt.Errorf("%w\n%s", err, logText())
	}
	fmt.Printf("prism proxy %s %s listening on %s\n", specPath, upURL, prismAddr)

	// Requests are signed for the upstream's address (V3 signs the host) and sent to Prism's,
	// which forwards them there.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, prismAddr)
		},
	}}
	arranger := states.NewEndpoint(ref.AdminURL)
	s := spec.Default()
	failed := 0
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		for _, sig := range []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3} {
			cell := fmt.Sprintf("%s-%s-JSON", method, sig)
			v, err := arranger.Setup(ctx, spec.StateStoppedJob)
			if err != nil {
				return fmt.Errorf("%s: state: %w", cell, err)
			}
			for i, want := range []int{http.StatusOK, http.StatusForbidden} {
				kind := "success"
				if i == 1 {
					kind = "second start (OperationDenied)"
				}
				status, violations, err := send(ctx, client, upURL, v, method, sig, s)
				if err != nil {
					return fmt.Errorf("%s %s: %w", cell, kind, err)
				}
				verdict := "no violation"
				if len(violations) > 0 {
					verdict = "VIOLATIONS: " + strings.Join(violations, " | ")
				}
				fmt.Printf("%-12s %-31s %d  %s\n", cell, kind, status, verdict)
				if i == 0 && (status != want || len(violations) > 0) {
					failed++
				}
			}
			arranger.Teardown(ctx, spec.StateStoppedJob, v)
		}
	}
	// The official SDKs' requests as captured (sdktest), replayed at the time they were signed.
	files, err := filepath.Glob(filepath.Join(sdkDir, "*.http"))
	if err != nil {
		return err
	}
	for _, f := range files {
		name := "sdk " + strings.TrimSuffix(filepath.Base(f), ".http")
		if strings.Contains(filepath.Base(f), "-XML") {
			fmt.Printf("%-44s skipped: an XML answer (Prism reads bodies as JSON)\n", name)
			continue
		}
		req, signedAt, err := readCaptured(ctx, f, upURL)
		if err != nil {
			return err
		}
		fresh, err := mock.New(nil, mock.WithClock(func() time.Time { return signedAt }))
		if err != nil {
			return err
		}
		target.Store(&upstream{h: fresh.API(), host: req.Host})
		status, violations, err := do(client, req)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		verdict := "no violation"
		if len(violations) > 0 {
			verdict = "VIOLATIONS: " + strings.Join(violations, " | ")
		}
		if status != http.StatusOK || len(violations) > 0 {
			failed++
		}
		fmt.Printf("%-44s %d  %s\n", name, status, verdict)
	}
	time.Sleep(200 * time.Millisecond) // let Prism flush its log
	var logged []string
	sc := bufio.NewScanner(strings.NewReader(logText()))
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(strings.ToLower(line), "violation") {
			logged = append(logged, line)
		}
	}
	fmt.Printf("prism log: %d line(s) mention a violation\n", len(logged))
	for _, l := range logged {
		fmt.Println("  " + l)
	}
	if failed > 0 {
		return fmt.Errorf("%d success case(s) or SDK request(s) drew a violation or did not succeed", failed)
	}
	fmt.Println("prismcheck: every JSON cell's success case and every SDK request (JSON) pass Prism's validation proxy")
	return nil
}

// send signs one call for the reference and sends it through Prism; it returns the status and the
// violations Prism reported in sl-violations (a JSON array per header value).
func send(ctx context.Context, c *http.Client, apiURL string, v states.Values, method string, sig protocol.SignatureVersion, s *spec.Spec) (int, []string, error) {
	req, err := protocol.NewRequest(ctx, apiURL,
		protocol.Credentials{AccessKeyID: v[arrange.AccessKeyID], AccessKeySecret: v[arrange.AccessKeySecret]},
		protocol.Call{Transport: protocol.Transport{Method: method, Signature: sig, Format: "JSON"}, Action: s.Action(), Version: s.Version(),
			Params: url.Values{"ClusterId": {v[arrange.ClusterID]}, "JobId": {v[arrange.JobID]}}})
	if err != nil {
		return 0, nil, err
	}
	return do(c, req)
}

// do sends req and returns the status and Prism's violations (sl-violations, a JSON array).
func do(c *http.Client, req *http.Request) (int, []string, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	var violations []string
	for _, h := range resp.Header.Values("sl-violations") {
		if h != "" && h != "[]" {
			violations = append(violations, h)
		}
	}
	return resp.StatusCode, violations, nil
}

// readCaptured reads a raw request the sdktest module captured, addressed to apiURL (its Host
// header stays as signed), and the time its SDK signed it.
func readCaptured(ctx context.Context, path, apiURL string) (*http.Request, time.Time, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, time.Time{}, err
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w", path, err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, time.Time{}, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	in, err := wire.ParseRequest(req, 1<<16)
	if err != nil || in.TimestampErr != nil {
		return nil, time.Time{}, fmt.Errorf("%s: %w%w", path, err, in.TimestampErr)
	}
	u, err := url.Parse(apiURL + req.URL.RequestURI())
	if err != nil {
		return nil, time.Time{}, err
	}
	out, err := http.NewRequestWithContext(ctx, req.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, time.Time{}, err
	}
	out.Header = req.Header.Clone()
	out.Host = req.Host
	return out, in.Timestamp, nil
}

type upstream struct {
	h    http.Handler
	host string // the Host to hand the reference, "" to keep Prism's
}

type server struct {
	Addr string
	srv  *http.Server
}

func (s *server) Close() error { return s.srv.Close() }

// serve serves h on a free loopback port.
func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return &server{Addr: ln.Addr().String(), srv: srv}, nil
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// waitListening polls addr until it accepts a connection, the process exits or wait passes.
func waitListening(addr string, wait time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-exited:
			return errors.New("prism exited before it listened")
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("prism did not listen on %s within %v", addr, wait)
}
