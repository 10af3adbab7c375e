// Package ledger reads expense records from CSV: date,category,amount,note.
package ledger

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Entry is one expense. Amount is in cents to keep sums exact.
type Entry struct {
	Date     time.Time
	Category string
	Cents    int64
	Note     string
}

// Read parses CSV records; a header line starting with "date" is skipped.
func Read(r io.Reader) ([]Entry, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var out []Entry
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if line == 1 && strings.EqualFold(rec[0], "date") {
			continue
		}
		if len(rec) < 3 {
			return nil, fmt.Errorf("line %d: want date,category,amount[,note]", line)
		}
		d, err := time.Parse("2006-01-02", rec[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		cents, err := parseCents(rec[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		e := Entry{Date: d, Category: strings.ToLower(rec[1]), Cents: cents}
		if len(rec) > 3 {
			e.Note = rec[3]
		}
		out = append(out, e)
	}
}

func parseCents(s string) (int64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q: more than two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", s, err)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", s, err)
	}
	if strings.HasPrefix(whole, "-") {
		return w*100 - f, nil
	}
	return w*100 + f, nil
}
