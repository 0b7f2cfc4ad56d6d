package main

import "context"

func runRun(ctx context.Context, m *Main, args []string) error {
	return notYet("run", 5)
}
