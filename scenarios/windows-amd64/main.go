// Command dusum reports which directories use the most disk space, like a
// tiny du(1) -d 1 | sort -h. Built here for windows/amd64 (a PE .exe).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

type usage struct {
	dir   string
	bytes int64
	files int
}

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%c", float64(n)/float64(div), "KMGTPE"[exp])
}

// scan totals the files below root per first-level directory.
func scan(root string, hidden bool) (map[string]*usage, []error) {
	per := map[string]*usage{}
	var errs []error
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !hidden && path != root && len(d.Name()) > 1 && d.Name()[0] == '.' {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		top := "."
		if first, _, ok := cut(rel); ok {
			top = first
		}
		u := per[top]
		if u == nil {
			u = &usage{dir: top}
			per[top] = u
		}
		u.bytes += info.Size()
		u.files++
		return nil
	})
	if err != nil && !errors.Is(err, fs.SkipAll) {
		errs = append(errs, err)
	}
	return per, errs
}

// cut splits a relative path at its first separator.
func cut(rel string) (string, string, bool) {
	for i := 0; i < len(rel); i++ {
		if os.IsPathSeparator(rel[i]) {
			return rel[:i], rel[i+1:], true
		}
	}
	return rel, "", false
}

func main() {
	top := flag.Int("n", 10, "show the `N` largest directories")
	hidden := flag.Bool("a", false, "include hidden files and directories")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	per, errs := scan(root, *hidden)
	for _, err := range errs {
		fmt.Fprintln(os.Stderr, "dusum:", err)
	}
	list := make([]*usage, 0, len(per))
	var total int64
	for _, u := range per {
		list = append(list, u)
		total += u.bytes
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].bytes != list[j].bytes {
			return list[i].bytes > list[j].bytes
		}
		return list[i].dir < list[j].dir
	})
	if len(list) > *top {
		list = list[:*top]
	}
	for _, u := range list {
		fmt.Printf("%8s %7d  %s\n", human(u.bytes), u.files, filepath.Join(root, u.dir))
	}
	fmt.Printf("%8s          total\n", human(total))
	if len(errs) > 0 {
		os.Exit(1)
	}
}
