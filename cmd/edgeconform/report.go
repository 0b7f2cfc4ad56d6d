package main

import "context"

func runReport(ctx context.Context, m *Main, args []string) error {
	return notYet("report", 6)
}
