package mock

import (
	"strings"
	"testing"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/spec"
)

// TestNewRefusesASpecWithoutItsCodes: a document that lacks a code the pipeline answers with is
// refused when the server is made, never answered with a status made up in the mock.
func TestNewRefusesASpecWithoutItsCodes(t *testing.T) {
	doc := string(spec.Default().YAML())
	entry := "  - code: SignatureNonceUsed\n    status: 400\n    message: Specified signature nonce was used already.\n    description: The SignatureNonce was used within the last 15 minutes.\n    source: common\n"
	if !strings.Contains(doc, entry) {
		t.Fatal("the document's x-error-codes entry of SignatureNonceUsed changed: update the test")
	}
	s, err := spec.Load([]byte(strings.Replace(doc, entry, "", 1)))
	if err != nil {
		t.Fatalf("the document without SignatureNonceUsed does not load: %v", err)
	}
	_, err = New(nil, WithSpec(s))
	if err == nil || !strings.Contains(err.Error(), specfacts.CodeSignatureNonceUsed) {
		t.Errorf("New with a spec lacking %s: err %v", specfacts.CodeSignatureNonceUsed, err)
	}
	// Control: the whole document is accepted.
	if _, err := New(nil, WithSpec(spec.Default())); err != nil {
		t.Errorf("New with the default spec: %v", err)
	}
}
