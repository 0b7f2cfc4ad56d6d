package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/edgeconform/edgeconform/internal/baseline"
	"github.com/edgeconform/edgeconform/internal/cli"
	"github.com/edgeconform/edgeconform/internal/contract"
	"github.com/edgeconform/edgeconform/internal/parity"
	"github.com/edgeconform/edgeconform/spec"
)

// parityFlags are contract's flags of docs/protocol.md#parity: --snapshot, --snapshot-ignore, --baseline.
type parityFlags struct {
	snapshot       string
	snapshotIgnore string
	baseline       string

	comparer *parity.Comparer
	base     *baseline.Baseline
}

func (p *parityFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.snapshot, "snapshot", "", "also compare every answer to the recording in `DIR` (made by 'edgeconform record'): a difference fails the case")
	fs.StringVar(&p.snapshotIgnore, "snapshot-ignore", "", "YAML `FILE` of JSON pointers the snapshot comparison leaves out: - {pointer: /body/HostId, reason: ..., case: <glob, optional>}")
	registerBaseline(fs, &p.baseline)
}

func registerBaseline(fs *flag.FlagSet, v *string) {
	fs.StringVar(v, "baseline", "", "YAML `FILE` of known deviations: - {case: <id or glob>, reason: <text>, until: YYYY-MM-DD}; a covered failure is 'known', a covered pass 'fixed'")
}

// load reads the files the flags name, before any call is sent: a bad one is a usage error.
func (p *parityFlags) load(m *Main, s *spec.Spec) error {
	if p.snapshotIgnore != "" && p.snapshot == "" {
		return cli.Usagef("contract: --snapshot-ignore needs --snapshot")
	}
	if p.snapshot != "" {
		rec, err := parity.Read(p.snapshot)
		if err != nil {
			return cli.Usagef("contract: --snapshot: %v", err)
		}
		var ig *parity.Ignore
		if p.snapshotIgnore != "" {
			if ig, err = parity.LoadIgnore(p.snapshotIgnore); err != nil {
				return cli.Usagef("contract: --snapshot-ignore: %v", err)
			}
		}
		if w := parity.DigestWarning(rec, s); w != "" {
			fmt.Fprintln(m.Stderr, "edgeconform: contract: "+w)
		}
		p.comparer = parity.NewComparer(rec, s, ig)
	}
	if p.baseline != "" {
		b, err := baseline.Load(p.baseline)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return cli.Usagef("contract: --baseline: %s: no such file", p.baseline)
			}
			return cli.Usagef("contract: --baseline: %s", strings.TrimPrefix(err.Error(), "baseline: "))
		}
		p.base = b
	}
	return nil
}

// observer is the contract.Observer of the snapshot comparison (nil without --snapshot).
func (p *parityFlags) observer() contract.Observer {
	if p.comparer == nil {
		return nil
	}
	return func(o contract.Observation) contract.Judgment {
		diffs, skip := p.comparer.Compare(o.Case, o.Answer, parity.SentOf(o.Credentials, o.Call, o.Answer.Request))
		return contract.Judgment{Problems: diffs, Skip: skip}
	}
}

// applyBaseline marks the cases the baseline covers; it returns a usage error for entries that
// match no case and the lines of the expired entries, which fail the run.
func applyBaseline(b *baseline.Baseline, res *contract.Result, now time.Time) ([]string, error) {
	if b == nil {
		return nil, nil
	}
	o := b.Apply(res, res.IDs, now)
	if err := o.Err(b.Name); err != nil {
		return nil, cli.Usagef("contract: --baseline: %s", strings.TrimPrefix(err.Error(), "baseline: "))
	}
	return o.ExpiredMessages(b.Name), nil
}
