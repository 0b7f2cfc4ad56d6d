package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The two ways the command tests run edgeconform: the binary TestMain builds (the real exit
// status and output of a process of its own), or Main in-process (errors.Is on the returned
// error, faster; contract.Run may run any number of times in one process).

// edgeconformBin is the binary built once by TestMain.
var edgeconformBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "edgeconform-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	edgeconformBin = filepath.Join(dir, "edgeconform")
	build := exec.Command("go", "build", "-o", edgeconformBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building edgeconform:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// binLimit is how long runBin waits by default before it kills the binary as hung.
const binLimit = 2 * time.Minute

// binRun is one run of the built binary.
type binRun struct {
	exit           int
	stdout, stderr string
	elapsed        time.Duration
	hung           bool
}

// binCommand is the built binary with args, in this process's environment without the
// credentials variables (a developer's own must not leak into a test), plus env.
func binCommand(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, edgeconformBin, args...)
	cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID=", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=")
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// runBin runs the built binary with args and the environment env, killing it after limit
// (0: binLimit): a run that needs the kill has hung.
func runBin(t *testing.T, limit time.Duration, env []string, args ...string) binRun {
	t.Helper()
	if limit <= 0 {
		limit = binLimit
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := binCommand(ctx, env, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := binRun{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start), hung: ctx.Err() != nil}
	r.exitOf(t, args, err)
	return r
}

// exitOf sets r.exit from the error of the finished command (args: what it was run with).
func (r *binRun) exitOf(t *testing.T, args []string, err error) {
	t.Helper()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		r.exit = exitErr.ExitCode()
	default:
		t.Fatalf("running edgeconform %v: %v", args, err)
	}
}

// checkSane fails the test on a hang, a panic or a stack trace.
func (r binRun) checkSane(t *testing.T) {
	t.Helper()
	if r.hung {
		t.Fatalf("killed after %v: hung; stderr:\n%s", r.elapsed, r.stderr)
	}
	for _, s := range []string{"panic:", "goroutine ", "runtime error", "DATA RACE"} {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Fatalf("output contains %q:\nstdout:\n%s\nstderr:\n%s", s, r.stdout, r.stderr)
		}
	}
}

// runMain runs edgeconform in-process with args and the environment env (nil: empty) and returns
// the command's error and output.
func runMain(t *testing.T, env map[string]string, args ...string) (err error, stdout, stderr string) {
	t.Helper()
	var out, errOut lockedBuffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
	err = m.Run(context.Background(), args)
	return err, out.String(), errOut.String()
}

// lockedBuffer lets the test read what a command writes from its goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// interruptBin runs the built binary and sends it SIGINT once its output holds marker (then
// waits after), as a user's Ctrl-C.
func interruptBin(t *testing.T, marker string, after time.Duration, args ...string) binRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), binLimit)
	defer cancel()
	cmd := binCommand(ctx, nil, args...)
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := make(chan struct{})
	var once sync.Once
	var stdout, stderr lockedBuffer
	var wg sync.WaitGroup
	read := func(r io.Reader, into *lockedBuffer) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			into.Write([]byte(sc.Text() + "\n"))
			if strings.Contains(sc.Text(), marker) {
				once.Do(func() { close(seen) })
			}
		}
	}
	wg.Add(2)
	go read(stdoutPipe, &stdout)
	go read(stderrPipe, &stderr)
	select {
	case <-seen:
		time.Sleep(after)
		cmd.Process.Signal(os.Interrupt)
	case <-ctx.Done():
	}
	wg.Wait()
	err = cmd.Wait()
	r := binRun{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start), hung: ctx.Err() != nil}
	r.exitOf(t, args, err)
	return r
}
