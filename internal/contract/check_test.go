package contract

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/internal/client"
	"github.com/edgeconform/edgeconform/internal/explore"
	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
	"github.com/edgeconform/edgeconform/spec/protocol"
)

func testSession(t *testing.T) *session {
	t.Helper()
	s, err := newSession(context.Background(), Config{Target: "http://127.0.0.1:1", States: arrange.Map{}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// good answers, built as the client would parse them.
func jsonAnswer(status int, body string, fields map[string]string) *answer {
	a := &client.Answer{
		Status: status, Header: http.Header{"Content-Type": {spec.Default().ContentType("JSON")}}, ContentType: spec.Default().ContentType("JSON"),
		Body: []byte(body), Parsed: true, Format: "JSON", Fields: fields,
		Request: &http.Request{Method: http.MethodGet, Header: http.Header{}},
	}
	a.RequestID, a.Code, a.Message, a.JobID = fields["RequestId"], fields["Code"], fields["Message"], fields["JobId"]
	return &answer{Answer: a}
}

const rid = "0A1B2C3D-0E1A-486A-AC29-7422470A1B2C"

func TestCheck(t *testing.T) {
	s := testSession(t)
	notFound, _ := s.spec.Error("JobNotFound")
	missing, _ := s.spec.Error(codeMissingParameter)
	badSig, _ := s.spec.Error(specfacts.CodeSignatureDoesNotMatch)
	errBody := func(code, msg string) (string, map[string]string) {
		f := map[string]string{"RequestId": rid, "HostId": "h", "Code": code, "Message": msg, "Recommend": "r"}
		return `{"RequestId":"` + rid + `","HostId":"h","Code":"` + code + `","Message":"` + msg + `","Recommend":"r"}`, f
	}
	tests := []struct {
		name string
		a    func() *answer
		e    expectation
		want []string // substrings of the problems, in order; none: conforms
	}{
		{name: "success conforms", e: success("j1", "JSON"), a: func() *answer {
			return jsonAnswer(200, `{"JobId":"j1","RequestId":"`+rid+`"}`, map[string]string{"JobId": "j1", "RequestId": rid})
		}},
		{name: "JobId not echoed", e: success("j1", "JSON"), want: []string{`/JobId: want "j1" (echoed), got "j2"`}, a: func() *answer {
			return jsonAnswer(200, `{"JobId":"j2","RequestId":"`+rid+`"}`, map[string]string{"JobId": "j2", "RequestId": rid})
		}},
		{name: "error conforms", e: failure(notFound, "JSON"), a: func() *answer {
			b, f := errBody("JobNotFound", "The job does not exist, please check and try again later.")
			return jsonAnswer(404, b, f)
		}},
		{name: "wrong code", e: failure(notFound, "JSON"),
			want: []string{`/Code: want "JobNotFound", got "Forbidden"`}, a: func() *answer {
				b, f := errBody("Forbidden", "No, please check and try again later.")
				return jsonAnswer(404, b, f)
			}},
		{name: "wrong status", e: failure(notFound, "JSON"),
			want: []string{"status: want 404, got 403", "spec /Code"}, a: func() *answer {
				b, f := errBody("JobNotFound", "No, please check and try again later.")
				return jsonAnswer(403, b, f)
			}},
		// A common code, on which the vendor's sources do not disagree (follow_test.go: those that do).
		{name: "message off template", e: failure(badSig, "JSON"), want: []string{"/Message: want the template"}, a: func() *answer {
			b, f := errBody("SignatureDoesNotMatch", "signature wrong")
			return jsonAnswer(400, b, f)
		}},
		{name: "MissingParameter must name it", e: expectation{Status: 400, Code: missing.Code, Error: missing, Format: "JSON", Names: []string{"JobId"}},
			want: []string{"/Message: want it to name JobId"}, a: func() *answer {
				b, f := errBody("MissingParameter", "JobIdentifier is mandatory.")
				return jsonAnswer(400, b, f)
			}},
		{name: "Content-Type without charset", e: success("j1", "JSON"), want: []string{`Content-Type: want "application/json;charset=utf-8", got "application/json"`}, a: func() *answer {
			a := jsonAnswer(200, `{"JobId":"j1","RequestId":"`+rid+`"}`, map[string]string{"JobId": "j1", "RequestId": rid})
			a.ContentType = "application/json"
			a.Header.Set("Content-Type", "application/json")
			return a
		}},
		{name: "JSON where XML was asked", e: success("j1", "XML"), want: []string{"Content-Type: want \"text/xml;charset=utf-8\"", "body: want XML, got JSON"}, a: func() *answer {
			return jsonAnswer(200, `{"JobId":"j1","RequestId":"`+rid+`"}`, map[string]string{"JobId": "j1", "RequestId": rid})
		}},
		{name: "no RequestId", e: success("j1", "JSON"), want: []string{"/RequestId: want an upper-case UUID, got none", "spec"}, a: func() *answer {
			return jsonAnswer(200, `{"JobId":"j1"}`, map[string]string{"JobId": "j1"})
		}},
		{name: "reused RequestId", e: success("j1", "JSON"), want: []string{`/RequestId: want a fresh one, got "` + rid + `" again (first answered in success/OK/x)`}, a: func() *answer {
			a := jsonAnswer(200, `{"JobId":"j1","RequestId":"`+rid+`"}`, map[string]string{"JobId": "j1", "RequestId": rid})
			a.dupOf = "success/OK/x"
			return a
		}},
		{name: "garbage", e: success("j1", "JSON"), want: []string{"body: want JSON, got neither JSON nor XML"}, a: func() *answer {
			a := jsonAnswer(200, `{garbage`, nil)
			a.Parsed, a.Format = false, ""
			return a
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := s.check(context.Background(), tt.a(), tt.e)
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if len(tt.want) == 0 {
				if len(got) > 0 {
					t.Fatalf("problems %q, want none", got)
				}
				return
			}
			line := strings.Join(got, "; ")
			if strings.ContainsAny(line, "\n\r") {
				t.Errorf("not one line: %q", line)
			}
			inOrder(t, line, tt.want)
		})
	}
}

func TestNamesOne(t *testing.T) {
	for _, tt := range []struct {
		msg   string
		names []string
		want  bool
	}{
		{"The input parameter JobId is mandatory.", []string{"JobId"}, true},
		{`"ClusterId" is missing.`, []string{"JobId", "ClusterId"}, true},
		{"JobIdentifier is missing.", []string{"JobId"}, false},
		{"A parameter is missing.", []string{"JobId"}, false},
		{"XJobId and JobId.", []string{"JobId"}, true},
	} {
		if got := explore.NamesOne(tt.msg, tt.names); got != tt.want {
			t.Errorf("NamesOne(%q, %v) = %v, want %v", tt.msg, tt.names, got, tt.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	ok := Config{Target: "http://127.0.0.1:1", States: arrange.Map{}}
	for name, mutate := range map[string]func(*Config){
		"no states":        func(c *Config) { c.States = nil },
		"bad target":       func(c *Config) { c.Target = "ftp://x" },
		"bad label filter": func(c *Config) { c.LabelFilter = "a &&" },
		"negative timeout": func(c *Config) { c.Timeout = -1 },
		"bad method":       func(c *Config) { c.Methods = []string{"PUT"} },
		"bad format":       func(c *Config) { c.Formats = []protocol.Format{"YAML"} },
		"bad follow":       func(c *Config) { c.Follow = "rumour" },
	} {
		c := ok
		mutate(&c)
		if _, err := newSession(context.Background(), c); err == nil || !strings.Contains(err.Error(), "bad configuration") {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
	s, err := newSession(context.Background(), ok)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.cells); got != 8 {
		t.Errorf("default matrix: %d cells, want 8", got)
	}
}

// inOrder fails t unless line holds each of want, in this order.
func inOrder(t *testing.T, line string, want []string) {
	t.Helper()
	at := 0
	for _, w := range want {
		i := strings.Index(line[at:], w)
		if i < 0 {
			t.Fatalf("problems %q: want %q (in this order)", line, w)
		}
		at += i + len(w)
	}
}
