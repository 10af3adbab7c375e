// Command notes appends timestamped notes to a file and lists or greps them.
// Its -version flag reports the commit it was built from, which the go command
// stamps into the binary's buildinfo (vcs.revision, vcs.time, vcs.modified)
// when building inside a git checkout, and leaves out when building a plain copy
// of the same source (a release tarball).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"
)

func versionString() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "notes (no build info)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	rev := settings["vcs.revision"]
	if rev == "" {
		return fmt.Sprintf("notes %s, built from a source tree without VCS information", info.GoVersion)
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	dirty := ""
	if settings["vcs.modified"] == "true" {
		dirty = "+dirty"
	}
	return fmt.Sprintf("notes %s, commit %s%s (%s)", info.GoVersion, rev, dirty, settings["vcs.time"])
}

func notesFile() string {
	if p := os.Getenv("NOTES_FILE"); p != "" {
		return p
	}
	dir, err := os.UserHomeDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, ".notes")
}

func add(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(f, "%s\t%s\n", time.Now().Format(time.RFC3339), text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func list(path, grep string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		when, text, _ := strings.Cut(sc.Text(), "\t")
		if grep != "" && !strings.Contains(strings.ToLower(text), strings.ToLower(grep)) {
			continue
		}
		if t, err := time.Parse(time.RFC3339, when); err == nil {
			when = t.Format("2006-01-02 15:04")
		}
		fmt.Printf("%s  %s\n", when, text)
	}
	return sc.Err()
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and the commit built from")
	grep := flag.String("grep", "", "list only notes containing `TEXT`")
	flag.Parse()
	if *showVersion {
		fmt.Println(versionString())
		return
	}
	path := notesFile()
	var err error
	if flag.NArg() > 0 {
		err = add(path, strings.Join(flag.Args(), " "))
	} else {
		err = list(path, *grep)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "notes:", err)
		os.Exit(1)
	}
}
