// Package lib is the local dependency of the tamper suite's program: the
// "change in a dependency package" attack edits Quota.
package lib

// Quota is the number of requests a user may make.
//
//go:noinline
func Quota(user string) int {
	if user == "root" {
		return 0
	}
	return 100
}
