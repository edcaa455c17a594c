package delivery

import "time"

// Via names a way out of a mailbox, for metrics.
type Via string

// The ways out.
const (
	ViaPull Via = "pull"
	ViaPush Via = "push"
	ViaSSE  Via = "sse"
)

// Metrics receives delivery events. Implementations must be safe for
// concurrent use and cheap: they are called on the delivery path.
type Metrics interface {
	// Delivered reports one message handed to a client, with the time from
	// its dateTimeStamp (zero when unknown).
	Delivered(clientID string, via Via, latency time.Duration)
	// PushAttempt reports one POST of a batch and whether it got a 2xx.
	PushAttempt(clientID string, ok bool)
	// DeadLettered reports n entries moved to a dead-letter list.
	DeadLettered(clientID, reason string, n int)
	// Forget drops a deleted client's series.
	Forget(clientID string)
}

type nopMetrics struct{}

func (nopMetrics) Delivered(string, Via, time.Duration) {}
func (nopMetrics) PushAttempt(string, bool)             {}
func (nopMetrics) DeadLettered(string, string, int)     {}
func (nopMetrics) Forget(string)                        {}

// QueueStat is one mailbox's state, for gauges read at scrape time.
type QueueStat struct {
	ClientID string
	// Depth is how many messages wait (not yet committed), Bytes their size.
	Depth int
	Bytes int64
	// DeadLetters is the length of the dead-letter list; DeadLettersDropped
	// counts dead letters dropped because the list was full, since start.
	DeadLetters        int
	DeadLettersDropped int
}

// QueueStats returns every mailbox's state, ordered by client ID. It is
// meant for a Prometheus collector's Collect (gauges
// intermw_delivery_queue_depth{client} and friends), so that appends pay
// nothing for them.
func (d *Deliverer) QueueStats() []QueueStat {
	cs := d.snapshotClients()
	out := make([]QueueStat, 0, len(cs))
	for _, c := range cs {
		n, b := c.mb.depth()
		dls, dropped := c.mb.dl.snapshotCounts()
		out = append(out, QueueStat{ClientID: c.id, Depth: n, Bytes: b, DeadLetters: dls, DeadLettersDropped: dropped})
	}
	return out
}
