// Package source embeds the inputs of the spec generator: the documentation page, copied verbatim
// from the web site, the overlay of facts the page does not state, and the vendor's other
// descriptions of the operation (vendor/: its OpenAPI metadata as published, its SDKs' facts).
package source

import (
	"embed"
	"io/fs"
	"path"
	"slices"
)

// File names of the inputs, relative to this directory.
const (
	PageFile    = "StartEdgeTranscodeJob.txt"
	OverlayFile = "overlay.yaml"
	VendorDir   = "vendor"
	SDKFile     = "vendor/sdk.yaml"
)

// Page is the API reference page of StartEdgeTranscodeJob as text.
//
//go:embed StartEdgeTranscodeJob.txt
var Page []byte

// Overlay is what the generator merges into the page's facts.
//
//go:embed overlay.yaml
var Overlay []byte

//go:embed vendor
var vendor embed.FS

// SDK is vendor/sdk.yaml: the official SDKs' facts, each with the file it was read from.
var SDK = must(vendor.ReadFile(SDKFile))

// Metadata is the newest metadata snapshot of vendor/ (api-docs.<date>.*.json, as published) and
// its file name: dropping a newer snapshot in beside it is all an update takes.
var Metadata, MetadataFile = newestMetadata()

func newestMetadata() ([]byte, string) {
	names, err := fs.Glob(vendor, path.Join(VendorDir, "api-docs.*.json"))
	if err != nil || len(names) == 0 {
		panic("source: no vendor/api-docs.*.json embedded")
	}
	slices.Sort(names) // the date is in the name: the last is the newest
	name := names[len(names)-1]
	return must(vendor.ReadFile(name)), name
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic("source: " + err.Error())
	}
	return b
}
