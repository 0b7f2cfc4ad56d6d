#!/bin/sh
# Puts Stoplight Prism's validation proxy (npx @stoplight/prism-cli@5 proxy spec/openapi.yaml ...)
# in front of the reference implementation and sends through it the success case of every JSON
# transport cell and the official SDKs' captured requests (spec/testdata/sdk-requests); any
# violation Prism reports fails the run (internal/scripts/prismcheck). Needs npx (Node.js); without it, says
# so and skips, exiting 0, since the Go tests already validate the same calls with openapi3filter.
set -eu
cd "$(dirname "$0")/../.."
if ! command -v npx >/dev/null 2>&1; then
	echo "prism: npx not found (install Node.js to run @stoplight/prism-cli); skipped" >&2
	exit 0
fi
exec go run ./internal/scripts/prismcheck "$@"
