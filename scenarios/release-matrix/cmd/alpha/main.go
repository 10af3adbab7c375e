// Command alpha prints a greeting.
package main

import (
	"fmt"
	"os"

	"example.com/release-matrix/internal/greet"
)

func main() {
	who := "world"
	if len(os.Args) > 1 {
		who = os.Args[1]
	}
	fmt.Println(greet.Line("alpha", who))
}
