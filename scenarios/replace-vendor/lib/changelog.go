// Package lib parses a plain-text changelog ("## v1.2.3" headings followed by
// "- entry" lines) into releases and orders them by semantic version.
package lib

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Version is a parsed vMAJOR.MINOR.PATCH version.
type Version struct{ Major, Minor, Patch int }

func (v Version) String() string { return fmt.Sprintf("v%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Less orders versions numerically.
func (v Version) Less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor < w.Minor
	}
	return v.Patch < w.Patch
}

// ParseVersion parses "v1.2.3" or "1.2.3".
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".")
	if len(parts) != 3 {
		return Version{}, fmt.Errorf("version %q: want MAJOR.MINOR.PATCH", s)
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return Version{}, fmt.Errorf("version %q: bad number %q", s, p)
		}
		n[i] = x
	}
	return Version{n[0], n[1], n[2]}, nil
}

// Release is one version and its entries.
type Release struct {
	Version Version
	Entries []string
}

// Parse reads a changelog and returns its releases, newest first.
func Parse(r io.Reader) ([]Release, error) {
	var out []Release
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "## "):
			v, err := ParseVersion(line[3:])
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			out = append(out, Release{Version: v})
		case strings.HasPrefix(line, "- "):
			if len(out) == 0 {
				return nil, fmt.Errorf("line %d: entry before the first version heading", n)
			}
			cur := &out[len(out)-1]
			cur.Entries = append(cur.Entries, line[2:])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[j].Version.Less(out[i].Version) })
	return out, nil
}
