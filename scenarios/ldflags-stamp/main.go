// Command uptimefmt prints how long ago a Unix timestamp was ("3d 4h ago") and
// can report its own build time, which build.sh stamps in with
// -ldflags "-X main.buildTime=$(date +%s%N)": a classic reproducibility breaker.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Set by the linker: nanoseconds since the epoch when the binary was built.
var buildTime = "0"

func ago(d time.Duration) string {
	if d < 0 {
		return "in the future"
	}
	units := []struct {
		name string
		size time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}}
	var parts []string
	for _, u := range units {
		if d >= u.size {
			parts = append(parts, fmt.Sprintf("%d%s", d/u.size, u.name))
			d %= u.size
		}
		if len(parts) == 2 {
			break
		}
	}
	if len(parts) == 0 {
		return "just now"
	}
	return strings.Join(parts, " ") + " ago"
}

func built() time.Time {
	ns, err := strconv.ParseInt(buildTime, 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

func main() {
	showBuild := flag.Bool("build-time", false, "print when this binary was built")
	flag.Parse()
	now := time.Now()
	if *showBuild {
		b := built()
		fmt.Printf("built %s (%s)\n", b.Format(time.RFC3339), ago(now.Sub(b)))
		return
	}
	status := 0
	for _, arg := range flag.Args() {
		sec, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "uptimefmt: %q is not a Unix timestamp\n", arg)
			status = 1
			continue
		}
		fmt.Printf("%s  %s\n", arg, ago(now.Sub(time.Unix(sec, 0))))
	}
	os.Exit(status)
}
