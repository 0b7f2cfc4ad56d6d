#!/bin/sh
# Lints spec/openapi.yaml with two standard OpenAPI linters from npm: Redocly CLI 2.x (rules
# "recommended-strict": every finding is an error) and Spectral 6 (ruleset "spectral:oas", failing
# on any finding, hints included). Needs npx (Node.js); without it, says so and skips, exiting 0,
# since the Go tests already validate the spec with kin-openapi.
set -eu
cd "$(dirname "$0")/../.."
if ! command -v npx >/dev/null 2>&1; then
	echo "lint-spec: npx not found (install Node.js to lint with @redocly/cli and @stoplight/spectral-cli); skipped" >&2
	exit 0
fi
npx --yes @redocly/cli@2 lint --config spec/redocly.yaml spec/openapi.yaml
npx --yes @stoplight/spectral-cli@6 lint --ruleset spec/spectral.yaml --fail-severity hint spec/openapi.yaml
