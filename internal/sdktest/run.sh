#!/bin/sh
# Runs the interop tests against the official Alibaba Cloud SDKs. They live in a module of their
# own (this directory) so that the main module never downloads the SDKs; .ci/run calls this.
set -eu
cd "$(dirname "$0")"
go vet ./...
go test -race -count=1 "$@" ./...
