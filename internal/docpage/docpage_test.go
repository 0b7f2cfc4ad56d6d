package docpage_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/edgeconform/edgeconform/internal/docpage"
	"github.com/edgeconform/edgeconform/internal/source"
)

func TestParseThePage(t *testing.T) {
	p, err := docpage.Parse(source.Page)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Summary, "Starts an edge transcoding task."; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if got := len(p.Description); got != 2 {
		t.Errorf("Description has %d paragraphs, want 2: %q", got, p.Description)
	}
	if p.QPS.Calls != 6000 || p.QPS.Window != time.Minute || p.QPS.Per != "user" || p.QPS.Line != 8 {
		t.Errorf("QPS = %+v, want 6000 per minute per user on line 8", p.QPS)
	}
	if p.RAM.Action != "live:StartEdgeTranscodeJob" || p.RAM.ResourceType != "*Domain" || p.RAM.ConditionKey != "None" || p.RAM.DependentAction != "None" {
		t.Errorf("RAM = %+v", p.RAM)
	}
	wantParams := []docpage.Param{
		{Name: "RegionId", Type: "string", Required: false, Description: "The region ID.", Example: "cn-shanghai", Line: 30},
		{Name: "ClusterId", Type: "string", Required: true, Description: "The ID of the data center.", Example: "******3b-4d18-395c-8106-ff21a6******", Line: 35},
		{Name: "JobId", Type: "string", Required: true, Description: "The ID of the edge transcoding job.", Example: "****20b48fb04483915d4f2cd8ac****", Line: 40},
	}
	if len(p.Params) != len(wantParams) {
		t.Fatalf("Params = %+v", p.Params)
	}
	for i, w := range wantParams {
		if p.Params[i] != w {
			t.Errorf("Params[%d] = %+v, want %+v", i, p.Params[i], w)
		}
	}
	if len(p.Elements) != 2 || p.Elements[0].Name != "JobId" || p.Elements[1].Name != "RequestId" ||
		p.Elements[1].Example != "******3B-0E1A-586A-AC29-742247******" {
		t.Errorf("Elements = %+v", p.Elements)
	}
	if p.Example.Value["JobId"] != "****20b48fb04483915d4f2cd8ac****" || len(p.Example.Value) != 2 {
		t.Errorf("Example = %+v", p.Example)
	}
	wantErrors := []struct {
		status int
		code   string
		msg    string
	}{
		{400, "MissingParameter", "%s."},
		{400, "UserTaskExceed", "%s, please check and try again later."},
		{500, "InternalError", "%s, please try again later."},
		{403, "UserQuotaExceed", "Quota exceeded: %s."},
		{403, "OperationDenied", "%s, please check and try again later."},
		{403, "Forbidden", "%s, please check and try again later."},
		{404, "JobNotFound", "%s, please check and try again later."},
	}
	if len(p.Errors) != len(wantErrors) {
		t.Fatalf("Errors = %+v", p.Errors)
	}
	for i, w := range wantErrors {
		e := p.Errors[i]
		if e.Status != w.status || e.Code != w.code || e.Message != w.msg {
			t.Errorf("Errors[%d] = %+v, want %+v", i, e, w)
		}
	}
	if p.Errors[6].Line != 82 {
		t.Errorf("JobNotFound on line %d, want 82", p.Errors[6].Line)
	}
}

// replace edits the page; the test fails if old is not there, so a case cannot silently test nothing.
func replace(t *testing.T, old, new string) []byte {
	t.Helper()
	page := string(source.Page)
	if !strings.Contains(page, old) {
		t.Fatalf("page has no %q", old)
	}
	return []byte(strings.Replace(page, old, new, 1))
}

func TestMalformedPageNamesTableAndLine(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(t *testing.T) []byte
		section string
		line    int
		msg     string
	}{
		{"status not a number", func(t *testing.T) []byte {
			return replace(t, "| 404 | JobNotFound |", "| 4o4 | JobNotFound |")
		}, docpage.SectionErrors, 82, `"4o4"`},
		{"status 200 for an error", func(t *testing.T) []byte {
			return replace(t, "| 500 | InternalError |", "| 200 | InternalError |")
		}, docpage.SectionErrors, 78, "4xx or 5xx"},
		{"missing cell in error row", func(t *testing.T) []byte {
			return replace(t, "| 403 | Forbidden | %s, please check and try again later. |", "| 403 | Forbidden |")
		}, docpage.SectionErrors, 81, "cells"},
		{"duplicate error code", func(t *testing.T) []byte {
			return replace(t, "| 403 | Forbidden |", "| 403 | OperationDenied |")
		}, docpage.SectionErrors, 81, "twice"},
		{"bad verb in template", func(t *testing.T) []byte {
			return replace(t, "| 400 | MissingParameter | %s. |", "| 400 | MissingParameter | %d. |")
		}, docpage.SectionErrors, 76, "%s"},
		{"Required neither Yes nor No", func(t *testing.T) []byte {
			return replace(t, "string |\nYes |\nThe ID of the data center.", "string |\nMaybe |\nThe ID of the data center.")
		}, docpage.SectionParameters, 35, "Yes or No"},
		{"unknown parameter type", func(t *testing.T) []byte {
			return replace(t, "| JobId |\nstring |\nYes |", "| JobId |\nstrng |\nYes |")
		}, docpage.SectionParameters, 40, "strng"},
		{"renamed header column", func(t *testing.T) []byte {
			return replace(t, "Parameter |\nType |\nRequired |", "Parameter |\nType |\nMandatory |")
		}, docpage.SectionParameters, 24, "Required"},
		{"example not JSON", func(t *testing.T) []byte {
			return replace(t, `"JobId": "****20b48fb04483915d4f2cd8ac****",`, `"JobId": "****20b48fb04483915d4f2cd8ac****"`)
		}, docpage.SectionExamples, 67, "not JSON"},
		{"example field not an element", func(t *testing.T) []byte {
			return replace(t, `"JobId": "****20b48fb04483915d4f2cd8ac****",`, `"JobID": "x",`)
		}, docpage.SectionExamples, 65, "JobID"},
		{"no QPS sentence", func(t *testing.T) []byte {
			return replace(t, "6,000 calls per minute for each user", "many calls")
		}, docpage.SectionQPS, 7, "calls per"},
		{"RAM action malformed", func(t *testing.T) []byte {
			return replace(t, "live:StartEdgeTranscodeJob |", "StartEdgeTranscodeJob |")
		}, docpage.SectionRAM, 18, "service:Action"},
		{"error codes section missing", func(t *testing.T) []byte {
			return replace(t, "Error codes\n", "Errors\n")
		}, docpage.SectionErrors, 0, "not found"},
		{"section twice", func(t *testing.T) []byte {
			return replace(t, "Release notes", "Error codes")
		}, docpage.SectionErrors, 84, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := docpage.Parse(tt.edit(t))
			var pe *docpage.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("want *docpage.ParseError, got %v", err)
			}
			if pe.Section != tt.section || pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Fatalf("got %q (section %q line %d), want section %q line %d mentioning %q", err, pe.Section, pe.Line, tt.section, tt.line, tt.msg)
			}
			want := `table "` + tt.section + `"`
			if !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not name %s", err, want)
			}
		})
	}
}

func TestGarbageDoesNotPanic(t *testing.T) {
	for _, in := range []string{"", "\n\n", "|||\n|", "Error codes\n|\n|---|", "x\nError codes\n| 400 |", string(source.Page[:len(source.Page)/2])} {
		if _, err := docpage.Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(source.Page)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := docpage.Parse(data)
		if err == nil && (len(p.Errors) == 0 || len(p.Params) == 0) {
			t.Fatalf("parsed without errors or params: %+v", p)
		}
	})
}
