package main

import "context"

func runLoad(ctx context.Context, m *Main, args []string) error {
	return notYet("load", 6)
}
