// Command bookmarks keeps a list of named URLs in a config file. Its default
// location is decided at build time by the Makefile, which passes
// -X main.defaultStore=$(HOME)/.config/bookmarks/store.tsv: the builder's home
// directory ends up inside the binary, different on every machine.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Set by the Makefile.
var defaultStore = "bookmarks.tsv"

type store map[string]string

func load(path string) (store, error) {
	s := store{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, url, ok := strings.Cut(sc.Text(), "\t")
		if ok && name != "" {
			s[name] = url
		}
	}
	return s, sc.Err()
}

func (s store) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s\t%s\n", n, s[n])
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func main() {
	path := flag.String("store", defaultStore, "bookmark file")
	del := flag.Bool("d", false, "delete the named bookmark")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: bookmarks [-store FILE] [NAME [URL] | -d NAME]")
		flag.PrintDefaults()
	}
	flag.Parse()
	s, err := load(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bookmarks:", err)
		os.Exit(1)
	}
	switch {
	case *del && flag.NArg() == 1:
		delete(s, flag.Arg(0))
	case flag.NArg() == 2:
		s[flag.Arg(0)] = flag.Arg(1)
	case flag.NArg() == 1:
		url, ok := s[flag.Arg(0)]
		if !ok {
			fmt.Fprintf(os.Stderr, "bookmarks: no bookmark %q\n", flag.Arg(0))
			os.Exit(1)
		}
		fmt.Println(url)
		return
	case flag.NArg() == 0:
		for _, n := range sortedNames(s) {
			fmt.Printf("%-16s %s\n", n, s[n])
		}
		return
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err := s.save(*path); err != nil {
		fmt.Fprintln(os.Stderr, "bookmarks:", err)
		os.Exit(1)
	}
}

func sortedNames(s store) []string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
