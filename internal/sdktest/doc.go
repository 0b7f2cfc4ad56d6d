// Package sdktest proves edgeconform's wire protocol and reference implementation against the
// official Alibaba Cloud SDKs. It is a module of its own so that users of the harness never
// download the SDKs.
package sdktest
