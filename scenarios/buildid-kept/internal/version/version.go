// Package version holds the build's identity, stamped by the linker with
// -X example.com/buildid-kept/internal/version.Date=... (see build.sh).
package version

// Date is the build time, or "unknown" when not stamped.
var Date = "unknown"

// String describes the build for --version.
func String() string { return "kvdump (built " + Date + ")" }
