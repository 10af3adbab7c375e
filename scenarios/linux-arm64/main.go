// Command sumcheck computes SHA-256 sums of files in parallel and, with -c,
// checks them against a list in sha256sum(1) format. Built here for
// linux/arm64, as for a Raspberry Pi or an ARM server.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
)

type result struct {
	name string
	sum  string
	err  error
}

func hashFile(name string) result {
	f, err := os.Open(name)
	if err != nil {
		return result{name: name, err: err}
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return result{name: name, err: err}
	}
	return result{name: name, sum: hex.EncodeToString(h.Sum(nil))}
}

// hashAll hashes names with a bounded worker pool and keeps the input order.
func hashAll(names []string, workers int) []result {
	out := make([]result, len(names))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i] = hashFile(names[i])
			}
		}()
	}
	for i := range names {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out
}

func check(list string, workers int) (failed int, err error) {
	f, err := os.Open(list)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	want := map[string]string{}
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			continue
		}
		want[name] = strings.ToLower(sum)
		names = append(names, name)
	}
	for _, r := range hashAll(names, workers) {
		switch {
		case r.err != nil:
			fmt.Printf("%s: FAILED open or read\n", r.name)
			failed++
		case r.sum != want[r.name]:
			fmt.Printf("%s: FAILED\n", r.name)
			failed++
		default:
			fmt.Printf("%s: OK\n", r.name)
		}
	}
	return failed, sc.Err()
}

func main() {
	checkList := flag.String("c", "", "read sums from `FILE` and check them")
	workers := flag.Int("j", runtime.NumCPU(), "hash `N` files at a time")
	flag.Parse()
	if *workers < 1 {
		*workers = 1
	}
	if *checkList != "" {
		failed, err := check(*checkList, *workers)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sumcheck:", err)
			os.Exit(2)
		}
		if failed > 0 {
			fmt.Fprintf(os.Stderr, "sumcheck: WARNING: %d computed checksum(s) did NOT match\n", failed)
			os.Exit(1)
		}
		return
	}
	status := 0
	for _, r := range hashAll(flag.Args(), *workers) {
		if r.err != nil {
			fmt.Fprintln(os.Stderr, "sumcheck:", r.err)
			status = 1
			continue
		}
		fmt.Printf("%s  %s\n", r.sum, r.name)
	}
	os.Exit(status)
}
