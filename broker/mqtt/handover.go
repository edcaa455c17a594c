package mqtt

import (
	"context"

	"github.com/eclipse/paho.golang/paho"
)

// leave unsubscribes, then hands every message this subscription received
// and did not finish over to the group's other members: it publishes each
// to the group's hand-over topic, which only they subscribe to, and then
// acknowledges the original. (MQTT servers keep a shared subscription's
// unacknowledged messages with the member's session instead of giving them
// to another member.) A message no other member took (no matching
// subscribers) stays unacknowledged in the session, as does anything the
// server queued for it, until the session expires or the same slot
// subscribes again.
func (s *subscription) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), s.b.cfg.ConnectTimeout)
	defer cancel()
	if _, err := s.cm.Unsubscribe(ctx, &paho.Unsubscribe{Topics: []string{s.filter, s.handoverSub}}); err != nil {
		s.log.WithError(err).Debug("mqtt unsubscribe")
	}
	for _, l := range s.lanes {
		for {
			d, ok := l.take()
			if !ok {
				break
			}
			s.keepLeftover(d)
		}
	}
	s.leftMu.Lock()
	left := s.leftover
	s.leftover = nil
	s.leftMu.Unlock()
	handed := 0
	for _, d := range left {
		select {
		case <-d.client.Done():
			continue // the server has it again for this session
		default:
		}
		var props *paho.PublishProperties
		if d.packet.Properties != nil {
			props = &paho.PublishProperties{User: d.packet.Properties.User}
		}
		resp, err := s.b.pub.Publish(ctx, &paho.Publish{QoS: 1, Topic: s.handover, Payload: d.packet.Payload, Properties: props})
		if err != nil {
			s.log.WithError(err).Warn("mqtt hand-over failed; the messages stay in the session")
			break
		}
		if resp != nil && resp.ReasonCode == noMatchingSubscribers {
			continue // no other member: keep it in the session
		}
		if err := d.client.Ack(d.packet); err != nil {
			s.log.WithError(err).Debug("mqtt ack after hand-over")
		}
		handed++
	}
	if handed > 0 {
		s.log.WithField("messages", handed).Debug("handed unfinished messages over to the group")
	}
}

// noMatchingSubscribers is the PUBACK reason code for a message that no
// subscription matched.
const noMatchingSubscribers = 0x10

func (s *subscription) keepLeftover(d delivery) {
	s.leftMu.Lock()
	s.leftover = append(s.leftover, d)
	s.leftMu.Unlock()
}

// handoverTopic is the topic on which a closing member of group hands its
// unfinished messages of topic to the others. It has '/' in it, so it never
// equals an intermw topic name.
func handoverTopic(prefix, topic, group string) string {
	return prefix + "intermw-handover/" + group + "/" + topic
}
