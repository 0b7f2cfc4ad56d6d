package matrix

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	ref = `{"verdict":"pass","target":"http://127.0.0.1:1","passed":3,"failed":0,"skipped":0,"cases":[
 {"id":"success/OK/GET-v1-JSON","code":"OK","status":"passed","message":""},
 {"id":"errors/JobNotFound/GET-v1-JSON","code":"JobNotFound","status":"passed","message":""},
 {"id":"throttle/Throttling.User/GET-v1-JSON","code":"Throttling.User","status":"passed","message":""}]}`
	other = `{"contract":{"target":"http://127.0.0.1:2","passed":1,"failed":1,"skipped":1,"known":1,"cases":[
 {"id":"success/OK/GET-v1-JSON","code":"OK","status":"passed","message":""},
 {"id":"errors/JobNotFound/GET-v1-JSON","code":"JobNotFound","status":"failed","message":"status: want 404, got <400>"},
 {"id":"throttle/Throttling.User/GET-v1-JSON","code":"Throttling.User","status":"skipped","message":"not safe"},
 {"id":"edges/x/GET-v1-JSON","code":"OK","status":"known","message":"known"}]},"throttle":null}`
)

func build(t *testing.T) *Matrix {
	t.Helper()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "reference.json"), filepath.Join(dir, "other.json")
	os.WriteFile(a, []byte(ref), 0o644)
	os.WriteFile(b, []byte(other), 0o644)
	ca, ra, err := ReadFile("", a)
	if err != nil {
		t.Fatal(err)
	}
	cb, rb, err := ReadFile("acme-mock", b)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New([]Column{ca, cb}, []Report{ra, rb})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMatrix(t *testing.T) {
	m := build(t)
	if m.Columns[0].Name != "reference" || len(m.Cases) != 4 {
		t.Fatalf("columns %v, cases %v", m.Columns[0].Name, m.Cases)
	}
	if s := m.Columns[0].Score(); s != (Score{3, 3}) || s.String() != "3/3 (100.0%)" {
		t.Errorf("reference score %v", s)
	}
	// Skipped does not count; known counts as failed.
	if s := m.Columns[1].Score(); s != (Score{1, 3}) {
		t.Errorf("acme score %v, want 1 of 3", s)
	}
	var text bytes.Buffer
	if err := m.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	if len(lines) != 6 || !strings.Contains(lines[2], "pass") || !strings.Contains(lines[2], "FAIL") || !strings.Contains(lines[4], "-") {
		t.Errorf("text table:\n%s", text.String())
	}
	if !strings.Contains(lines[5], "3/3 (100.0%)") || !strings.Contains(lines[5], "1/3 (33.3%)") {
		t.Errorf("score row %q", lines[5])
	}
	var md bytes.Buffer
	m.WriteMarkdown(&md)
	if !strings.Contains(md.String(), "| errors/JobNotFound/GET-v1-JSON | pass | FAIL |") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

// The HTML page is self-contained and escapes what the reports say.
func TestHTMLSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := build(t).WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, external := range []string{"<script", "<link", "src=", "@import", "url(", "@font-face"} {
		if strings.Contains(page, external) {
			t.Errorf("the page holds %q", external)
		}
	}
	if strings.Contains(page, "<400>") || !strings.Contains(page, "&lt;400&gt;") {
		t.Error("a message is not escaped")
	}
	if !strings.Contains(page, `class="failed"`) || !strings.Contains(page, "1/3 (33.3%)") {
		t.Error("the page lacks the failed cell or the score")
	}
}

func TestBadReports(t *testing.T) {
	for name, bad := range map[string]string{
		"not JSON":    "nope",
		"no cases":    `{"passed":1}`,
		"case no id":  `{"cases":[{"status":"passed"}]}`,
		"throttle":    `{"verdict":"pass","checks":[]}`,
		"run no part": `{"contract":null,"throttle":{}}`,
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	r, _ := Parse([]byte(ref))
	if _, err := New([]Column{NewColumn("a", r), NewColumn("a", r)}, []Report{r, r}); err == nil {
		t.Error("two columns of one name")
	}
}

// Where the vendor's sources disagree, each cell names the source its implementation followed.
func TestMatrixNamesTheSourceFollowed(t *testing.T) {
	page := `{"target":"a","cases":[{"id":"errors/UserQuotaExceed/GET-v1-JSON","status":"passed","message":"",` +
		`"followed":[{"field":"errors/UserQuotaExceed/status","source":"page","note":"UserQuotaExceed: 403, as the page"}]}]}`
	meta := `{"target":"b","cases":[{"id":"errors/UserQuotaExceed/GET-v1-JSON","status":"passed","message":"",` +
		`"followed":[{"field":"errors/UserQuotaExceed/status","source":"metadata","note":"UserQuotaExceed: 400, as the vendor's metadata"},` +
		`{"field":"errors/UserQuotaExceed/message","source":"page","note":"UserQuotaExceed message: as the page"}]}]}`
	var cols []Column
	var reps []Report
	for name, body := range map[string]string{"ref": page, "other": meta} {
		r, err := Parse([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		cols, reps = append(cols, NewColumn(name, r)), append(reps, r)
	}
	m, err := New(cols, reps)
	if err != nil {
		t.Fatal(err)
	}
	var text, md, html strings.Builder
	m.WriteText(&text)
	m.WriteMarkdown(&md)
	m.WriteHTML(&html)
	for _, out := range []string{text.String(), md.String(), html.String()} {
		if !strings.Contains(out, "pass (page)") || !strings.Contains(out, "pass (metadata, page)") {
			t.Errorf("the cells do not name the sources followed:\n%s", out)
		}
	}
	if !strings.Contains(html.String(), "UserQuotaExceed: 400, as the vendor&#39;s metadata") {
		t.Errorf("the HTML cell's note does not say what was followed:\n%s", html.String())
	}
}
