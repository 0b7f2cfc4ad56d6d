package loadrun

import "strings"

// TransportCause names a transport failure (a vegeta result's or a client's error message) the way
// a person says it, without Go's wording: "connection refused", "timed out", "connection reset",
// "no such host"; any other message is returned as its last part.
func TransportCause(msg string) string {
	m := strings.ToLower(msg)
	for _, c := range []struct{ has, say string }{
		{"connection refused", "connection refused"},
		{"deadline exceeded", "timed out"},
		{"timeout", "timed out"},
		{"connection reset", "connection reset"},
		{"no such host", "no such host"},
		{"eof", "connection closed without an answer"},
		{"broken pipe", "connection reset"},
		{"network is unreachable", "network unreachable"},
		{"no route to host", "no route to host"},
	} {
		if strings.Contains(m, c.has) {
			return c.say
		}
	}
	msg = RedactError(msg)
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}
