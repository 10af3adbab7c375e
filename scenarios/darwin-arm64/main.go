// Command otp prints time-based one-time passwords (RFC 6238 TOTP, RFC 4226
// HOTP) for a base32 secret, the codes an authenticator app shows. Built here
// for darwin/arm64 (Mach-O, Apple silicon).
package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base32"
	"encoding/binary"
	"flag"
	"fmt"
	"hash"
	"os"
	"strings"
	"time"
)

// hotp computes an RFC 4226 code for counter.
func hotp(key []byte, counter uint64, digits int, h func() hash.Hash) string {
	mac := hmac.New(h, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for i := 0; i < digits; i++ {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, code%mod)
}

func decodeSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(s))
	if pad := len(s) % 8; pad != 0 {
		s += strings.Repeat("=", 8-pad)
	}
	return base32.StdEncoding.DecodeString(s)
}

func main() {
	digits := flag.Int("digits", 6, "code length")
	period := flag.Duration("period", 30*time.Second, "TOTP time step")
	algo := flag.String("algo", "sha1", "HMAC hash: sha1, sha256 or sha512")
	counter := flag.Int64("counter", -1, "print the HOTP code for this counter instead")
	window := flag.Int("window", 0, "also print `N` codes before and after now")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: otp [flags] BASE32SECRET")
		os.Exit(2)
	}
	key, err := decodeSecret(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "otp: secret is not base32:", err)
		os.Exit(2)
	}
	var h func() hash.Hash
	switch *algo {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha512":
		h = sha512.New
	default:
		fmt.Fprintf(os.Stderr, "otp: unknown -algo %q\n", *algo)
		os.Exit(2)
	}
	if *counter >= 0 {
		fmt.Println(hotp(key, uint64(*counter), *digits, h))
		return
	}
	step := uint64(time.Now().Unix()) / uint64(period.Seconds())
	for d := -*window; d <= *window; d++ {
		mark := " "
		if d == 0 {
			mark = "*"
		}
		fmt.Printf("%s %s\n", mark, hotp(key, step+uint64(d), *digits, h))
	}
	left := *period - time.Duration(time.Now().Unix()%int64(period.Seconds()))*time.Second
	fmt.Printf("valid for %s\n", left)
}
