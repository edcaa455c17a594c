package kafka

import (
	"fmt"
	"testing"
)

func TestOffsetTracker(t *testing.T) {
	type step struct {
		add  []int64 // fetched offsets (partition 0)
		done []int64 // handled offsets
	}
	tests := []struct {
		name  string
		steps []step
		want  string // what take returns after the steps
	}{
		{"nothing handled means nothing to commit", []step{{add: []int64{0, 1, 2}}}, "map[]"},
		{"handled in order commits the last one", []step{{add: []int64{0, 1, 2}, done: []int64{0, 1, 2}}}, "map[0:2]"},
		{"a gap stops the commit before it", []step{{add: []int64{0, 1, 2}, done: []int64{0, 2}}}, "map[0:0]"},
		{"filling the gap commits past it", []step{{add: []int64{0, 1, 2}, done: []int64{0, 2}}, {done: []int64{1}}}, "map[0:2]"},
		{"the first unfinished message holds everything", []step{{add: []int64{5, 6, 7}, done: []int64{6, 7}}}, "map[]"},
		{"a rewind after a rebalance starts over", []step{{add: []int64{0, 1, 2}, done: []int64{0}}, {add: []int64{1, 2}, done: []int64{1}}}, "map[0:1]"},
		{"a stale completion from before a rewind is harmless", []step{{add: []int64{3, 4}}, {add: []int64{3}, done: []int64{4}}}, "map[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := offsetTracker{parts: make(map[int]*partitionOffsets)}
			for _, s := range tt.steps {
				for _, o := range s.add {
					tr.add(0, o)
				}
				for _, o := range s.done {
					tr.done(0, o)
				}
			}
			if got := fmt.Sprint(tr.take()); got != tt.want {
				t.Errorf("take() = %s, want %s", got, tt.want)
			}
			if again := tr.take(); len(again) != 0 {
				t.Errorf("a second take() = %v, want nothing new", again)
			}
		})
	}
}
