package mock

import (
	"fmt"
	"strconv"
	"time"

	"github.com/edgeconform/edgeconform/internal/specfacts"
	"github.com/edgeconform/edgeconform/internal/wire"
)

// A Defect is a deliberately broken behaviour, for tests only: the contract suites and the throttle
// scenario run against a mock with one defect switched on to prove they notice it. A defect is data
// the request pipeline consults (a flag or a value in the server's defect set), never a second copy
// of the handler. Never use one outside a test.
type Defect struct {
	name  string
	apply func(*defects)
}

// String names the defect, e.g. "WrongStatus(JobNotFound)", for test names.
func (d Defect) String() string { return d.name }

// defects is the set the pipeline consults; the zero value is the conforming implementation.
type defects struct {
	wrongStatus           map[string]bool // codes answered with a wrong HTTP status
	noRequestID           bool
	lowercaseRequestID    bool
	reusedRequestID       bool
	messageOffTemplate    bool
	retryAfterTooLong     bool
	stringToSignMisquoted bool
	jobIDNotEchoed        bool
	runningJobRestartable bool
	permissionIgnored     bool
	signatureUnchecked    bool
	xmlIgnored            bool
	formIgnored           bool
	wrongContentType      bool
	missingParamUnnamed   bool
	timestampUnchecked    bool
	nonceUnchecked        bool
	actionUnchecked       bool
	versionUnchecked      bool
	quotaIgnored          bool
	taskLimitIgnored      bool
	faultIgnored          bool
	formEncodingSigner    bool
	timestampWindow       time.Duration // 0: ClockSkew
	longValue5xx          bool
	nonASCII5xx           bool
	regionIDRefused       bool
	xmlByDefault          bool
	inconsistentRefusal   bool

	noLimit           bool
	limitFactor       float64 // 0: the configured limit
	globalLimit       bool
	perKeyLimit       bool
	neverLifts        bool
	throttleWrongCode bool
	throttleWrongStat bool

	parity  // defect_parity.go: differences from the recorded service that conform all the same
	effects // defect_effects.go: what a call does to the world, and who may do it
}

func toggle(name string, set func(*defects)) Defect { return Defect{name: name, apply: set} }

// WrongStatus answers code with a wrong HTTP status, one no source gives it: 400 where none says
// 400, else 403, else 409 (UserQuotaExceed: 403 on the page, 400 in the vendor's metadata: 409).
func WrongStatus(code string) Defect {
	return Defect{name: "WrongStatus(" + code + ")", apply: func(d *defects) {
		if d.wrongStatus == nil {
			d.wrongStatus = map[string]bool{}
		}
		d.wrongStatus[code] = true
	}}
}

// LimitScaled throttles at factor times the configured limit (1.1: 10% too lenient, 0.9: too
// strict) while the rate-limit header still announces the configured one.
func LimitScaled(factor float64) Defect {
	return Defect{name: "LimitScaled(" + strconv.FormatFloat(factor, 'g', -1, 64) + ")", apply: func(d *defects) { d.limitFactor = factor }}
}

// TimestampWindow accepts a Timestamp only within d of the server's clock instead of 15 minutes.
func TimestampWindow(d time.Duration) Defect {
	return Defect{name: "TimestampWindow(" + d.String() + ")", apply: func(d2 *defects) { d2.timestampWindow = d }}
}

// The defects without parameters. Each changes exactly one behaviour.
var (
	// NoRequestID omits RequestId from every answer.
	NoRequestID = toggle("NoRequestID", func(d *defects) { d.noRequestID = true })
	// LowercaseRequestID sends RequestIds in lower case.
	LowercaseRequestID = toggle("LowercaseRequestID", func(d *defects) { d.lowercaseRequestID = true })
	// ReusedRequestID sends the same RequestId in every answer.
	ReusedRequestID = toggle("ReusedRequestID", func(d *defects) { d.reusedRequestID = true })
	// MessageOffTemplate answers errors with a Message that matches no template of the spec.
	MessageOffTemplate = toggle("MessageOffTemplate", func(d *defects) { d.messageOffTemplate = true })
	// JobIDNotEchoed answers a success with a JobId other than the one started.
	JobIDNotEchoed = toggle("JobIDNotEchoed", func(d *defects) { d.jobIDNotEchoed = true })
	// RunningJobRestartable lets a running job be started again (no OperationDenied).
	RunningJobRestartable = toggle("RunningJobRestartable", func(d *defects) { d.runningJobRestartable = true })
	// PermissionIgnored skips the RAM permission check (no Forbidden).
	PermissionIgnored = toggle("PermissionIgnored", func(d *defects) { d.permissionIgnored = true })
	// SignatureUnchecked accepts any signature (no SignatureDoesNotMatch).
	SignatureUnchecked = toggle("SignatureUnchecked", func(d *defects) { d.signatureUnchecked = true })
	// XMLIgnored answers JSON whatever the Format.
	XMLIgnored = toggle("XMLIgnored", func(d *defects) { d.xmlIgnored = true })
	// FormIgnored ignores the parameters of a POST form body.
	FormIgnored = toggle("FormIgnored", func(d *defects) { d.formIgnored = true })
	// WrongContentType sends application/json and application/xml without the charset the SDKs need.
	WrongContentType = toggle("WrongContentType", func(d *defects) { d.wrongContentType = true })
	// MissingParamUnnamed answers MissingParameter without naming the parameter.
	MissingParamUnnamed = toggle("MissingParamUnnamed", func(d *defects) { d.missingParamUnnamed = true })
	// TimestampUnchecked accepts any Timestamp (no InvalidTimeStamp.Expired).
	TimestampUnchecked = toggle("TimestampUnchecked", func(d *defects) { d.timestampUnchecked = true })
	// NonceUnchecked accepts a reused nonce (no SignatureNonceUsed).
	NonceUnchecked = toggle("NonceUnchecked", func(d *defects) { d.nonceUnchecked = true })
	// ActionUnchecked accepts any Action (no InvalidAction.NotFound).
	ActionUnchecked = toggle("ActionUnchecked", func(d *defects) { d.actionUnchecked = true })
	// VersionUnchecked accepts any Version (no InvalidVersion).
	VersionUnchecked = toggle("VersionUnchecked", func(d *defects) { d.versionUnchecked = true })
	// QuotaIgnored skips the quota check (no UserQuotaExceed).
	QuotaIgnored = toggle("QuotaIgnored", func(d *defects) { d.quotaIgnored = true })
	// TaskLimitIgnored skips the running-task limit (no UserTaskExceed).
	TaskLimitIgnored = toggle("TaskLimitIgnored", func(d *defects) { d.taskLimitIgnored = true })
	// FaultIgnored ignores the world's fault triggers (no InternalError).
	FaultIgnored = toggle("FaultIgnored", func(d *defects) { d.faultIgnored = true })

	// FormEncodingSigner verifies signatures over values encoded as an HTML form is (space as '+',
	// '*' kept, '~' encoded): calls whose values hold those characters fail SignatureDoesNotMatch.
	FormEncodingSigner = toggle("FormEncodingSigner", func(d *defects) { d.formEncodingSigner = true })
	// ServerErrorOnLongValue answers a parameter value over 1 KiB with a 500 HTML page.
	ServerErrorOnLongValue = toggle("ServerErrorOnLongValue", func(d *defects) { d.longValue5xx = true })
	// ServerErrorOnNonASCII answers a parameter value with a non-ASCII byte with a 500 HTML page.
	ServerErrorOnNonASCII = toggle("ServerErrorOnNonASCII", func(d *defects) { d.nonASCII5xx = true })
	// RegionIDRefused refuses any call that sends RegionId (400 InvalidParameter).
	RegionIDRefused = toggle("RegionIDRefused", func(d *defects) { d.regionIDRefused = true })
	// XMLByDefault answers XML when Format is left out.
	XMLByDefault = toggle("XMLByDefault", func(d *defects) { d.xmlByDefault = true })
	// InconsistentRefusal refuses a parameter the API does not have on every other call only (400
	// InvalidParameter): either answer alone is a correct choice, the two for one call are not.
	InconsistentRefusal = toggle("InconsistentRefusal", func(d *defects) { d.inconsistentRefusal = true })

	// NoLimit never throttles.
	NoLimit = toggle("NoLimit", func(d *defects) { d.noLimit = true })
	// GlobalLimit shares one limit among all accounts.
	GlobalLimit = toggle("GlobalLimit", func(d *defects) { d.globalLimit = true })
	// PerKeyLimit counts per AccessKey instead of per account.
	PerKeyLimit = toggle("PerKeyLimit", func(d *defects) { d.perKeyLimit = true })
	// NeverLifts keeps throttling an account for good once it was throttled.
	NeverLifts = toggle("NeverLifts", func(d *defects) { d.neverLifts = true })
	// ThrottleWrongCode throttles with Code ServiceUnavailable, which no SDK reads as throttling.
	ThrottleWrongCode = toggle("ThrottleWrongCode", func(d *defects) { d.throttleWrongCode = true })
	// ThrottleWrongStatus throttles with HTTP 429 instead of 400.
	ThrottleWrongStatus = toggle("ThrottleWrongStatus", func(d *defects) { d.throttleWrongStat = true })
	// RetryAfterTooLong tells a throttled caller to retry (x-acs-retry-after) a window later than a
	// call would pass: past the TimeLeft of its own rate-limit header.
	RetryAfterTooLong = toggle("RetryAfterTooLong", func(d *defects) { d.retryAfterTooLong = true })
	// StringToSignMisquoted tells a badly signed version 1 call a server string to sign without its
	// Timestamp: the older SDK would blame itself instead of the secret.
	StringToSignMisquoted = toggle("StringToSignMisquoted", func(d *defects) { d.stringToSignMisquoted = true })
)

// retryAfterOf is how long x-acs-retry-after says to wait when a call would pass after left.
func (d *defects) retryAfterOf(left, window time.Duration) time.Duration {
	if d.retryAfterTooLong {
		return left + window
	}
	return left
}

// Defects returns every defect without parameters plus a representative of each parameterised
// one, so a test can range over them all.
func Defects() []Defect {
	return append([]Defect{
		WrongStatus(specfacts.CodeJobNotFound), NoRequestID, LowercaseRequestID, ReusedRequestID, MessageOffTemplate,
		JobIDNotEchoed, RunningJobRestartable, PermissionIgnored, SignatureUnchecked, XMLIgnored,
		FormIgnored, WrongContentType, MissingParamUnnamed, TimestampUnchecked, NonceUnchecked,
		ActionUnchecked, VersionUnchecked, QuotaIgnored, TaskLimitIgnored, FaultIgnored,
		FormEncodingSigner, TimestampWindow(10 * time.Minute), ServerErrorOnLongValue, ServerErrorOnNonASCII,
		RegionIDRefused, XMLByDefault, InconsistentRefusal,
		NoLimit, LimitScaled(1.1), LimitScaled(0.9), GlobalLimit, PerKeyLimit, NeverLifts,
		ThrottleWrongCode, ThrottleWrongStatus, RetryAfterTooLong, StringToSignMisquoted,
	}, effectDefects()...)
}

func collectDefects(ds []Defect) (defects, error) {
	var d defects
	for _, x := range ds {
		if x.apply == nil {
			return d, fmt.Errorf("mock: zero Defect (use the package's defect values)")
		}
		x.apply(&d)
	}
	if d.timestampWindow < 0 {
		return d, fmt.Errorf("mock: TimestampWindow %v is negative", d.timestampWindow)
	}
	if d.limitFactor < 0 {
		return d, fmt.Errorf("mock: LimitScaled factor %g is negative", d.limitFactor)
	}
	return d, nil
}

// longValue is the length past which ServerErrorOnLongValue fails.
const longValue = 1 << 10

// crashesOn says whether a ServerErrorOn* defect fails on the parameters of in.
func (d *defects) crashesOn(in *wire.Incoming) bool {
	if !d.longValue5xx && !d.nonASCII5xx {
		return false
	}
	for _, vs := range in.Params() {
		for _, v := range vs {
			if d.longValue5xx && len(v) > longValue {
				return true
			}
			if d.nonASCII5xx {
				for i := 0; i < len(v); i++ {
					if v[i] >= 0x80 {
						return true
					}
				}
			}
		}
	}
	return false
}
