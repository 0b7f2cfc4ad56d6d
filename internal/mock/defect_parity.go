package mock

import (
	"strings"

	"github.com/edgeconform/edgeconform/spec"
)

// parity are the defects that only a comparison with a recording notices (contract --snapshot):
// each answer still conforms to the page and the spec, it just differs from what the recorded
// service answered.
type parity struct {
	messageReworded   bool
	otherHostID       bool
	noRateLimitHeader bool
}

// The parity defects.
var (
	// MessageReworded words the detail of every templated Message differently; the Message still
	// fits its code's template (and still names a missing parameter).
	MessageReworded = toggle("MessageReworded", func(d *defects) { d.messageReworded = true })
	// OtherHostID answers errors with another HostId than the reference's.
	OtherHostID = toggle("OtherHostID", func(d *defects) { d.otherHostID = true })
	// NoRateLimitHeader leaves out the rate-limit header, which the spec makes optional.
	NoRateLimitHeader = toggle("NoRateLimitHeader", func(d *defects) { d.noRateLimitHeader = true })
)

// ParityDefects returns the parity defects: the plain contract run passes each, a comparison
// with a recording of the reference implementation catches each.
func ParityDefects() []Defect { return []Defect{MessageReworded, OtherHostID, NoRateLimitHeader} }

// OtherHost is the HostId of the OtherHostID defect.
const OtherHost = "live.cn-hangzhou.aliyuncs.com"

// reword returns detail as the MessageReworded defect words it, for a template with a detail.
func (p parity) reword(ec spec.ErrorCode, detail string) string {
	if !p.messageReworded {
		return detail
	}
	return reworded(ec, detail)
}

// reworded is detail in other words (the parity defect MessageReworded and the variant
// MessageDetailReworded): still inside ec's template, still naming what it named.
func reworded(ec spec.ErrorCode, detail string) string {
	if detail == "" || !strings.Contains(ec.Template, "%s") {
		return detail
	}
	return "Edge transcoding refused the call: " + detail
}

// hostID is the HostId to answer with.
func (p parity) hostID(reference string) string {
	if p.otherHostID {
		return OtherHost
	}
	return reference
}
