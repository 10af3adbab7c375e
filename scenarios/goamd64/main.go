// Command dedupe prints the lines of its input that it has not seen before,
// remembering them in a Bloom filter instead of a map so that memory stays
// fixed however long the input is. The bit twiddling (bits.OnesCount64,
// rotations) and math.FMA compile to different instructions for
// GOAMD64=v1 and GOAMD64=v3 (POPCNT, BMI2, FMA), so the microarchitecture
// level is part of what must be pinned for a reproducible build.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"os"
)

type bloom struct {
	bits  []uint64
	k     int
	seeds [2]maphash.Seed
}

// newBloom sizes a filter for n items at false-positive rate p.
func newBloom(n int, p float64) *bloom {
	m := math.Ceil(-float64(n) * math.Log(p) / (math.Ln2 * math.Ln2))
	k := int(math.Round(math.FMA(m/float64(n), math.Ln2, 0)))
	words := (int(m) + 63) / 64
	return &bloom{bits: make([]uint64, max(words, 1)), k: max(k, 1), seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

func (b *bloom) positions(s string) (uint64, uint64) {
	return maphash.String(b.seeds[0], s), maphash.String(b.seeds[1], s) | 1
}

// addNew sets s's bits and reports whether any was unset before.
func (b *bloom) addNew(s string) bool {
	h1, h2 := b.positions(s)
	size := uint64(len(b.bits) * 64)
	fresh := false
	for i := 0; i < b.k; i++ {
		pos := (h1 + uint64(i)*bits.RotateLeft64(h2, i)) % size
		w, m := pos/64, uint64(1)<<(pos%64)
		if b.bits[w]&m == 0 {
			fresh = true
			b.bits[w] |= m
		}
	}
	return fresh
}

// fill is the fraction of bits set; the false-positive rate is about fill^k.
func (b *bloom) fill() float64 {
	set := 0
	for _, w := range b.bits {
		set += bits.OnesCount64(w)
	}
	return float64(set) / float64(len(b.bits)*64)
}

func main() {
	expect := flag.Int("n", 1_000_000, "expected number of distinct lines")
	rate := flag.Float64("p", 0.001, "acceptable false-positive rate")
	stats := flag.Bool("stats", false, "print filter statistics to stderr at the end")
	flag.Parse()
	if *expect < 1 || *rate <= 0 || *rate >= 1 {
		fmt.Fprintln(os.Stderr, "dedupe: need -n >= 1 and 0 < -p < 1")
		os.Exit(2)
	}
	f := newBloom(*expect, *rate)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var seen, kept int
	for in.Scan() {
		seen++
		if f.addNew(in.Text()) {
			kept++
			out.WriteString(in.Text())
			out.WriteByte('\n')
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "dedupe:", err)
		os.Exit(1)
	}
	if *stats {
		fill := f.fill()
		fmt.Fprintf(os.Stderr, "%d lines, %d kept; %d bits, k=%d, fill %.4f, est. false positives %.2g\n",
			seen, kept, len(f.bits)*64, f.k, fill, math.Pow(fill, float64(f.k)))
	}
}
