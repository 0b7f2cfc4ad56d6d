package main

import "context"

func runSpec(ctx context.Context, m *Main, args []string) error {
	return notYet("spec", 2)
}
