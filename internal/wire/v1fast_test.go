package wire

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// slowSignV1 is the V1 signature as the documentation defines it, through crypto/hmac.
func slowSignV1(method string, params url.Values, secret string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(StringToSignV1(method, params)))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// The allocation-free signature is the documented one, for any parameters and secret: reserved
// bytes, Unicode, empty and repeated values, more keys than the stack array holds, secrets
// longer than HMAC's block.
func TestSignV1SameAsHMAC(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcXYZ09-_.~ &=%+*/:;?#é中\x00\n")
	str := func(n int) string {
		var b strings.Builder
		for range r.IntN(n) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for i := range 2000 {
		params := url.Values{}
		for range r.IntN(40) {
			k := str(8)
			for range 1 + r.IntN(2) {
				params.Add(k, str(20))
			}
		}
		if i%3 == 0 {
			params.Set("Signature", "ignored")
		}
		secret := str(80)
		method := []string{"GET", "POST", "get"}[i%3]
		want := slowSignV1(method, params, secret)
		if got := SignV1(method, params, secret); got != want {
			t.Fatalf("SignV1(%q, %v, secret of %d bytes) = %s, want %s", method, params, len(secret), got, want)
		}
		sorted := sortedParams(nil, params)
		if !verifyV1(method, sorted, secret, want) || verifyV1(method, sorted, secret+"x", want) || verifyV1(method, sorted, secret, want[:27]) {
			t.Fatalf("verifyV1 disagrees with the signature %s", want)
		}
	}
}

// Verifying a V1 signature allocates nothing.
func TestVerifyV1Allocs(t *testing.T) {
	params := url.Values{"Action": {"StartEdgeTranscodeJob"}, "Timestamp": {"2026-01-01T00:00:00Z"}, "SignatureNonce": {"0b1c2d3e-aaaa"},
		"AccessKeyId": {"LTAI5tKey"}, "ClusterId": {"c1"}, "JobId": {"j1"}, "Version": {"2016-11-01"}, "Format": {"JSON"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureVersion": {"1.0"}}
	sig := SignV1("GET", params, "secret")
	sorted := sortedParams(nil, params)
	verifyV1("GET", sorted, "secret", sig) // fill the pool
	if n := testing.AllocsPerRun(200, func() {
		if !verifyV1("GET", sorted, "secret", sig) {
			t.Fatal("does not verify")
		}
	}); n != 0 {
		t.Errorf("%v allocations per verification, want 0", n)
	}
}

// parseSimpleSeeds are the queries the fast parse is held to url.ParseQuery on (and the seeds
// of FuzzParseSimple): escapes good and bad, empty parts, repeats, semicolons, too many.
var parseSimpleSeeds = []string{
	"", "a=1", "a=1&b=2", "a", "a=", "=1", "&&a=1&", "a=%20b+c", "k%3D=v%26", "a=1&a=2", "a=%zz", "a;b=1", "a=1;b=2",
	"%E4%B8%AD=%E6%96%87", "a=1&&b=", strings.Repeat("x=1&", 70), strings.Repeat("x=1&", 63) + "y", "a=%", "a=%2",
	"a=%2g", "%=1", "a==b=", "+=+&%2B=%2b", "b=2&a=1&c=3&A=0", "a%00=%ff", "Signature=x&SignatureMethod=y", "a=1&a%3D=2",
}

// checkParseSimple fails t unless the fast parse of raw is url.ParseQuery's, or is left to the
// slow path (and its errors) for a query that ParseQuery refuses or parseUnique must; and
// unless its sorted list holds ParseQuery's parameters, in order, each found by lookup.
func checkParseSimple(t *testing.T, raw string) {
	t.Helper()
	set := getParamSet()
	defer set.put()
	ok := parseSimple(raw, set)
	want, err := url.ParseQuery(raw)
	dup := false
	for _, vs := range want {
		dup = dup || len(vs) > 1
	}
	switch {
	case ok && (err != nil || dup):
		t.Errorf("%q: taken, but ParseQuery says %v (repeated: %v)", raw, err, dup)
	case ok && set.values().Encode() != want.Encode():
		t.Errorf("%q: %v, want %v", raw, set.values(), want)
	case !ok && err == nil && !dup && len(want) <= maxSimpleParams:
		t.Errorf("%q: left to the slow path, which takes it", raw)
	}
	if !ok {
		return
	}
	if len(set.pairs) != len(want) {
		t.Fatalf("%q: %d pairs for %d parameters", raw, len(set.pairs), len(want))
	}
	for i, p := range set.pairs {
		if vs := want[p.k]; len(vs) != 1 || vs[0] != p.v || i > 0 && set.pairs[i-1].k >= p.k {
			t.Fatalf("%q: pair %d %q=%q out of order or not ParseQuery's %q", raw, i, p.k, p.v, vs)
		}
		if v, found := set.lookup(p.k); !found || v != p.v {
			t.Fatalf("%q: lookup(%q) = %q, %v; want %q", raw, p.k, v, found, p.v)
		}
	}
	if _, found := set.lookup("\xff-absent"); found {
		t.Fatalf("%q: found a name it does not have", raw)
	}
}

// The fast parse of a query is url.ParseQuery's.
func TestParseSimpleSameAsParseQuery(t *testing.T) {
	for _, raw := range parseSimpleSeeds {
		checkParseSimple(t, raw)
	}
}

// Any query: the fast parse is url.ParseQuery's or leaves it to the slow path.
func FuzzParseSimple(f *testing.F) {
	for _, raw := range parseSimpleSeeds {
		f.Add(raw)
	}
	f.Fuzz(checkParseSimple)
}

// The fast read of the wire time agrees with time.Parse on what it takes, and leaves the rest.
func TestParseWireTime(t *testing.T) {
	for _, s := range []string{"2026-01-02T15:04:05Z", "2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z", "2026-1-01T00:00:00Z",
		"2026-01-01 00:00:00Z", "2026-01-01T00:00:00+", "0000-01-01T00:00:00Z", "2026-0a-01T00:00:00Z", "+026-01-01T00:00:00Z"} {
		got, ok := parseWireTime(s)
		want, err := time.Parse(TimeFormat, s)
		switch {
		case ok && (err != nil || !got.Equal(want) || got.Location() != want.Location()):
			t.Errorf("%q: %v, time.Parse: %v, %v", s, got, want, err)
		case !ok && err == nil:
			t.Errorf("%q: left to time.Parse, which takes it", s)
		}
	}
}

// sortParams orders by name, then value, on either side of insertionSortMax.
func TestSortParams(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 12, insertionSortMax, insertionSortMax + 1, 500} {
		ps := make([]param, n)
		for i := range ps {
			ps[i] = param{k: strconv.Itoa(r.IntN(n/2 + 1)), v: strconv.Itoa(r.IntN(3))}
		}
		want := slices.Clone(ps)
		slices.SortFunc(want, func(a, b param) int { return strings.Compare(a.k+"\x00"+a.v, b.k+"\x00"+b.v) })
		sortParams(ps)
		if !slices.Equal(ps, want) {
			t.Errorf("%d parameters: %v, want %v", n, ps, want)
		}
	}
}
