package memory

import "github.com/intermw/intermw/broker"

var _ broker.Depther = (*Broker)(nil)

// Depths reports, for every group, the messages queued or being handled.
func (b *Broker) Depths() []broker.Depth {
	topics := b.topics.Load()
	if topics == nil {
		return nil
	}
	var out []broker.Depth
	for _, t := range *topics {
		groups := t.groups.Load()
		if groups == nil {
			continue
		}
		for _, g := range *groups {
			g.mu.Lock()
			n := g.count
			g.mu.Unlock()
			out = append(out, broker.Depth{Topic: g.topic, Group: g.name, Messages: n})
		}
	}
	return out
}
