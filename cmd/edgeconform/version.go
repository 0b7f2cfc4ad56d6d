package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

// version is set by the build (make build, the Dockerfile: -ldflags "-X main.version=...");
// otherwise it comes from the module's build information.
var version = ""

// versionString is what `edgeconform --version` prints: the version, and the commit it was built
// from when the build knows it.
func versionString() string {
	v, rev, dirty := version, "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	out := "edgeconform " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		out += " (" + rev + ")"
	}
	return out
}

func printVersion(w io.Writer) { fmt.Fprintln(w, versionString()) }
