// Command portcheck tells which TCP ports on a host accept connections,
// probing them concurrently with a timeout. It is shipped stripped
// (-ldflags="-s -w": no symbol table, no DWARF) to save space, which people
// often expect to remove build paths too. It does not: the pclntab that
// runtime stack traces need still lists every source file by its absolute
// path unless -trimpath is used.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// parsePorts accepts "22,80,8000-8010".
func parsePorts(spec string) ([]int, error) {
	seen := map[int]bool{}
	for _, part := range strings.Split(spec, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("bad port %q", part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("bad range %q", part)
			}
		}
		if a < 1 || b > 65535 {
			return nil, fmt.Errorf("port out of range in %q", part)
		}
		for p := a; p <= b; p++ {
			seen[p] = true
		}
	}
	ports := make([]int, 0, len(seen))
	for p := range seen {
		ports = append(ports, p)
	}
	sort.Ints(ports)
	return ports, nil
}

type result struct {
	port    int
	open    bool
	latency time.Duration
}

func probe(ctx context.Context, host string, ports []int, timeout time.Duration, parallel int) []result {
	results := make([]result, len(ports))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var d net.Dialer
	for i, p := range ports {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			start := time.Now()
			conn, err := d.DialContext(cctx, "tcp", net.JoinHostPort(host, strconv.Itoa(p)))
			results[i] = result{port: p, open: err == nil, latency: time.Since(start)}
			if conn != nil {
				conn.Close()
			}
		}()
	}
	wg.Wait()
	return results
}

func main() {
	portSpec := flag.String("p", "22,80,443", "ports to probe, e.g. 22,80,8000-8010")
	timeout := flag.Duration("timeout", 500*time.Millisecond, "per-port connect timeout")
	parallel := flag.Int("parallel", 64, "probes in flight at once")
	all := flag.Bool("all", false, "also list closed ports")
	flag.Parse()
	host := "127.0.0.1"
	if flag.NArg() > 0 {
		host = flag.Arg(0)
	}
	ports, err := parsePorts(*portSpec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "portcheck:", err)
		os.Exit(2)
	}
	open := 0
	for _, r := range probe(context.Background(), host, ports, *timeout, max(*parallel, 1)) {
		if r.open {
			open++
			fmt.Printf("%5d open    %s\n", r.port, r.latency.Round(time.Microsecond))
		} else if *all {
			fmt.Printf("%5d closed\n", r.port)
		}
	}
	fmt.Printf("%s: %d of %d ports open\n", host, open, len(ports))
}
