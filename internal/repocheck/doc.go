// Package repocheck holds no code: its tests check the repository itself, in the normal test run
// — that the test command stays deterministic (no random fuzzing), that CI runs the README's test
// command, and that the container build and the Kubernetes manifests agree.
package repocheck
