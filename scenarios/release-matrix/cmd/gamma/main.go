// Command gamma encodes its arguments as JSON.
package main

import (
	"encoding/json"
	"os"

	"example.com/release-matrix/internal/greet"
)

func main() {
	out := map[string]string{"greeting": greet.Line("gamma", "json")}
	for i, a := range os.Args[1:] {
		out["arg"+string(rune('0'+i%10))] = a
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}
