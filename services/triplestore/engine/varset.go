package engine

import "math/bits"

// varset is a set of variable slots.
type varset []uint64

func (s varset) has(slot int) bool {
	w := slot >> 6
	return w < len(s) && s[w]&(1<<(uint(slot)&63)) != 0
}

func (s varset) with(slot int) varset {
	if slot < 0 {
		return s
	}
	w := slot >> 6
	out := make(varset, max(len(s), w+1))
	copy(out, s)
	out[w] |= 1 << (uint(slot) & 63)
	return out
}

func (s *varset) add(slot int) {
	if slot < 0 {
		return
	}
	w := slot >> 6
	for len(*s) <= w {
		*s = append(*s, 0)
	}
	(*s)[w] |= 1 << (uint(slot) & 63)
}

func (s varset) union(o varset) varset {
	out := make(varset, max(len(s), len(o)))
	copy(out, s)
	for i, w := range o {
		out[i] |= w
	}
	return out
}

func (s varset) intersect(o varset) varset {
	out := make(varset, min(len(s), len(o)))
	for i := range out {
		out[i] = s[i] & o[i]
	}
	return out
}

// minus returns s without the slots of o.
func (s varset) minus(o varset) varset {
	out := make(varset, len(s))
	copy(out, s)
	for i := range out {
		if i < len(o) {
			out[i] &^= o[i]
		}
	}
	return out
}

func (s varset) empty() bool {
	for _, w := range s {
		if w != 0 {
			return false
		}
	}
	return true
}

// subsetOf reports whether every slot of s is in o.
func (s varset) subsetOf(o varset) bool {
	for i, w := range s {
		var ow uint64
		if i < len(o) {
			ow = o[i]
		}
		if w&^ow != 0 {
			return false
		}
	}
	return true
}

func (s varset) slots() []int {
	var out []int
	for i, w := range s {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			out = append(out, i*64+b)
			w &= w - 1
		}
	}
	return out
}
