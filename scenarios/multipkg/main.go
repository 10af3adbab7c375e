// Command spend summarises an expenses CSV by month and category. The work is
// split over internal packages: ledger (parsing), stats (grouping) and render.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"example.com/multipkg/internal/ledger"
	"example.com/multipkg/internal/render"
	"example.com/multipkg/internal/stats"
)

func main() {
	asCSV := flag.Bool("csv", false, "write CSV instead of a table")
	category := flag.String("category", "", "only this category")
	flag.Parse()

	var in io.Reader = os.Stdin
	if flag.NArg() == 1 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	entries, err := ledger.Read(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spend:", err)
		os.Exit(1)
	}
	if *category != "" {
		kept := entries[:0]
		for _, e := range entries {
			if e.Category == *category {
				kept = append(kept, e)
			}
		}
		entries = kept
	}
	buckets := stats.ByMonth(entries)
	if *asCSV {
		err = render.CSV(os.Stdout, buckets)
	} else {
		err = render.Table(os.Stdout, buckets, stats.Total(entries))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "spend:", err)
		os.Exit(1)
	}
}
