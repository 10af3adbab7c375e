// Package count tallies words.
package count

import (
	"bufio"
	"io"
	"sort"
	"strings"
	"unicode"
)

// Entry is one word and how often it was seen.
type Entry struct {
	Word string
	N    int
}

// Words reads r and returns its words by falling frequency, then by word.
func Words(r io.Reader) ([]Entry, error) {
	seen := map[string]int{}
	s := bufio.NewScanner(r)
	s.Split(bufio.ScanWords)
	for s.Scan() {
		w := strings.ToLower(strings.TrimFunc(s.Text(), func(c rune) bool {
			return !unicode.IsLetter(c) && !unicode.IsDigit(c)
		}))
		if w != "" {
			seen[w]++
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(seen))
	for w, n := range seen {
		out = append(out, Entry{w, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Word < out[j].Word
	})
	return out, nil
}
