package mqtt

import (
	"sync"

	"github.com/eclipse/paho.golang/paho"

	"github.com/intermw/intermw/broker"
)

// delivery is a received message waiting for its lane.
type delivery struct {
	msg    broker.Message
	packet *paho.Publish
	client *paho.Client // the connection it came on; acks go back on it
}

// lane is an unbounded FIFO of deliveries with one consumer. It never
// blocks the producer (paho's receive callback); the server's flow control
// (Config.ReceiveMaximum) bounds it.
type lane struct {
	mu   sync.Mutex
	q    []delivery
	wake chan struct{} // capacity 1
}

func (l *lane) push(d delivery) {
	l.mu.Lock()
	l.q = append(l.q, d)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// take removes the first delivery without waiting.
func (l *lane) take() (delivery, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.q) == 0 {
		return delivery{}, false
	}
	d := l.q[0]
	l.q[0] = delivery{}
	l.q = l.q[1:]
	return d, true
}

func (l *lane) pop(stop <-chan struct{}) (delivery, bool) {
	for {
		l.mu.Lock()
		if len(l.q) > 0 {
			d := l.q[0]
			l.q[0] = delivery{}
			l.q = l.q[1:]
			l.mu.Unlock()
			return d, true
		}
		l.mu.Unlock()
		select {
		case <-l.wake:
		case <-stop:
			return delivery{}, false
		}
	}
}
