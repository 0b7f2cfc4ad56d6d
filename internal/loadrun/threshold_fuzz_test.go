package loadrun

import (
	"bytes"
	"errors"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// FuzzParseThreshold: any text gives a threshold or an ErrThreshold, never a panic.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"p99<50ms", "p(95)<=200", "errors<0.1%", "rps>=10/s", "max<1h", "p<", "p(", "errors<1e309%", "p99<1e400ms"} {
		f.Add(s)
	}
	s := summaryOf(20)
	r := s.Report()
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			if !errors.Is(err, ErrThreshold) {
				t.Fatalf("error %v does not wrap ErrThreshold", err)
			}
			return
		}
		_ = th.Evaluate(s, r)
	})
}

// FuzzClassify: any status and body give an outcome with a Code, never a panic.
func FuzzClassify(f *testing.F) {
	for _, b := range []string{`{"Code":"Throttling.User"}`, `<Error><Code>JobNotFound</Code></Error>`, `{"Code":"a\"b"}`, `<Code>&amp;</Code>`, `{"Code" "x"}`, ``} {
		f.Add(uint16(400), []byte(b))
	}
	c := NewClassifier(nil)
	f.Fuzz(func(t *testing.T, status uint16, body []byte) {
		o := c.Classify(&vegeta.Result{Code: status, Body: body})
		if o.Code == "" {
			t.Fatalf("empty Code for status %d body %q", status, body)
		}
		if o.Class > ClassFailed {
			t.Fatalf("class %v", o.Class)
		}
	})
}

// FuzzMerge: any bytes as a results file give results or an error, never a panic or a hang.
func FuzzMerge(f *testing.F) {
	var buf bytes.Buffer
	enc := vegeta.NewEncoder(&buf)
	enc.Encode(&vegeta.Result{Code: 200, URL: "http://h/#a", Body: []byte(`{"JobId":"j"}`)})
	f.Add(buf.Bytes())
	f.Add([]byte(`{"code":200,"url":"http://h/#a"}` + "\n"))
	f.Add([]byte("1,200,1000,0,0,,,,http://h/#a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Merge(NewSummary(nil), bytes.NewReader(data))
	})
}
