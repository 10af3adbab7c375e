// Command tally prints the most frequent words of its input.
package main

import (
	"flag"
	"fmt"
	"os"

	"example.com/tally/count"
)

func main() {
	top := flag.Int("n", 10, "how many words to print")
	flag.Parse()
	words, err := count.Words(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tally:", err)
		os.Exit(1)
	}
	for i, e := range words {
		if i == *top {
			break
		}
		fmt.Printf("%7d %s\n", e.N, e.Word)
	}
}
