package main

import "context"

func runSign(ctx context.Context, m *Main, args []string) error {
	return notYet("sign", 3)
}
