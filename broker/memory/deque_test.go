package memory

import (
	"fmt"
	"testing"
)

func TestDeque(t *testing.T) {
	t.Run("entries come out in the order they went in, across growth and wrap-around", func(t *testing.T) {
		var d deque
		next, want := 0, 0
		for round := range 50 {
			for range round%7 + 1 {
				d.pushBack(entry{key: fmt.Sprint(next)})
				next++
			}
			k := min(d.len(), round%5+1)
			b := d.peek(k)
			for i := range b.n {
				if got := b.at(i).key; got != fmt.Sprint(want+i) {
					t.Fatalf("round %d: entry %d is %s, want %d", round, i, got, want+i)
				}
			}
			d.dropFront(b.n)
			want += b.n
		}
	})
	t.Run("a view taken before the deque grows still reads its entries", func(t *testing.T) {
		var d deque
		for i := range 8 {
			d.pushBack(entry{key: fmt.Sprint(i)})
		}
		b := d.peek(8)
		for i := 8; i < 100; i++ {
			d.pushBack(entry{key: fmt.Sprint(i)})
		}
		for i := range b.n {
			if got := b.at(i).key; got != fmt.Sprint(i) {
				t.Fatalf("entry %d is %s after growth", i, got)
			}
		}
		d.dropFront(b.n)
		if got := d.front().key; got != "8" {
			t.Errorf("after dropping the view, the head is %s, want 8", got)
		}
	})
	t.Run("an emptied deque lets go of a large buffer", func(t *testing.T) {
		var d deque
		for range 1000 {
			d.pushBack(entry{})
		}
		d.dropFront(1000)
		if d.buf != nil {
			t.Errorf("buffer of %d entries kept after emptying", len(d.buf))
		}
		d.pushBack(entry{key: "again"})
		if d.front().key != "again" {
			t.Errorf("deque unusable after shrinking")
		}
	})
}
