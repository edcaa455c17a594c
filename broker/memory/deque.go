package memory

// entry is a message waiting in a lane, with the deliveries it has had.
type entry struct {
	key      string
	headers  map[string]string
	body     []byte
	attempts int
}

// deque is a growable ring buffer of entries: a lane's FIFO, with a
// push-front for messages handed back after a failure.
type deque struct {
	buf  []entry // len is zero or a power of two
	head int
	n    int
}

func (d *deque) len() int { return d.n }

func (d *deque) grow(need int) {
	if need <= len(d.buf) {
		return
	}
	size := max(len(d.buf)*2, 8)
	for size < need {
		size *= 2
	}
	nb := make([]entry, size)
	for i := range d.n {
		nb[i] = d.buf[(d.head+i)&(len(d.buf)-1)]
	}
	d.buf, d.head = nb, 0
}

func (d *deque) pushBack(e entry) {
	d.grow(d.n + 1)
	d.buf[(d.head+d.n)&(len(d.buf)-1)] = e
	d.n++
}

// batch is a worker's view of up to maxBatch entries at a lane's head,
// taken under the group's lock. The entries stay in the deque (counted, and
// behind them publishers keep appending) until the worker settles them; the
// worker reads them without the lock, which is safe because nobody writes
// those slots meanwhile: appends go past them, and a grow copies them into a
// new buffer, leaving the old one, which the view holds, untouched.
type batch struct {
	buf  []entry
	head int
	n    int
}

func (d *deque) peek(k int) batch {
	return batch{buf: d.buf, head: d.head, n: min(k, d.n)}
}

func (b batch) at(i int) *entry { return &b.buf[(b.head+i)&(len(b.buf)-1)] }

// dropFront removes k entries from the head (they have been settled).
func (d *deque) dropFront(k int) {
	mask := len(d.buf) - 1
	for range k {
		d.buf[d.head] = entry{} // let the body be collected
		d.head = (d.head + 1) & mask
	}
	d.n -= k
	if d.n == 0 && len(d.buf) > shrinkAbove {
		// A burst grew this lane; do not keep its buffer for good.
		d.buf, d.head = nil, 0
	}
}

// shrinkAbove is the buffer size above which an emptied deque lets go of it.
const shrinkAbove = 256

// front returns the head entry; the deque must not be empty.
func (d *deque) front() *entry { return &d.buf[d.head] }

// ring is a fixed-size FIFO of lane numbers (each lane is in it at most once).
type ring struct {
	buf  []int
	head int
	n    int
}

func (r *ring) push(v int) {
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
}

func (r *ring) pop() int {
	v := r.buf[r.head]
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return v
}
