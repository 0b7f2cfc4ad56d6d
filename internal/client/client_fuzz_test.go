package client

import (
	"testing"
	"unicode/utf8"
)

// Whatever a target answers (any Content-Type, any bytes), parsing never panics, and an answer
// that parses has its fields from the body and says which format it was.
func FuzzParseAnswer(f *testing.F) {
	f.Add("application/json;charset=utf-8", []byte(`{"JobId":"j","RequestId":"R"}`), false)
	f.Add("text/xml;charset=utf-8", []byte(`<?xml version="1.0"?><Error><Code>JobNotFound</Code><Message><![CDATA[m]]></Message></Error>`), false)
	f.Add("", []byte(` {"Code":1}`), false)
	f.Add("text/html", []byte(`<html><body><Code>x</Code></body></html>`), false)
	f.Add("application/json", []byte(`{"Code":"a"}{"Code":"b"}`), false)
	f.Add("application/xml", []byte(`<a><b>`+"\xff"+`</b></a><c/>`), false)
	f.Add("application/json; charset=\"", []byte(`[[[[[[[[[[`), true)
	f.Fuzz(func(t *testing.T, ctype string, body []byte, truncated bool) {
		a := &Answer{ContentType: ctype, Body: body, Truncated: truncated}
		a.parse()
		if a.Parsed == (a.ParseErr != nil) {
			t.Fatalf("parsed %v with error %v", a.Parsed, a.ParseErr)
		}
		if !a.Parsed {
			return
		}
		if truncated {
			t.Fatal("a truncated body parsed")
		}
		if a.Format != "JSON" && a.Format != "XML" {
			t.Fatalf("parsed as %q", a.Format)
		}
		if a.Code != a.Fields["Code"] || a.RequestID != a.Fields["RequestId"] || a.JobID != a.Fields["JobId"] {
			t.Fatalf("fields %v, Code %q RequestId %q JobId %q", a.Fields, a.Code, a.RequestID, a.JobID)
		}
		_ = utf8.ValidString(a.String()) // String must not panic on any field
	})
}
