package main

import "context"

func runMock(ctx context.Context, m *Main, args []string) error {
	return notYet("mock", 3)
}
