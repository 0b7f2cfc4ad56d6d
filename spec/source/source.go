// Package source embeds the inputs of the spec generator: the documentation page, copied verbatim
// from the web site, and the overlay of facts the page does not state.
package source

import _ "embed"

// File names of the inputs, relative to this directory.
const (
	PageFile    = "StartEdgeTranscodeJob.txt"
	OverlayFile = "overlay.yaml"
)

// Page is the API reference page of StartEdgeTranscodeJob as text.
//
//go:embed StartEdgeTranscodeJob.txt
var Page []byte

// Overlay is what the generator merges into the page's facts.
//
//go:embed overlay.yaml
var Overlay []byte
