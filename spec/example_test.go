package spec_test

import (
	"fmt"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

func ExampleSpec_Error() {
	e, _ := spec.Default().Error("JobNotFound")
	fmt.Println(e.Status, e.Source, e.State)
	msg := e.Message("The job 1234 does not exist")
	fmt.Println(msg)
	// The page's template; the vendor's metadata gives "%s", which any message fills.
	fmt.Println(specfacts.MatchesTemplate(e, msg), specfacts.MatchesTemplate(e, "Job not found."), specfacts.MatchesMessage(e, "Job not found."))
	// Output:
	// 404 page no such job exists
	// The job 1234 does not exist, please check and try again later.
	// true false true
}

func ExampleParseRateLimit() {
	r, err := spec.ParseRateLimit("600/6s")
	fmt.Println(r.Calls, r.Window, r, err)
	_, err = spec.ParseRateLimit("600 per 6s")
	fmt.Println(err)
	// Output:
	// 600 6s 600/6s <nil>
	// rate limit "600 per 6s": want CALLS/WINDOW, e.g. 600/6s
}
