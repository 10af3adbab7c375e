// Command logtop reads web server access logs (common log format) and prints
// the busiest paths, the status code mix and the share of slow requests.
// Distributions ship binaries like this one as position-independent
// executables (-buildmode=pie) for ASLR.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
)

// 127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 0.042
var line = regexp.MustCompile(`^(\S+) \S+ \S+ \[([^\]]+)\] "(\w+) (\S+) [^"]*" (\d{3}) (\d+|-)(?: (\d+\.\d+))?`)

type stat struct {
	path  string
	hits  int
	bytes int64
}

func main() {
	top := flag.Int("n", 5, "show the `N` busiest paths")
	slow := flag.Float64("slow", 1.0, "requests slower than `SECONDS` count as slow")
	flag.Parse()

	paths := map[string]*stat{}
	codes := map[int]int{}
	var total, bad, slowCount int
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			bad++
			continue
		}
		total++
		code, _ := strconv.Atoi(m[5])
		codes[code]++
		s := paths[m[4]]
		if s == nil {
			s = &stat{path: m[4]}
			paths[m[4]] = s
		}
		s.hits++
		if n, err := strconv.ParseInt(m[6], 10, 64); err == nil {
			s.bytes += n
		}
		if m[7] != "" {
			if d, err := strconv.ParseFloat(m[7], 64); err == nil && d > *slow {
				slowCount++
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "logtop:", err)
		os.Exit(1)
	}

	list := make([]*stat, 0, len(paths))
	for _, s := range paths {
		list = append(list, s)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].hits != list[j].hits {
			return list[i].hits > list[j].hits
		}
		return list[i].path < list[j].path
	})
	if len(list) > *top {
		list = list[:*top]
	}
	fmt.Printf("%d requests, %d unparsed lines\n", total, bad)
	for _, s := range list {
		fmt.Printf("%7d %10d  %s\n", s.hits, s.bytes, s.path)
	}
	keys := make([]int, 0, len(codes))
	for c := range codes {
		keys = append(keys, c)
	}
	sort.Ints(keys)
	for _, c := range keys {
		fmt.Printf("status %d: %d\n", c, codes[c])
	}
	if total > 0 {
		fmt.Printf("slow (> %.2fs): %.1f%%\n", *slow, 100*float64(slowCount)/float64(total))
	}
}
