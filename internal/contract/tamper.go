package contract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
	"github.com/edgeconform/edgeconform/spec/states"
)

// Calls changed after signing (docs/protocol.md#wire-protocol: a bad signature is 400
// SignatureDoesNotMatch): a start of the caller's own running job, signed correctly, then one
// signed value changed — the JobId in a V1 query or form, in a V3 query, a V3 signed header, the V3
// body with its x-acs-content-sha256 kept. Each must be refused with SignatureDoesNotMatch, never
// answered as the changed call (JobNotFound for the JobId nobody has that it now names).
func tamperCases(s *session, b *builder) {
	b.topic(8, "Calls changed after signing", label("tamper"), func() {
		bad, known := s.spec.Error(specfacts.CodeSignatureDoesNotMatch)
		for _, c := range edgeCells(s.cells) { // about the request and the world, not the answer's format
			b.container("when a signed value is changed after signing, "+c.Text(), label(c.Labels()...), func() {
				for _, tm := range tampers {
					if !tm.applies(c) {
						continue
					}
					b.it(caseMeta{ID: "tamper/" + tm.what + "/" + c.ID(), Code: specfacts.CodeSignatureDoesNotMatch},
						"refuses with SignatureDoesNotMatch a call whose "+tm.desc+" was changed after signing", func(t *caseT) {
							if !known {
								t.skip("the spec has no " + specfacts.CodeSignatureDoesNotMatch + " code")
							}
							v := s.arrange(t, spec.StateRunningJob, needAll...)
							call := s.startCall(c, v)
							call.FormBody = tm.formBody
							other := nobodysJobID(t.def.ID)
							call.Tamper = func(r *http.Request) { tm.change(r, other) }
							a := s.send(t, credentials(v), call)
							t.repro += " # then, after signing, " + tm.after(other)
							t.conform(a, failure(bad, c.Format), func(ps string) string {
								return "the " + tm.desc + " changed after signing: " + ps
							})
						}, label(specfacts.CodeSignatureDoesNotMatch))
				}
			})
		}
	})
}

// tamper is one signed value changed after signing.
type tamper struct {
	what     string // in the case id
	desc     string // what is changed
	applies  func(c cell) bool
	formBody bool                                // V3: the parameters in a form body
	change   func(r *http.Request, jobID string) // changes the signed request; jobID: a JobId nobody has
	after    func(jobID string) string           // the change, for the reproduce line
}

var tampers = []tamper{
	{what: "v1-query", desc: "JobId in the query string", applies: cellOf(http.MethodGet, protocol.SignatureV1),
		change: func(r *http.Request, id string) { r.URL.RawQuery = setParam(r.URL.RawQuery, "JobId", id) },
		after:  func(id string) string { return "set JobId=" + id + " in the query string" }},
	{what: "v1-form", desc: "JobId in the form body", applies: cellOf(http.MethodPost, protocol.SignatureV1),
		change: func(r *http.Request, id string) { changeBody(r, id) },
		after:  func(id string) string { return "set JobId=" + id + " in the form body" }},
	{what: "v3-query", desc: "JobId in the V3 query string", applies: cellOf("", protocol.SignatureV3),
		change: func(r *http.Request, id string) { r.URL.RawQuery = setParam(r.URL.RawQuery, "JobId", id) },
		after:  func(id string) string { return "set JobId=" + id + " in the query string" }},
	{what: "v3-header", desc: "signed header x-acs-signature-nonce", applies: cellOf("", protocol.SignatureV3),
		change: func(r *http.Request, _ string) { r.Header.Set("x-acs-signature-nonce", uuid.NewString()) },
		after:  func(string) string { return "give x-acs-signature-nonce another value" }},
	{what: "v3-body", desc: "V3 form body (x-acs-content-sha256 kept)", applies: cellOf(http.MethodPost, protocol.SignatureV3), formBody: true,
		change: func(r *http.Request, id string) { changeBody(r, id) },
		after: func(id string) string {
			return "send the parameters in a form body, then set JobId=" + id + " in it, keeping x-acs-content-sha256"
		}},
}

// cellOf selects the cells of a method ("": any) and a signature.
func cellOf(method string, sig protocol.SignatureVersion) func(cell) bool {
	return func(c cell) bool { return (method == "" || c.Method == method) && c.Signature == sig }
}

// setParam returns raw (an encoded query or form) with the value of the parameter name replaced.
func setParam(raw, name, value string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		if k, _, _ := strings.Cut(p, "="); k == name {
			parts[i] = name + "=" + wire.PercentEncode(value)
		}
	}
	return strings.Join(parts, "&")
}

// changeBody sets JobId in the form body of r to jobID, leaving every header as signed.
func changeBody(r *http.Request, jobID string) {
	if r.Body == nil {
		return
	}
	b, _ := io.ReadAll(r.Body)
	body := []byte(setParam(string(b), "JobId", jobID))
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

// nobodysJobID is a JobId of the usual shape that no job has, the same for a case on every run:
// an answer that quotes it (a string to sign) is recorded and compared alike every time.
func nobodysJobID(caseID string) string {
	h := sha256.Sum256([]byte("edgeconform: a job nobody has, for " + caseID))
	return hex.EncodeToString(h[:16])
}

// withJob is v naming another job.
func withJob(v states.Values, jobID string) states.Values {
	out := states.Values{}
	for k, val := range v {
		out[k] = val
	}
	out[arrange.JobID] = jobID
	return out
}
