// Package render prints monthly buckets as an aligned text table or as CSV.
package render

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"example.com/multipkg/internal/stats"
)

// Money formats cents as a decimal amount.
func Money(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// Table writes an aligned table with a grand total.
func Table(w io.Writer, buckets []stats.Bucket, total int64) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "month\tcategory\tentries\tamount\t")
	for _, b := range buckets {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t\n", b.Month, b.Category, b.Count, Money(b.Cents))
	}
	fmt.Fprintf(tw, "\t\ttotal\t%s\t\n", Money(total))
	return tw.Flush()
}

// CSV writes the buckets as CSV with a header.
func CSV(w io.Writer, buckets []stats.Bucket) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"month", "category", "entries", "amount"})
	for _, b := range buckets {
		cw.Write([]string{b.Month, b.Category, strconv.Itoa(b.Count), Money(b.Cents)})
	}
	cw.Flush()
	return cw.Error()
}
