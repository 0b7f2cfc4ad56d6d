// Package protocol is the wire of Alibaba Cloud's RPC-style OpenAPI as StartEdgeTranscodeJob
// speaks it (docs/protocol.md#wire-protocol), for the client side: Credentials, a Call, and
// NewRequest, which signs the call into an *http.Request (V1: HMAC-SHA1 over the parameters; V3:
// ACS3-HMAC-SHA256 in the Authorization header). The canonical forms, the signatures' pieces and
// the server side (parsing and verifying a received call) are the kit's own, in internal/wire.
//
// It knows nothing of the API's facts (actions, codes, limits): those come from package spec.
package protocol

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/edgeconform/edgeconform/internal/wire"
)

// SignatureVersion selects how a call is signed: SignatureV1 or SignatureV3.
type SignatureVersion = wire.SignatureVersion

// The signature versions.
const (
	// SignatureV1 is the RPC signature: HMAC-SHA1 over the sorted parameters, sent as Signature.
	SignatureV1 = wire.SignatureV1
	// SignatureV3 is the ACS3-HMAC-SHA256 signature sent in the Authorization header.
	SignatureV3 = wire.SignatureV3
)

// ParseSignatureVersion accepts "v1" or "v3" (case-insensitive).
func ParseSignatureVersion(s string) (SignatureVersion, error) {
	switch v := SignatureVersion(strings.ToLower(strings.TrimSpace(s))); v {
	case SignatureV1, SignatureV3:
		return v, nil
	}
	return "", fmt.Errorf("protocol: unknown signature version %q (want v1 or v3)", s)
}

// TimeFormat is the Timestamp / x-acs-date format: ISO 8601 in UTC, seconds precision.
const TimeFormat = wire.TimeFormat

// Credentials sign calls. They print redacted: the secret and the token never reach a log
// through fmt or encoding/json.
type Credentials struct {
	AccessKeyID     string // the key's id, sent with every call
	AccessKeySecret string // the key's secret, which signs; never sent, never printed
	SecurityToken   string // STS token, optional
}

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "<redacted>"
}

// String shows the AccessKeyId only.
func (c Credentials) String() string {
	s := "AccessKeyId=" + c.AccessKeyID + " AccessKeySecret=" + redact(c.AccessKeySecret)
	if c.SecurityToken != "" {
		s += " SecurityToken=" + redact(c.SecurityToken)
	}
	return s
}

// GoString keeps %#v redacted too.
func (c Credentials) GoString() string {
	return fmt.Sprintf("protocol.Credentials{AccessKeyID:%q, AccessKeySecret:%q, SecurityToken:%q}",
		c.AccessKeyID, redact(c.AccessKeySecret), redact(c.SecurityToken))
}

// MarshalJSON keeps JSON dumps redacted.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AccessKeyID     string `json:"AccessKeyId"`
		AccessKeySecret string `json:"AccessKeySecret,omitempty"`
		SecurityToken   string `json:"SecurityToken,omitempty"`
	}{c.AccessKeyID, redact(c.AccessKeySecret), redact(c.SecurityToken)})
}
