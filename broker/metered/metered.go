package metered

import (
	"context"
	"errors"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intermw/intermw/broker"
)

// Broker is a broker.Broker that counts what passes through it.
type Broker struct {
	broker.Broker
	published *prometheus.CounterVec
	handled   *prometheus.CounterVec
}

var _ broker.Broker = (*Broker)(nil)

// New wraps b and registers its metrics with reg.
func New(b broker.Broker, reg prometheus.Registerer) (*Broker, error) {
	if b == nil || reg == nil {
		return nil, errors.New("metered: a broker and a registry are required")
	}
	m := &Broker{
		Broker: b,
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intermw_broker_published_total",
			Help: "Messages published, by topic (per-client and per-platform topics counted under their prefix).",
		}, []string{"topic"}),
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intermw_broker_handled_total",
			Help: "Deliveries handled, by topic, consumer group and result (ok, error).",
		}, []string{"topic", "group", "result"}),
	}
	cs := []prometheus.Collector{m.published, m.handled}
	if d, ok := b.(broker.Depther); ok {
		cs = append(cs, depthCollector{d})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Publish counts and publishes.
func (m *Broker) Publish(ctx context.Context, topic string, msg broker.Message) error {
	err := m.Broker.Publish(ctx, topic, msg)
	if err == nil {
		m.published.WithLabelValues(Family(topic)).Inc()
	}
	return err
}

// Subscribe subscribes h, counting its results.
func (m *Broker) Subscribe(ctx context.Context, topic, group string, h broker.Handler) (broker.Subscription, error) {
	fam := Family(topic)
	ok, failed := m.handled.WithLabelValues(fam, group, "ok"), m.handled.WithLabelValues(fam, group, "error")
	return m.Broker.Subscribe(ctx, topic, group, func(ctx context.Context, msg *broker.Message) error {
		err := h(ctx, msg)
		if err != nil {
			failed.Inc()
		} else {
			ok.Inc()
		}
		return err
	})
}

// prefixes are the topic names the design builds from an id.
var prefixes = []string{
	"rest_api_", "ipsmrm_bridge_", "bridge_ipsmrm_",
	"mw-ipsm-interiot-format-", "ipsm-mw-platform-format-",
	"mw-ipsm-platform-format-", "ipsm-mw-interiot-format-",
}

// Family is the label a topic is counted under: the fixed topics as they
// are, the others as their prefix without the trailing separator (rest_api,
// bridge_ipsmrm, …), dead-letter topics as dlq_ plus their topic's family.
func Family(topic string) string {
	if rest, ok := strings.CutPrefix(topic, "dlq_"); ok {
		return "dlq_" + Family(rest)
	}
	for _, p := range prefixes {
		if strings.HasPrefix(topic, p) {
			return p[:len(p)-1]
		}
	}
	return topic
}

// depthCollector reports the backend's group depths at scrape time.
type depthCollector struct{ d broker.Depther }

var depthDesc = prometheus.NewDesc("intermw_broker_queue_depth",
	"Messages a consumer group has yet to acknowledge, by topic (counted under its prefix) and group.",
	[]string{"topic", "group"}, nil)

func (c depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- depthDesc }

func (c depthCollector) Collect(ch chan<- prometheus.Metric) {
	sums := map[[2]string]int{}
	for _, d := range c.d.Depths() {
		sums[[2]string{Family(d.Topic), d.Group}] += d.Messages
	}
	for k, n := range sums {
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}

var _ broker.GroupRemover = (*Broker)(nil)

// RemoveGroup removes the group when the wrapped broker can, and reports
// broker.ErrUnsupported otherwise.
func (m *Broker) RemoveGroup(ctx context.Context, topic, group string) error {
	if r, ok := m.Broker.(broker.GroupRemover); ok {
		return r.RemoveGroup(ctx, topic, group)
	}
	return broker.ErrUnsupported
}
