//go:build !unix

package mock

import "errors"

// Elsewhere the tables stay on the heap (alloc falls back to make).
func mapAnon(int) ([]byte, error) { return nil, errors.New("no anonymous mappings here") }

func unmap([]byte) {}
