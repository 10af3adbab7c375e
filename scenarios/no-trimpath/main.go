// Command retry runs a command until it succeeds, waiting longer after each
// failure (exponential backoff with jitter), up to a number of attempts or a
// deadline. Built without -trimpath, its binary records the absolute source
// directory in the pclntab file table and DWARF, so two checkouts in different
// places give different bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"time"
)

type policy struct {
	attempts int
	base     time.Duration
	max      time.Duration
	jitter   float64
}

// delay returns the wait before attempt n (1-based), capped at p.max.
func (p policy) delay(n int) time.Duration {
	d := p.base << (n - 1)
	if d <= 0 || d > p.max {
		d = p.max
	}
	if p.jitter > 0 {
		spread := float64(d) * p.jitter
		d += time.Duration((rand.Float64()*2 - 1) * spread)
	}
	return max(d, 0)
}

func run(ctx context.Context, p policy, argv []string) error {
	var last error
	for n := 1; n <= p.attempts; n++ {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		last = cmd.Run()
		if last == nil {
			return nil
		}
		var exitErr *exec.ExitError
		if !errors.As(last, &exitErr) {
			return last // not runnable at all: retrying will not help
		}
		if n == p.attempts {
			break
		}
		wait := p.delay(n)
		fmt.Fprintf(os.Stderr, "retry: attempt %d/%d failed (%v); next in %s\n", n, p.attempts, last, wait.Round(time.Millisecond))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", p.attempts, last)
}

func main() {
	var p policy
	flag.IntVar(&p.attempts, "n", 5, "maximum number of attempts")
	flag.DurationVar(&p.base, "base", 500*time.Millisecond, "wait after the first failure")
	flag.DurationVar(&p.max, "max", 30*time.Second, "longest wait between attempts")
	flag.Float64Var(&p.jitter, "jitter", 0.2, "random spread of each wait, as a fraction")
	timeout := flag.Duration("timeout", 0, "give up after this long (0 = never)")
	flag.Parse()
	if flag.NArg() == 0 || p.attempts < 1 {
		fmt.Fprintln(os.Stderr, "usage: retry [flags] command [args...]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	if err := run(ctx, p, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "retry:", err)
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			os.Exit(exitErr.ExitCode())
		}
		os.Exit(1)
	}
}
