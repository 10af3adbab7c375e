// Command kvdump pretty-prints key=value configuration files (the format of
// /etc/os-release and .env files): sorted, unquoted, secrets masked.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"example.com/buildid-kept/internal/version"
)

var secretWords = []string{"password", "secret", "token", "key"}

func parse(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	kv := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: no '=' in %q", path, n, line)
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
		}
		kv[strings.TrimSpace(k)] = v
	}
	return kv, sc.Err()
}

func mask(k, v string) string {
	lk := strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(lk, w) && v != "" {
			return strings.Repeat("*", min(len(v), 8))
		}
	}
	return v
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	reveal := flag.Bool("reveal", false, "do not mask secret-looking values")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.String())
		return
	}
	status := 0
	for _, path := range flag.Args() {
		kv, err := parse(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kvdump:", err)
			status = 1
			continue
		}
		keys := make([]string, 0, len(kv))
		width := 0
		for k := range kv {
			keys = append(keys, k)
			width = max(width, len(k))
		}
		sort.Strings(keys)
		fmt.Printf("# %s\n", path)
		for _, k := range keys {
			v := kv[k]
			if !*reveal {
				v = mask(k, v)
			}
			fmt.Printf("%-*s  %s\n", width, k, v)
		}
	}
	os.Exit(status)
}
