// Command wordfreq counts the words of its standard input and prints the
// most frequent ones. Its build goes through a -toolexec wrapper
// (perturb.sh) that slips one extra file with a fresh value into the
// compile of package main, behind the go command's back: the go command
// hashes the same inputs on both sides (the same action ID) and gets a
// different output, which is what a nondeterministic compiler, code
// generator or toolexec wrapper looks like from outside.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	top := flag.Int("n", 10, "how many words to print")
	flag.Parse()
	counts := map[string]int{}
	in := bufio.NewScanner(os.Stdin)
	in.Split(bufio.ScanWords)
	for in.Scan() {
		counts[strings.ToLower(strings.Trim(in.Text(), ".,;:!?\"'()"))]++
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		if w != "" {
			words = append(words, w)
		}
	}
	sort.Slice(words, func(i, j int) bool {
		if counts[words[i]] != counts[words[j]] {
			return counts[words[i]] > counts[words[j]]
		}
		return words[i] < words[j]
	})
	for i, w := range words {
		if i == *top {
			break
		}
		fmt.Printf("%6d %s\n", counts[w], w)
	}
}
