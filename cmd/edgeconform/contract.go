package main

import "context"

func runContract(ctx context.Context, m *Main, args []string) error {
	return notYet("contract", 4)
}
