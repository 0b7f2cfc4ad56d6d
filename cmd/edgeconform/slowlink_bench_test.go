package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/mock"
	"github.com/edgeconform/edgeconform/internal/slowlink"
)

// BenchmarkContractSlowLink is the default contract run (every case, the throttle cases at the
// embedded default's limit) against the reference implementation behind a link of 40 ms round
// trips — a loopback proxy delaying each direction by 20 ms, for the API and the state endpoint
// alike — one case at a time and with the default parallelism; it reports both wall times.
// `go test -run '^$' -bench ContractSlowLink -benchtime 1x ./cmd/edgeconform`
func BenchmarkContractSlowLink(b *testing.B) {
	ref, err := mock.Start(b.Context(), mock.WithRateLimit(contractEmbeddedLimit))
	if err != nil {
		b.Fatal(err)
	}
	defer ref.Close()
	const delay = 20 * time.Millisecond
	api, err := slowlink.Start(strings.TrimPrefix(ref.APIURL, "http://"), delay)
	if err != nil {
		b.Fatal(err)
	}
	defer api.Close()
	admin, err := slowlink.Start(strings.TrimPrefix(ref.AdminURL, "http://"), delay)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	args := []string{"contract", "--target", api.URL(), "--state-url", admin.URL(), "--rate-limit", contractEmbeddedLimit.String()}
	var serial, parallel time.Duration
	b.ResetTimer()
	for range b.N {
		for _, p := range []struct {
			n   string
			sum *time.Duration
		}{{"1", &serial}, {"", &parallel}} {
			a := args
			if p.n != "" {
				a = append(append([]string{}, args...), "--parallel", p.n)
			}
			ctx, cancel := context.WithTimeout(b.Context(), 2*time.Minute)
			cmd := exec.CommandContext(ctx, edgeconformBin, a...)
			began := time.Now()
			out, err := cmd.CombinedOutput()
			*p.sum += time.Since(began)
			cancel()
			if err != nil {
				b.Fatalf("contract %v: %v; output:\n%s", a, err, out)
			}
		}
	}
	b.ReportMetric(serial.Seconds()/float64(b.N), "serial-s")
	b.ReportMetric(parallel.Seconds()/float64(b.N), "parallel-s")
}
