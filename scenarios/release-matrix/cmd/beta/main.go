// Command beta sums its arguments.
package main

import (
	"fmt"
	"os"
	"strconv"

	"example.com/release-matrix/internal/greet"
)

func main() {
	sum := 0
	for _, a := range os.Args[1:] {
		n, err := strconv.Atoi(a)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		sum += n
	}
	fmt.Println(greet.Line("beta", strconv.Itoa(sum)))
}
