// Command relnotes prints the newest releases of a changelog, wrapped for a
// terminal. The changelog parser comes from a local module (replace directive)
// and the text wrapping from a vendored private module.
package main

import (
	"flag"
	"fmt"
	"os"

	"example.com/lib"
	"example.com/textwrap"
)

func main() {
	width := flag.Int("width", 72, "wrap at `N` columns")
	last := flag.Int("n", 3, "show the newest `N` releases")
	since := flag.String("since", "", "only releases newer than this `version`")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: relnotes [flags] CHANGELOG")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	releases, err := lib.Parse(f)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	var floor *lib.Version
	if *since != "" {
		v, err := lib.ParseVersion(*since)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		floor = &v
	}
	for i, r := range releases {
		if i == *last || (floor != nil && !floor.Less(r.Version)) {
			break
		}
		fmt.Println(r.Version)
		for _, e := range r.Entries {
			fmt.Println(textwrap.Hanging(e, "  * ", *width))
		}
		fmt.Println()
	}
}
