// Package greet is shared by the commands: it compiles once per side per target.
package greet

import (
	"fmt"
	"strings"
)

// Line greets who, in the style of tool.
func Line(tool, who string) string {
	return fmt.Sprintf("%s: hello, %s", tool, strings.ToUpper(who))
}
