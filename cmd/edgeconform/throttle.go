package main

import "context"

func runThrottle(ctx context.Context, m *Main, args []string) error {
	return notYet("throttle", 5)
}
