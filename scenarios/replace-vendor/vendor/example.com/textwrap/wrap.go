// Package textwrap wraps and indents plain text to a column width.
package textwrap

import (
	"strings"
	"unicode/utf8"
)

// Wrap breaks s into lines of at most width runes, splitting at spaces.
// Words longer than width are kept whole on their own line.
func Wrap(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	var lines []string
	var cur strings.Builder
	n := 0
	for _, w := range strings.Fields(s) {
		wl := utf8.RuneCountInString(w)
		if n > 0 && n+1+wl > width {
			lines = append(lines, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte(' ')
			n++
		}
		cur.WriteString(w)
		n += wl
	}
	if n > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// Hanging wraps s to width and prefixes the first line with first and the
// following lines with as many spaces as first has runes.
func Hanging(s, first string, width int) string {
	pad := strings.Repeat(" ", utf8.RuneCountInString(first))
	lines := Wrap(s, width-utf8.RuneCountInString(first))
	for i := range lines {
		if i == 0 {
			lines[i] = first + lines[i]
		} else {
			lines[i] = pad + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
