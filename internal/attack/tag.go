package attack

import (
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// A target's URL fragment tags its result (vegeta copies the URL into it; the fragment is
// never sent): "#account" or, in a mixed run, "#path/account".

// AccountOf returns the account tag NewTargeter or a Prepared put in the URL fragment of r's target ("" when
// there is none). It does not allocate.
func AccountOf(r *vegeta.Result) string {
	_, a := SplitTag(r.URL)
	return a
}

// PathOf returns the path of a mixed run's result ("" outside a mix).
func PathOf(r *vegeta.Result) string {
	p, _ := SplitTag(r.URL)
	return p
}

// SplitTag reads the fragment of a target's URL: "#account" (NewTargeter) or "#path/account"
// (a mixed run's pools; an escaped account name holds no '/').
func SplitTag(u string) (path, account string) {
	i := strings.LastIndexByte(u, '#')
	if i < 0 {
		return "", ""
	}
	frag := u[i+1:]
	if j := strings.IndexByte(frag, '/'); j >= 0 {
		return frag[:j], frag[j+1:]
	}
	return "", frag
}
