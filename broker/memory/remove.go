package memory

import (
	"context"
	"slices"

	"github.com/intermw/intermw/broker"
)

var _ broker.GroupRemover = (*Broker)(nil)

// RemoveGroup drops a group and the messages it holds. Subscriptions of
// the group must be closed first.
func (b *Broker) RemoveGroup(ctx context.Context, topicName, groupName string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.topic(topicName)
	if t == nil {
		return nil
	}
	g, ok := t.byName[groupName]
	if !ok {
		return nil
	}
	delete(t.byName, groupName)
	var groups []*group
	if cur := t.groups.Load(); cur != nil {
		groups = slices.DeleteFunc(slices.Clone(*cur), func(x *group) bool { return x == g })
	}
	t.groups.Store(&groups)
	g.mu.Lock()
	if g.space != nil {
		close(g.space) // wake publishers blocked on the removed group
		g.space = nil
	}
	g.mu.Unlock()
	return nil
}
