package mock

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/spec/protocol"
)

// The probes of the defects the edge cases are about (internal/contract/edges.go).
func init() {
	probes["FormEncodingSigner"] = probe{run: func(e *env) error {
		return want(e.do(refKey, start(refCluster, "no such*job~")), http.StatusNotFound, "JobNotFound")
	}}
	probes["TimestampWindow(10m0s)"] = probe{run: func(e *env) error {
		call := start(refCluster, "nosuch")
		call.Time = e.clock.Now().Add(-12 * time.Minute)
		return want(e.do(refKey, call), http.StatusNotFound, "JobNotFound")
	}}
	probes["ServerErrorOnLongValue"] = probe{run: func(e *env) error {
		return want(e.do(refKey, start(refCluster, strings.Repeat("j", 4096))), http.StatusNotFound, "JobNotFound")
	}}
	probes["ServerErrorOnNonASCII"] = probe{run: func(e *env) error {
		return want(e.do(refKey, start(refCluster, "转码任务")), http.StatusNotFound, "JobNotFound")
	}}
	probes["RegionIDRefused"] = probe{run: func(e *env) error {
		call := start(refCluster, runningJob)
		call.Params.Set("RegionId", "cn-shanghai")
		return want(e.do(refKey, call), http.StatusForbidden, "OperationDenied")
	}}
	probes["XMLByDefault"] = probe{run: func(e *env) error {
		call := start(refCluster, runningJob)
		call.Signature = protocol.SignatureV3 // V3 sends Format only when set
		if r := e.do(refKey, call); !bytes.HasPrefix(r.body, []byte("{")) || r.header.Get("Content-Type") != ContentTypeJSON {
			return fmt.Errorf("no Format answered %q %s", r.header.Get("Content-Type"), r.body)
		}
		return nil
	}}
}
