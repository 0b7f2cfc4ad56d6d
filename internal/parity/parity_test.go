package parity

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

const (
	reqID  = "0A1B2C3D-0000-4000-8000-00000000ABCD"
	reqID2 = "0A1B2C3D-0000-4000-8000-00000000FFFF"
)

func answer(format, body string, h http.Header) *client.Answer {
	if h == nil {
		h = http.Header{}
	}
	return &client.Answer{Status: 404, Header: h, Body: []byte(body), ContentType: spec.Default().ContentType(format), Format: protocol.Format(format), Parsed: true}
}

// JSON and XML bodies become trees in which spacing and order do not count.
func TestTreesIgnoreSpacingAndOrder(t *testing.T) {
	a, err := ParseJSON([]byte(`{"Code":"X","Message":"m","N":1}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseJSON([]byte("{\n  \"N\": 1,\n  \"Message\": \"m\",\n  \"Code\": \"X\"\n}"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("JSON trees differ: %v vs %v", a, b)
	}
	x1, err := ParseXML([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>X</Code><Message>m</Message></Error>`))
	if err != nil {
		t.Fatal(err)
	}
	x2, err := ParseXML([]byte("<Error>\n  <Message>m</Message>\n  <Code>X</Code>\n</Error>\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(x1, x2) {
		t.Errorf("XML trees differ: %v vs %v", x1, x2)
	}
	want := map[string]any{"Error": map[string]any{"Code": "X", "Message": "m"}}
	if !reflect.DeepEqual(x1, want) {
		t.Errorf("XML tree %v, want %v", x1, want)
	}
	rep, err := ParseXML([]byte(`<R a="1"><I>1</I><I>2</I><I>3</I></R>`))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"R": map[string]any{"@a": "1", "I": []any{"1", "2", "3"}}}; !reflect.DeepEqual(rep, want) {
		t.Errorf("repeated elements: %v, want %v", rep, want)
	}
	// A negative control: a changed value is a different tree.
	c, _ := ParseJSON([]byte(`{"Code":"Y","Message":"m","N":1}`))
	if reflect.DeepEqual(a, c) {
		t.Error("different bodies give equal trees")
	}
	for _, bad := range []string{`{"a":1} x`, `<a><b></a>`, `<a/><b/>`, ``} {
		_, errJ := ParseJSON([]byte(bad))
		_, errX := ParseXML([]byte(bad))
		if errJ == nil && errX == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	deep := strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)
	if _, err := ParseXML([]byte(deep)); err == nil {
		t.Error("XML nested 100 deep parsed")
	}
}

// Volatile values become placeholders wherever they occur, one value one placeholder; what was
// sent becomes its own placeholder; secrets and signatures are scrubbed.
func TestNormalize(t *testing.T) {
	body := `{"RequestId":"` + reqID + `","HostId":"live.aliyuncs.com","Code":"JobNotFound",` +
		`"Message":"The job \"job-12345\" of key LTAIkey00001 in \"cluster-9876\" (nonce nonce-abc-123, secret s3cretValue, sig c2lnbmF0dXJl, other ` + reqID2 + `, at 2026-11-30T01:02:03Z)",` +
		`"Recommend":"https://api.aliyun.com/troubleshoot?q=JobNotFound&requestId=` + reqID + `&job=job-12345&other=` + reqID2 + `"}`
	sent := Sent{Identifiers: map[string]string{"JobId": "job-12345", "ClusterId": "cluster-9876", "AccessKeyId": "LTAIkey00001", "SignatureNonce": "nonce-abc-123"},
		Secrets: []string{"s3cretValue", "c2lnbmF0dXJl"}}
	got := Capture(answer("JSON", body, nil), spec.Default(), DefaultVolatile, sent)
	b := got.Body.(map[string]any)
	if b["RequestId"] != "{{RequestId}}" {
		t.Errorf("RequestId = %v", b["RequestId"])
	}
	wantMsg := `The job "{{JobId}}" of key {{AccessKeyId}} in "{{ClusterId}}" (nonce {{SignatureNonce}}, secret {{secret}}, sig {{secret}}, other {{uuid}}, at {{date}})`
	if b["Message"] != wantMsg {
		t.Errorf("Message =\n %v\nwant\n %v", b["Message"], wantMsg)
	}
	if want := "https://api.aliyun.com/troubleshoot?q=JobNotFound&requestId={{RequestId}}&job={{JobId}}&other={{uuid}}"; b["Recommend"] != want {
		t.Errorf("Recommend = %v, want %v", b["Recommend"], want)
	}
	if b["HostId"] != "live.aliyuncs.com" {
		t.Errorf("HostId = %v: not volatile by default", b["HostId"])
	}
	// --volatile HostId makes it a placeholder too.
	got = Capture(answer("JSON", body, nil), spec.Default(), []string{"RequestId", "HostId"}, sent)
	if h := got.Body.(map[string]any)["HostId"]; h != "{{HostId}}" {
		t.Errorf("volatile HostId = %v", h)
	}
	// The same answer with other volatile values normalizes the same: the point of it all.
	other := strings.NewReplacer(reqID, "FFFFFFFF-0000-4000-8000-000000000001", reqID2, "EEEEEEEE-0000-4000-8000-000000000002",
		"job-12345", "job-77777", "cluster-9876", "cluster-5555", "LTAIkey00001", "LTAIkey00002", "nonce-abc-123", "nonce-xyz-987",
		"s3cretValue", "otherSecret", "c2lnbmF0dXJl", "b3RoZXJzaWc=", "01:02:03", "11:12:13").Replace(body)
	sent2 := Sent{Identifiers: map[string]string{"JobId": "job-77777", "ClusterId": "cluster-5555", "AccessKeyId": "LTAIkey00002", "SignatureNonce": "nonce-xyz-987"},
		Secrets: []string{"otherSecret", "b3RoZXJzaWc="}}
	a1 := Capture(answer("JSON", body, nil), spec.Default(), DefaultVolatile, sent)
	a2 := Capture(answer("JSON", other, nil), spec.Default(), DefaultVolatile, sent2)
	if d := Diff(a1, a2, nil); len(d) != 0 {
		t.Errorf("the same answer with other volatile values differs: %v", d)
	}
	// A negative control: another Code is a difference.
	a3 := Capture(answer("JSON", strings.Replace(other, "JobNotFound", "JobMissing", 1), nil), spec.Default(), DefaultVolatile, sent2)
	if d := Diff(a1, a3, nil); len(d) != 1 || d[0].Pointer != "/body/Code" {
		t.Errorf("changed Code: differences %v, want one at /body/Code", d)
	}
}

// Secrets never reach a capture, also in XML, map keys and non-parsed bodies.
func TestCaptureScrubsSecrets(t *testing.T) {
	sent := Sent{Secrets: []string{"TopSecretValue", "SIGNATUREvalue+/="}}
	for _, a := range []*client.Answer{
		answer("XML", `<Error><Message>TopSecretValue and SIGNATUREvalue+/=</Message><TopSecretValue>x</TopSecretValue></Error>`, nil),
		{Status: 500, Header: http.Header{}, Body: []byte("echo TopSecretValue SIGNATUREvalue+/=")},
		answer("JSON", `{"Message":"Signature=SIGNATUREvalue%2B%2F%3D&x=TopSecretValue"}`, nil), // echoed URL-encoded
	} {
		c := Capture(a, spec.Default(), DefaultVolatile, sent)
		s := show(c)
		if strings.Contains(s, "TopSecretValue") || strings.Contains(s, "SIGNATUREvalue") {
			t.Errorf("capture holds a secret: %s", s)
		}
		if !strings.Contains(s, SecretPlaceholder) {
			t.Errorf("no %s in %s", SecretPlaceholder, s)
		}
	}
}

// SentOf finds the signature of each kind of signed request.
func TestSentOfFindsSignatures(t *testing.T) {
	creds := protocol.Credentials{AccessKeyID: "LTAIsentof0001", AccessKeySecret: "sentOfSecret000"}
	s := spec.Default()
	for _, m := range []string{"GET", "POST"} {
		for _, sv := range []protocol.SignatureVersion{protocol.SignatureV1, protocol.SignatureV3} {
			call := protocol.Call{Transport: protocol.Transport{Method: m, Signature: sv}, Action: s.Action(), Version: s.Version(), Params: url.Values{"JobId": {"job-sentof"}, "ClusterId": {"cl-sentof"}}}
			req, err := protocol.NewRequest(t.Context(), "http://127.0.0.1:1", creds, call)
			if err != nil {
				t.Fatal(err)
			}
			got := SentOf(creds, call, req)
			if len(got.Secrets) != 2 {
				t.Errorf("%s %s: secrets %d, want the secret and the signature", m, sv, len(got.Secrets))
			}
			if got.Identifiers["SignatureNonce"] == "" || got.Identifiers["JobId"] != "job-sentof" || got.Identifiers["AccessKeyId"] != creds.AccessKeyID {
				t.Errorf("%s %s: identifiers %v", m, sv, got.Identifiers)
			}
		}
	}
}

func TestRateLimitShape(t *testing.T) {
	h := http.Header{}
	h.Set("x-ratelimit-user-api", "Limit:6000,Remain:12,TimeLeft:345,Reset:1764201600")
	got := RateLimitShape(h, specfacts.RateLimitHeaders(spec.Default()))
	if want := map[string][]string{"x-ratelimit-user-api": {"Limit", "Remain", "TimeLeft", "Reset"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("shape %v, want %v", got, want)
	}
	if len(specfacts.RateLimitHeaders(spec.Default())) != 2 {
		t.Errorf("rate-limit headers of the spec: %v", specfacts.RateLimitHeaders(spec.Default()))
	}
	if RateLimitShape(http.Header{}, specfacts.RateLimitHeaders(spec.Default())) != nil {
		t.Error("a shape without the header")
	}
}

func TestFileName(t *testing.T) {
	for id, want := range map[string]string{
		"errors/JobNotFound/GET-v1-JSON":                  "errors~JobNotFound~GET-v1-JSON.json",
		"errors/MissingParameter.JobId-empty/POST-v3-XML": "errors~MissingParameter.JobId-empty~POST-v3-XML.json",
		"edges/odd value/x:y\\z":                          "edges~odd%20value~x%3Ay%5Cz.json",
		"../etc/passwd":                                   "%2E.~etc~passwd.json",
		"a~b":                                             "a%7Eb.json",
	} {
		if got := FileName(id); got != want {
			t.Errorf("FileName(%q) = %q, want %q", id, got, want)
		}
	}
	long := FileName(strings.Repeat("x/", 200))
	if len(long) > 220 || !strings.HasSuffix(long, ".json") || long == FileName(strings.Repeat("x/", 201)) {
		t.Errorf("long id: %q", long)
	}
}

// Write then Read gives the cases back; Write refuses a directory that is not a recording.
func TestWriteRead(t *testing.T) {
	s := spec.Default()
	r := NewRecorder(s, nil)
	r.Add("errors/JobNotFound/GET-v1-JSON", answer("JSON", `{"RequestId":"`+reqID+`","Code":"JobNotFound","N":1.50}`, nil), Sent{})
	dir := filepath.Join(t.TempDir(), "rec")
	if err := r.Write(dir, Meta{Target: "h", SpecDigest: SpecDigest(s)}); err != nil {
		t.Fatal(err)
	}
	rec, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := rec.Cases["errors/JobNotFound/GET-v1-JSON"]
	if !ok || len(rec.Cases) != 1 || rec.Meta.Cases != 1 || !reflect.DeepEqual(rec.Meta.Volatile, DefaultVolatile) {
		t.Fatalf("read back %+v", rec)
	}
	fresh := Capture(answer("JSON", `{"Code":"JobNotFound","N":1.50,"RequestId":"`+reqID2+`"}`, nil), s, DefaultVolatile, Sent{})
	if d := Diff(c.Answers[0], fresh, nil); len(d) != 0 {
		t.Errorf("read back differs from a fresh capture: %v", d)
	}
	if DigestWarning(rec, s) != "" {
		t.Error("a digest warning for the same spec")
	}
	rec.Meta.SpecDigest = "sha256:0000"
	if w := DigestWarning(rec, s); !strings.Contains(w, "sha256:0000") {
		t.Errorf("digest warning %q", w)
	}
	// Re-recording replaces the old case files.
	r2 := NewRecorder(s, nil)
	r2.Add("success/OK/GET-v1-JSON", answer("JSON", `{}`, nil), Sent{})
	if err := r2.Write(dir, Meta{}); err != nil {
		t.Fatal(err)
	}
	if rec, err := Read(dir); err != nil || len(rec.Cases) != 1 || rec.Cases["success/OK/GET-v1-JSON"].Case == "" {
		t.Errorf("re-recorded: %+v, %v", rec, err)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644)
	if err := r.Write(other, Meta{}); err == nil {
		t.Error("Write into a directory that is not a recording")
	}
	if _, err := Read(other); err == nil {
		t.Error("Read of a directory that is not a recording")
	}
}

func TestDiffPointersAndIgnore(t *testing.T) {
	rec := Answer{Status: 404, ContentType: "a", Format: "XML", Body: map[string]any{"Error": map[string]any{"Message": strings.Repeat("same ", 20) + "old", "HostId": "h1", "a/b~c": "1"}}}
	got := Answer{Status: 400, ContentType: "a", Format: "XML", Body: map[string]any{"Error": map[string]any{"Message": strings.Repeat("same ", 20) + "new", "a/b~c": "2", "Extra": "x"}}}
	var ptrs []string
	for _, d := range Diff(rec, got, nil) {
		ptrs = append(ptrs, d.Pointer)
		if d.Pointer == "/body/Error/Message" && (!strings.Contains(d.Recorded, "old") || !strings.Contains(d.Got, "new")) {
			t.Errorf("a long message's difference is not shown: %v", d)
		}
	}
	want := []string{"/body/Error/Extra", "/body/Error/HostId", "/body/Error/Message", "/body/Error/a~1b~0c", "/status"}
	if !reflect.DeepEqual(ptrs, want) {
		t.Errorf("pointers %v, want %v", ptrs, want)
	}
	ig, err := ParseIgnore("ig.yaml", []byte("- {pointer: /body/Error/HostId, reason: the mock names its own host}\n- {pointer: /status, reason: x, case: 'gateway/*/*'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(Diff(rec, got, ig.For("errors/X/GET-v1-XML"))); n != 4 {
		t.Errorf("with HostId ignored: %d differences, want 4", n)
	}
	if n := len(Diff(rec, got, ig.For("gateway/X/GET-v1-XML"))); n != 3 {
		t.Errorf("with HostId and status ignored: %d differences, want 3", n)
	}
	for name, bad := range map[string]string{
		"no reason":     "- {pointer: /body/HostId}\n",
		"blank reason":  "- {pointer: /body/HostId, reason: '  '}\n",
		"no pointer":    "- {reason: r}\n",
		"not a pointer": "- {pointer: body/HostId, reason: r}\n",
		"unknown field": "- {pointer: /x, reason: r, why: y}\n",
		"not a list":    "pointer: /x\n",
	} {
		if _, err := ParseIgnore(name, []byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if ig, err := ParseIgnore("empty", nil); err != nil || len(ig.Entries) != 0 {
		t.Errorf("empty file: %v, %v", ig, err)
	}
}
