package explore

import (
	"reflect"
	"testing"
)

// FuzzParseMutation: `sign --mutate` reads any string without panicking, and what it accepts
// reads back from its String (the reproduce line's form) as the same mutation.
func FuzzParseMutation(f *testing.F) {
	for _, s := range []string{"drop:JobId", "long:JobId:8192", "recase:ClusterId:clusterid", "set:RegionId=cn-shanghai",
		"unknown:A=b c", "method:put", "body:json", "skew:-16m", "skew:+1h2m3s", "key:LTAIx", "wrong-secret", "long:x:99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMutation(s)
		if err != nil {
			return
		}
		back, err := ParseMutation(m.String())
		if err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, m, m.String(), back, err)
		}
	})
}
