// Package inner stands for an internal package whose type a public package re-exports by alias.
package inner

// Report is reached through an alias.
type Report struct {
	// Cases is documented.
	Cases int
	Total int
}

// Write is documented.
func (r *Report) Write() {}

func (r Report) Undocumented() {}

func (r *Report) unexported() {}
