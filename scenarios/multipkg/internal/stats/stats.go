// Package stats groups ledger entries by month and category.
package stats

import (
	"sort"

	"example.com/multipkg/internal/ledger"
)

// Bucket is the total for one month and category.
type Bucket struct {
	Month    string // "2024-03"
	Category string
	Cents    int64
	Count    int
}

// ByMonth totals entries per month and category, sorted by month then total.
func ByMonth(entries []ledger.Entry) []Bucket {
	type key struct{ month, cat string }
	idx := map[key]*Bucket{}
	for _, e := range entries {
		k := key{e.Date.Format("2006-01"), e.Category}
		b, ok := idx[k]
		if !ok {
			b = &Bucket{Month: k.month, Category: k.cat}
			idx[k] = b
		}
		b.Cents += e.Cents
		b.Count++
	}
	out := make([]Bucket, 0, len(idx))
	for _, b := range idx {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		if out[i].Cents != out[j].Cents {
			return out[i].Cents > out[j].Cents
		}
		return out[i].Category < out[j].Category
	})
	return out
}

// Total sums all entries.
func Total(entries []ledger.Entry) int64 {
	var t int64
	for _, e := range entries {
		t += e.Cents
	}
	return t
}
