package quadstore

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
)

// Positions of a quad's components, as in [4]ID{s, p, o, g}.
const (
	posS = iota
	posP
	posO
	posG
)

// key is one quad with its components permuted into an index's order,
// packed as two 64-bit words so that comparing keys is two integer
// comparisons: hi = c0<<32 | c1, lo = c2<<32 | c3.
type key struct{ hi, lo uint64 }

func cmpKey(a, b key) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a key) less(b key) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

// order is one of the six index orders. Together they give every pattern of
// bound and unbound positions a prefix scan.
type order uint8

const (
	orderSPOG order = iota
	orderPOSG
	orderOSPG
	orderGSPO
	orderGPOS
	orderGOSP
	numOrders
)

// orderPerm[o][i] is the quad position stored as component i of a key in o.
var orderPerm = [numOrders][4]uint8{
	orderSPOG: {posS, posP, posO, posG},
	orderPOSG: {posP, posO, posS, posG},
	orderOSPG: {posO, posS, posP, posG},
	orderGSPO: {posG, posS, posP, posO},
	orderGPOS: {posG, posP, posO, posS},
	orderGOSP: {posG, posO, posS, posP},
}

// orderFor maps a bound-position mask (bit i set when position i is bound)
// to an order whose leading components are exactly the bound positions.
var orderFor = func() (t [16]order) {
	for mask := range 16 {
		n := bits.OnesCount(uint(mask))
		for o := range numOrders {
			ok := true
			for i := range n {
				if mask&(1<<orderPerm[o][i]) == 0 {
					ok = false
					break
				}
			}
			if ok {
				t[mask] = o
				break
			}
		}
	}
	return t
}()

func makeKey(q [4]uint32, o order) key {
	p := &orderPerm[o]
	return key{
		hi: uint64(q[p[0]])<<32 | uint64(q[p[1]]),
		lo: uint64(q[p[2]])<<32 | uint64(q[p[3]]),
	}
}

func (k key) quad(o order) (q [4]uint32) {
	p := &orderPerm[o]
	q[p[0]] = uint32(k.hi >> 32)
	q[p[1]] = uint32(k.hi)
	q[p[2]] = uint32(k.lo >> 32)
	q[p[3]] = uint32(k.lo)
	return q
}

// prefixRange returns the keys [lo, hi) that start with the first n
// components of prefix (already in the index's order). all is true when hi
// is past the largest key.
func prefixRange(prefix [4]uint32, n int) (lo, hi key, all bool) {
	var c [4]uint32
	copy(c[:n], prefix[:n])
	lo = key{uint64(c[0])<<32 | uint64(c[1]), uint64(c[2])<<32 | uint64(c[3])}
	if n == 0 {
		return lo, lo, true
	}
	// Increment the n-component number, carrying leftwards.
	i := n - 1
	for i >= 0 && c[i] == math.MaxUint32 {
		c[i] = 0
		i--
	}
	if i < 0 {
		return lo, lo, true
	}
	c[i]++
	hi = key{uint64(c[0])<<32 | uint64(c[1]), uint64(c[2])<<32 | uint64(c[3])}
	return lo, hi, false
}

// lowerBound returns the first index in keys whose key is >= k.
func lowerBound(keys []key, k key) int {
	i, j := 0, len(keys)
	for i < j {
		h := int(uint(i+j) >> 1)
		if keys[h].less(k) {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

// span returns the index range of keys in [lo, hi).
func span(keys []key, lo, hi key, all bool) (int, int) {
	if len(keys) == 0 {
		return 0, 0
	}
	a := lowerBound(keys, lo)
	if all {
		return a, len(keys)
	}
	return a, a + lowerBound(keys[a:], hi)
}

// run is an immutable, duplicate-free set of quads held sorted in every
// index order.
type run struct {
	keys [numOrders][]key
}

var emptyRun = &run{}

func (r *run) len() int { return len(r.keys[0]) }

// contains reports whether the run holds q.
func (r *run) contains(q [4]uint32) bool {
	ks := r.keys[orderSPOG]
	k := makeKey(q, orderSPOG)
	i := lowerBound(ks, k)
	return i < len(ks) && ks[i] == k
}

// newRun builds a run from quads in any order, with duplicates removed.
func newRun(qs [][4]uint32) *run {
	spog := make([]key, len(qs))
	for i, q := range qs {
		spog[i] = makeKey(q, orderSPOG)
	}
	sortKeys(spog)
	return runFromSPOG(slices.Compact(spog))
}

// runFromSPOG builds a run around SPOG keys that are sorted and
// duplicate-free.
func runFromSPOG(spog []key) *run {
	r := &run{}
	r.keys[orderSPOG] = spog
	parallelOrders(len(spog), func(o order) {
		if o == orderSPOG {
			return
		}
		ks := make([]key, len(spog))
		for i, k := range spog {
			ks[i] = makeKey(k.quad(orderSPOG), o)
		}
		sortKeys(ks)
		r.keys[o] = ks
	})
	return r
}

// parallelOrders runs fn for every order, spreading the work over the
// available CPUs when there is enough of it (size is the number of keys).
func parallelOrders(size int, fn func(o order)) {
	workers := min(runtime.GOMAXPROCS(0), int(numOrders))
	if workers <= 1 || size < 4096 {
		for o := range numOrders {
			fn(o)
		}
		return
	}
	var wg sync.WaitGroup
	ch := make(chan order, numOrders)
	for o := range numOrders {
		ch <- o
	}
	close(ch)
	for range workers {
		wg.Go(func() {
			for o := range ch {
				fn(o)
			}
		})
	}
	wg.Wait()
}

// sortKeys sorts keys; large slices use an LSD radix sort over the bytes
// that actually vary.
func sortKeys(ks []key) {
	if len(ks) < 1024 {
		slices.SortFunc(ks, cmpKey)
		return
	}
	radixSortKeys(ks)
}

// radixSortKeys is a least-significant-digit radix sort on 16-bit digits,
// skipping digits that are the same in every key.
func radixSortKeys(ks []key) {
	var orAll, andAll key
	andAll = key{math.MaxUint64, math.MaxUint64}
	for _, k := range ks {
		orAll.hi |= k.hi
		orAll.lo |= k.lo
		andAll.hi &= k.hi
		andAll.lo &= k.lo
	}
	buf := make([]key, len(ks))
	src, dst := ks, buf
	var count [1 << 16]int
	for d := range 8 {
		word, shift := d < 4, uint(d%4)*16
		var varying uint64
		if word {
			varying = (orAll.lo ^ andAll.lo) >> shift & 0xffff
		} else {
			varying = (orAll.hi ^ andAll.hi) >> shift & 0xffff
		}
		if varying == 0 {
			continue
		}
		clear(count[:])
		for _, k := range src {
			v := k.hi
			if word {
				v = k.lo
			}
			count[v>>shift&0xffff]++
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, k := range src {
			v := k.hi
			if word {
				v = k.lo
			}
			b := v >> shift & 0xffff
			dst[count[b]] = k
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &ks[0] {
		copy(ks, src)
	}
}

// applyDelta returns (base ∪ adds) − dels for sorted, duplicate-free slices.
func applyDelta(base, adds, dels []key) []key {
	out := make([]key, 0, len(base)+len(adds)-min(len(dels), len(base)))
	i, j, k := 0, 0, 0
	for i < len(base) || j < len(adds) {
		var next key
		fromAdds := false
		switch {
		case i == len(base):
			next, fromAdds = adds[j], true
		case j == len(adds):
			next = base[i]
		case adds[j].less(base[i]):
			next, fromAdds = adds[j], true
		case base[i] == adds[j]:
			next = base[i]
			j++ // present in both: keep once
		default:
			next = base[i]
		}
		if fromAdds {
			j++
		} else {
			i++
		}
		for k < len(dels) && dels[k].less(next) {
			k++
		}
		if k < len(dels) && dels[k] == next {
			continue
		}
		out = append(out, next)
	}
	return out
}

// union merges two sorted, duplicate-free slices.
func union(a, b []key) []key {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	return applyDelta(a, b, nil)
}

// diff returns the keys of a that are not in b.
func diff(a, b []key) []key {
	if len(a) == 0 || len(b) == 0 {
		return a
	}
	return applyDelta(a, nil, b)
}
