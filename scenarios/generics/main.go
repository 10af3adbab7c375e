// Command leaderboard ranks players read from stdin ("name score" per line)
// using generic containers: an ordered map, a priority queue and iterator helpers.
package main

import (
	"bufio"
	"cmp"
	"fmt"
	"iter"
	"os"
	"strconv"
	"strings"
)

// Number is any type the statistics helpers can sum and compare.
type Number interface {
	~int | ~int32 | ~int64 | ~float32 | ~float64
}

// Heap is a binary min-heap ordered by less.
type Heap[T any] struct {
	items []T
	less  func(a, b T) bool
}

func NewHeap[T any](less func(a, b T) bool) *Heap[T] { return &Heap[T]{less: less} }

func (h *Heap[T]) Len() int { return len(h.items) }

func (h *Heap[T]) Push(v T) {
	h.items = append(h.items, v)
	i := len(h.items) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.items[i], h.items[p]) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *Heap[T]) Pop() (T, bool) {
	var zero T
	if len(h.items) == 0 {
		return zero, false
	}
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h.items) && h.less(h.items[l], h.items[m]) {
			m = l
		}
		if r < len(h.items) && h.less(h.items[r], h.items[m]) {
			m = r
		}
		if m == i {
			break
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
	return top, true
}

// OrderedMap keeps insertion order and iterates it with range-over-func.
type OrderedMap[K comparable, V any] struct {
	keys []K
	vals map[K]V
}

func NewOrderedMap[K comparable, V any]() *OrderedMap[K, V] {
	return &OrderedMap[K, V]{vals: make(map[K]V)}
}

func (m *OrderedMap[K, V]) Update(k K, f func(old V, ok bool) V) {
	old, ok := m.vals[k]
	if !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = f(old, ok)
}

func (m *OrderedMap[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		for _, k := range m.keys {
			if !yield(k, m.vals[k]) {
				return
			}
		}
	}
}

func Map[T, U any](seq iter.Seq[T], f func(T) U) iter.Seq[U] {
	return func(yield func(U) bool) {
		for v := range seq {
			if !yield(f(v)) {
				return
			}
		}
	}
}

func Filter[T any](seq iter.Seq[T], keep func(T) bool) iter.Seq[T] {
	return func(yield func(T) bool) {
		for v := range seq {
			if keep(v) && !yield(v) {
				return
			}
		}
	}
}

func Values[K, V any](seq iter.Seq2[K, V]) iter.Seq[V] {
	return func(yield func(V) bool) {
		for _, v := range seq {
			if !yield(v) {
				return
			}
		}
	}
}

func Sum[T Number](seq iter.Seq[T]) (total T) {
	for v := range seq {
		total += v
	}
	return total
}

func MaxBy[T any, K cmp.Ordered](seq iter.Seq[T], key func(T) K) (best T, ok bool) {
	for v := range seq {
		if !ok || key(v) > key(best) {
			best, ok = v, true
		}
	}
	return best, ok
}

// TopN keeps the n largest values by key with a min-heap of size n.
func TopN[T any, K cmp.Ordered](seq iter.Seq[T], n int, key func(T) K) []T {
	h := NewHeap(func(a, b T) bool { return key(a) < key(b) })
	for v := range seq {
		h.Push(v)
		if h.Len() > n {
			h.Pop()
		}
	}
	out := make([]T, h.Len())
	for i := len(out) - 1; i >= 0; i-- {
		out[i], _ = h.Pop()
	}
	return out
}

type Points float64

type player struct {
	Name   string
	Total  Points
	Rounds int
}

func main() {
	board := NewOrderedMap[string, player]()
	sc := bufio.NewScanner(os.Stdin)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		score, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "line %d: %v\n", line, err)
			continue
		}
		board.Update(fields[0], func(p player, ok bool) player {
			p.Name = fields[0]
			p.Total += Points(score)
			p.Rounds++
			return p
		})
	}
	players := Values(board.All())
	fmt.Printf("points awarded: %.1f\n", Sum(Map(players, func(p player) Points { return p.Total })))
	regulars := Filter(players, func(p player) bool { return p.Rounds >= 2 })
	if best, ok := MaxBy(regulars, func(p player) float64 { return float64(p.Total) / float64(p.Rounds) }); ok {
		fmt.Printf("best average (2+ rounds): %s\n", best.Name)
	}
	for i, p := range TopN(players, 3, func(p player) Points { return p.Total }) {
		fmt.Printf("%d. %-12s %8.1f (%d rounds)\n", i+1, p.Name, p.Total, p.Rounds)
	}
}
