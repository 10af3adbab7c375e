// The base program of twinbuild's tamper suite (tests/tamper.rs). Each
// attack in the suite is a small text substitution in this file or in
// lib/lib.go; every function an attack edits is //go:noinline so the change
// survives into the binary under its own symbol. Only the runtime and lib
// are imported, to keep cold builds of four targets cheap.
package main

import "example.com/tamper/lib"

// version is stamped with -X main.version=... in the ldflags-x cases.
var version = "dev"

// limit is a package-level initial value (attack "global").
var limit = 4096

// primes is a package-level table (attack "table").
var primes = [8]int32{2, 3, 5, 7, 11, 13, 17, 19}

// cursor points into primes (attack "ptroffset" moves it to the next
// element).
var cursor = &primes[1]

// magic is an integer, in pointer-free data; attack "lookalike" sets it to
// values that look like corresponding addresses (tests/tamper.rs sets it on
// both sides; 1 is replaced).
var magic uint64 = 1

// secret returns an immediate; attack "lookalike-code" sets it to values
// that look like corresponding addresses (tests/tamper.rs replaces the 1 on
// both sides). A literal, not a named constant, so DWARF does not record it.
//
//go:noinline
func secret() uint64 {
	return 1 // magicCode
}

// ops is a table of function values (attack "functable" swaps two entries).
var ops = [4]func(int) int{inc, dec, dbl, neg}

//go:noinline
func inc(x int) int { return x + 1 }

//go:noinline
func dec(x int) int { return x - 1 }

//go:noinline
func dbl(x int) int { return x * 2 }

//go:noinline
func neg(x int) int { return -x }

// threshold: attack "const" changes the immediate, same size.
//
//go:noinline
func threshold() int {
	return 1000
}

// greeting: attack "string" changes one letter of the literal.
//
//go:noinline
func greeting() string {
	return "hello, reproducible world"
}

// checksum: attack "grew" adds a backdoor branch, so the function grows.
//
//go:noinline
func checksum(b string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(b); i++ {
		h ^= uint32(b[i])
		h *= 16777619
	}
	return h
}

// isAdmin: attack "branch" flips < into <=.
//
//go:noinline
func isAdmin(uid int) bool {
	return uid < 1000
}

//go:noinline
func permit(n int) bool { return n > 0 }

//go:noinline
func refuse(n int) bool { return n < 0 }

// authorize: attack "redirect" calls refuse instead of permit (same signature).
//
//go:noinline
func authorize(n int) bool {
	return permit(n)
}

// healthy and maint are package-level strings of the same length; attack
// "refswap" makes motd load the other one: the data is the same on both
// sides, only the reference in the code differs.
var healthy = "service is up and healthy"
var maint = "service in maintenance!!!"

//go:noinline
func motd() string {
	return healthy
}

//go:noinline
func banner() string {
	return maint
}

// status and alert: attack "strswap" swaps their two same-length literals.
// The linker places string data in order of first use, so the two strings'
// bytes trade places while the code stays the same.
//
//go:noinline
func status() string {
	return "state: nominal"
}

//go:noinline
func alert() string {
	return "state: failing"
}

// ratio: attack "float" changes the constant (neither value is an arm64 FMOV
// immediate, so both sides load it from the constant pool).
//
//go:noinline
func ratio() float64 {
	return 3.14159
}

// classify: a dense switch the compiler turns into a jump table; attack
// "jumptable" moves value 4 from the second body to the first, so one entry
// of the table changes and the code stays the same.
//
//go:noinline
func classify(n int) int {
	switch n {
	case 0:
		return 11
	case 1:
		return 23
	case 2:
		return 37
	case 3:
		return 41
	case 4, 5:
		return 53
	case 6:
		return 71
	case 7:
		return 89
	case 8:
		return 97
	case 9:
		return 101
	}
	return -1
}

// fee is inlined into price: attack "inlined" changes it, and the change
// shows up in price's code, not under fee's name.
func fee() int { return 250 }

//go:noinline
func price(n int) int {
	return n*3 + fee()
}

func main() {
	println("version", version)
	println(threshold(), greeting(), checksum("payload"), isAdmin(999))
	println(authorize(1), motd(), banner(), status(), alert())
	println(ratio(), classify(limit%10))
	println(limit, primes[limit%8], ops[limit%4](limit), price(limit))
	println(lib.Quota("alice"))
	// Keep both sides of the redirect and refswap attacks referenced, so the
	// attacks change a reference and nothing else.
	println(permit(2), refuse(-2), healthy, maint)
	println(*cursor, magic == uint64(len(version)), secret())
}
