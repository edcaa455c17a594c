package arm

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the ARM's Prometheus collectors.
type metrics struct {
	httpRequests *prometheus.CounterVec
	httpLatency  *prometheus.HistogramVec
	messages     *prometheus.CounterVec
	routeLatency prometheus.Histogram
	expired      prometheus.Counter
	dropped      *prometheus.CounterVec
}

// lenner is the optional ability of a conversation table to count its
// open conversations.
type lenner interface{ Len() int }

func newMetrics(reg prometheus.Registerer, d Delivery, conv Conversations) (*metrics, error) {
	m := &metrics{
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intermw_http_requests_total", Help: "REST API requests by route and status.",
		}, []string{"route", "status"}),
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "intermw_http_request_duration_seconds", Help: "REST API latency by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "status"}),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intermw_messages_total", Help: "Messages the ARM published or consumed, by topic (rest_api_* clients' topics counted as rest_api) and direction.",
		}, []string{"topic", "direction"}),
		routeLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "intermw_arm_route_latency_seconds", Help: "From a message's dateTimeStamp to its publication on the client's queue.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30},
		}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "intermw_conversations_expired_total", Help: "Requests answered with a timeout Error.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "intermw_arm_dropped_total", Help: "Messages on prm_arm the ARM could not route, by reason.",
		}, []string{"reason"}),
	}
	cs := []prometheus.Collector{m.httpRequests, m.httpLatency, m.messages, m.routeLatency, m.expired, m.dropped}
	if l, ok := conv.(lenner); ok {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "intermw_conversations_open", Help: "Open conversations.",
		}, func() float64 { return float64(l.Len()) }))
	}
	// Queue depths: the delivery layer's own collector when it offers one,
	// else gauges read from its QueueStats at scrape time.
	if dc, ok := d.(interface{ Collector() prometheus.Collector }); ok {
		cs = append(cs, dc.Collector())
	} else if q, ok := d.(queueStater); ok {
		cs = append(cs, &queueCollector{q: q})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) observeHTTP(route string, status int, d time.Duration) {
	st := strconv.Itoa(status)
	m.httpRequests.WithLabelValues(route, st).Inc()
	m.httpLatency.WithLabelValues(route, st).Observe(d.Seconds())
}

// topicLabel keeps the label set small: every client topic counts as one.
func topicLabel(topic string) string {
	if strings.HasPrefix(topic, "rest_api_") {
		return "rest_api"
	}
	return topic
}

func (m *metrics) published(topic string) { m.messages.WithLabelValues(topicLabel(topic), "out").Inc() }
func (m *metrics) consumed(topic string)  { m.messages.WithLabelValues(topicLabel(topic), "in").Inc() }

// queueCollector reads the mailboxes' depths at scrape time.
type queueCollector struct{ q queueStater }

var (
	depthDesc = prometheus.NewDesc("intermw_delivery_queue_depth", "Messages waiting in a client's queue.", []string{"client"}, nil)
	bytesDesc = prometheus.NewDesc("intermw_delivery_queue_bytes", "Bytes waiting in a client's queue.", []string{"client"}, nil)
	deadDesc  = prometheus.NewDesc("intermw_delivery_dead_letters", "Dead letters of a client.", []string{"client"}, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- depthDesc
	ch <- bytesDesc
	ch <- deadDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.q.QueueStats() {
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(s.Depth), s.ClientID)
		ch <- prometheus.MustNewConstMetric(bytesDesc, prometheus.GaugeValue, float64(s.Bytes), s.ClientID)
		ch <- prometheus.MustNewConstMetric(deadDesc, prometheus.GaugeValue, float64(s.DeadLetters), s.ClientID)
	}
}
