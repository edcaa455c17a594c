package test

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// TestE2EErrorTopicAndInternalQueuesAreObservable checks that /metrics
// lets an operator (and the acceptance tests) see what the issue requires
// of a healthy run: the error topic empty and every internal queue
// drained. That needs messages counted per topic for every component, not
// only the ARM's own, and depth gauges for the hub's internal topics.
func TestE2EErrorTopicAndInternalQueuesAreObservable(t *testing.T) {
	checkLeaks(t)
	h := startHub(t, hubOptions{})
	const client = "e2e-metrics"
	in := registerPullClient(t, h, client, "JSON_LD")
	registerPlatform(t, h, in, platformBody{PlatformID: e2eTestNS + "metrics/platforms/p", Name: "Metrics"})
	fams := h.metrics(t)

	internal := []string{"arm_prm", "prm_arm", "prm_srm", "srm_prm", "prm_ipsmrm", "ipsmrm_prm"}
	// Topics by family, for families labelled by topic.
	byFamily := map[string][]string{}
	for name, f := range fams {
		for _, s := range samples(f) {
			if tp, ok := s.labels["topic"]; ok && !slices.Contains(byFamily[name], tp) {
				byFamily[name] = append(byFamily[name], tp)
			}
		}
	}
	var described []string
	for name, topics := range byFamily {
		sort.Strings(topics)
		described = append(described, name+"{topic: "+strings.Join(topics, " ")+"}")
	}
	sort.Strings(described)

	t.Run("messages are counted per topic for every component", func(t *testing.T) {
		// The ARM's own counter sees arm_prm and prm_arm; a topic only
		// other components use (prm_ipsmrm, prm_srm, bridge_ipsmrm_…)
		// shows that what PRM, Services, IPSMRM and the bridges publish on
		// the error topic would be counted too.
		for name, topics := range byFamily {
			if !strings.HasSuffix(name, "_total") {
				continue
			}
			for _, tp := range topics {
				if tp == "prm_ipsmrm" || tp == "prm_srm" || tp == "ipsmrm_prm" || strings.HasPrefix(tp, "bridge_ipsmrm") {
					return
				}
			}
		}
		t.Errorf("no /metrics counter counts the messages of topics beyond the ARM's, so the error topic is not observable "+
			"(families with a topic label: %v)", described)
	})

	t.Run("the internal queues have depth gauges", func(t *testing.T) {
		for name, topics := range byFamily {
			f := fams[name]
			if f.GetType() != dto.MetricType_GAUGE {
				continue
			}
			missing := false
			for _, tp := range internal {
				missing = missing || !slices.Contains(topics, tp)
			}
			if !missing {
				return
			}
		}
		t.Errorf("no /metrics gauge gives the depth of every internal topic %v, so drained queues are not observable "+
			"(families with a topic label: %v)", internal, described)
	})

	in.checkClean(t)
	h.must(t, http.StatusNoContent, req{method: http.MethodDelete, path: api + "/clients/" + esc(client), client: client})
	h.stop()
}
