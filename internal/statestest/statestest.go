// Package statestest holds provider-state arrangers for tests of the packages that call targets.
package statestest

import (
	"context"
	"fmt"

	"github.com/edgeconform/edgeconform/internal/arrange"
	"github.com/edgeconform/edgeconform/spec/states"
)

// Counting hands out a new made-up fresh account on every setup and counts setups and
// teardowns. Not safe for concurrent use.
type Counting struct{ Setups, Teardowns int }

// Setup returns an account named after the setup's number.
func (c *Counting) Setup(context.Context, string) (states.Values, error) {
	c.Setups++
	return states.Values{arrange.AccessKeyID: fmt.Sprint("k", c.Setups), arrange.AccessKeySecret: "s",
		arrange.ClusterID: "c", arrange.JobID: "j"}, nil
}

// Teardown counts.
func (c *Counting) Teardown(context.Context, string, states.Values) error {
	c.Teardowns++
	return nil
}
