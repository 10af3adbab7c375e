// Command wc-lite counts lines, words and bytes of its inputs, like a small wc(1),
// with flags to choose the counters and an optional JSON output.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode"
)

type counts struct {
	Name  string `json:"name"`
	Lines int    `json:"lines"`
	Words int    `json:"words"`
	Bytes int    `json:"bytes"`
	Top   []word `json:"top,omitempty"`
}

type word struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

type options struct {
	lines, words, bytes bool
	top                 int
	jsonOut             bool
	ignoreCase          bool
}

func main() {
	var opt options
	flag.BoolVar(&opt.lines, "l", false, "print line counts")
	flag.BoolVar(&opt.words, "w", false, "print word counts")
	flag.BoolVar(&opt.bytes, "c", false, "print byte counts")
	flag.IntVar(&opt.top, "top", 0, "also list the `N` most frequent words")
	flag.BoolVar(&opt.jsonOut, "json", false, "write JSON instead of columns")
	flag.BoolVar(&opt.ignoreCase, "i", false, "fold case when ranking words")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [flags] [file ...]\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if !opt.lines && !opt.words && !opt.bytes {
		opt.lines, opt.words, opt.bytes = true, true, true
	}
	if opt.top < 0 {
		fmt.Fprintln(os.Stderr, "wc-lite: -top must not be negative")
		os.Exit(2)
	}

	var results []counts
	names := flag.Args()
	if len(names) == 0 {
		c, err := count("-", os.Stdin, opt)
		if err != nil {
			fail(err)
		}
		results = append(results, c)
	}
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			fail(err)
		}
		c, err := count(name, f, opt)
		f.Close()
		if err != nil {
			fail(err)
		}
		results = append(results, c)
	}
	if len(results) > 1 {
		results = append(results, total(results))
	}
	if err := write(os.Stdout, results, opt); err != nil {
		fail(err)
	}
}

func count(name string, r io.Reader, opt options) (counts, error) {
	c := counts{Name: name}
	freq := map[string]int{}
	br := bufio.NewReader(r)
	inWord := false
	var cur strings.Builder
	for {
		ch, size, err := br.ReadRune()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return c, fmt.Errorf("%s: %w", name, err)
		}
		c.Bytes += size
		if ch == '\n' {
			c.Lines++
		}
		if unicode.IsSpace(ch) {
			if inWord {
				c.Words++
				freq[key(cur.String(), opt.ignoreCase)]++
				cur.Reset()
			}
			inWord = false
			continue
		}
		inWord = true
		cur.WriteRune(ch)
	}
	if inWord {
		c.Words++
		freq[key(cur.String(), opt.ignoreCase)]++
	}
	if opt.top > 0 {
		c.Top = topWords(freq, opt.top)
	}
	return c, nil
}

func key(w string, fold bool) string {
	w = strings.TrimFunc(w, unicode.IsPunct)
	if fold {
		return strings.ToLower(w)
	}
	return w
}

func topWords(freq map[string]int, n int) []word {
	ws := make([]word, 0, len(freq))
	for t, c := range freq {
		if t != "" {
			ws = append(ws, word{t, c})
		}
	}
	sort.Slice(ws, func(i, j int) bool {
		if ws[i].Count != ws[j].Count {
			return ws[i].Count > ws[j].Count
		}
		return ws[i].Text < ws[j].Text
	})
	if len(ws) > n {
		ws = ws[:n]
	}
	return ws
}

func total(rs []counts) counts {
	t := counts{Name: "total"}
	for _, r := range rs {
		t.Lines += r.Lines
		t.Words += r.Words
		t.Bytes += r.Bytes
	}
	return t
}

func write(w io.Writer, rs []counts, opt options) error {
	if opt.jsonOut {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rs)
	}
	bw := bufio.NewWriter(w)
	for _, r := range rs {
		if opt.lines {
			fmt.Fprintf(bw, "%8d", r.Lines)
		}
		if opt.words {
			fmt.Fprintf(bw, "%8d", r.Words)
		}
		if opt.bytes {
			fmt.Fprintf(bw, "%8d", r.Bytes)
		}
		fmt.Fprintf(bw, " %s\n", r.Name)
		for _, t := range r.Top {
			fmt.Fprintf(bw, "%16d %s\n", t.Count, t.Text)
		}
	}
	return bw.Flush()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "wc-lite:", err)
	os.Exit(1)
}
