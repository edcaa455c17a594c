package test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/intermw/intermw/broker"
	"github.com/intermw/intermw/broker/backends"
	"github.com/intermw/intermw/broker/memory"
	"github.com/intermw/intermw/ipsmrm"
	"github.com/intermw/intermw/ipsmrm/channels"
	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology"
	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/registry"
)

// intermwIPSMBin is the intermw-ipsm binary, built by TestMain.
var intermwIPSMBin string

// buildIPSM builds cmd/intermw-ipsm into dir.
func buildIPSM(dir string) error {
	intermwIPSMBin = filepath.Join(dir, "intermw-ipsm")
	build := exec.Command("go", "build", "-o", intermwIPSMBin, "../cmd/intermw-ipsm")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	return build.Run()
}

// sharedInterIoT returns ../shared/fixtures/inter-iot beside the repo root,
// or skips (fails under CI=true) when it is missing.
func sharedInterIoT(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "fixtures", "inter-iot")
	for _, need := range []string{"alignments/BodyCloud_CO.rdf", "alignments/test-downstream-alignment.rdf", "ipsm-inputs/bc-weight.json"} {
		if _, err := os.Stat(filepath.Join(p, need)); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("shared corpus missing: %s (CI=true)", filepath.Join(p, need))
			}
			t.Skipf("shared corpus missing: %s is needed (the INTER-IoT alignments and IPSM inputs)", filepath.Join(p, need))
		}
	}
	return p
}

const (
	bcPlatform = "http://example.org/platforms/bodycloud-1"
	bcType     = "http://example.org/types/BodyCloud"
	sosa       = ontology.SOSA
	iiot       = ontology.GOIoTP
	xsdFloat   = ontology.XSD + "float"
	kilogram   = "http://sweet.jpl.nasa.gov/2.3/reprSciUnits.owl#kilogram"
	myPortLat  = "http://www.myport.com/geo/my_port#hasGPSlatitude"
	wgs84Lat   = "http://www.w3.org/2003/01/geo/wgs84_pos#lat"
)

// translatorProcess is intermw-ipsm running as a second process.
type translatorProcess struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startTranslator(t *testing.T, kafkaURL, alignDir string) *translatorProcess {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	p := &translatorProcess{stderr: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(intermwIPSMBin, "--broker", kafkaURL, "--alignments", alignDir,
		"--platform-types", bcType, "--ready-file", ready, "--shutdown-grace", "5s")
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("intermw-ipsm stderr:\n%s", p.stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			return p
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("intermw-ipsm exited before it was ready: %v\n%s", err, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("intermw-ipsm not ready within 30s:\n%s", p.stderr.String())
		}
		<-time.After(10 * time.Millisecond)
	}
}

// stop sends SIGTERM and expects a graceful exit.
func (p *translatorProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("intermw-ipsm did not exit cleanly on SIGTERM: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("intermw-ipsm did not stop within 20s of SIGTERM:\n%s", p.stderr.String())
	}
}

// topicLog collects what a hub topic carries.
type topicLog struct {
	mu   sync.Mutex
	msgs []*messages.Message
}

func (l *topicLog) find(pred func(*messages.Message) bool) *messages.Message {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if pred(m) {
			return m
		}
	}
	return nil
}

func (l *topicLog) await(t *testing.T, what string, pred func(*messages.Message) bool) *messages.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := l.find(pred); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-time.After(5 * time.Millisecond)
	}
}

func conversation(conv string) func(*messages.Message) bool {
	return func(m *messages.Message) bool { return m.Metadata.ConversationID == conv }
}

// TestIPSMChannelsOverKafka runs the external-IPSM mode for real: Kafka is
// kfake in this process, the translator is intermw-ipsm in a second one,
// and IPSMRM (with the channels Manager as its Translator, on an in-memory hub broker) sends
// a platform's data through it.
func TestIPSMChannelsOverKafka(t *testing.T) {
	shared := sharedInterIoT(t)
	alignDir := t.TempDir()
	for _, f := range []string{"BodyCloud_CO.rdf", "test-downstream-alignment.rdf"} {
		data, err := os.ReadFile(filepath.Join(shared, "alignments", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(alignDir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lib, err := channels.LoadDir(alignDir, alignment.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bodyCloud := alignment.ID{Name: "BodyCloud_CO_align", Version: "2.0.2"}
	testDown := alignment.ID{Name: "Test_Downstream_Alignment", Version: "1.0"}

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(),
		kfake.GroupMinSessionTimeout(100*time.Millisecond), kfake.DefaultNumPartitions(2))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	kafkaURL := "kafka://" + strings.Join(cluster.ListenAddrs(), ",") +
		"?heartbeat_interval=100ms&session_timeout=2s&rebalance_timeout=2s&join_group_backoff=100ms&max_wait=50ms&dial_timeout=2s"

	translator := startTranslator(t, kafkaURL, alignDir)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := logrus.New()
	quiet.SetOutput(os.Stderr)
	quiet.SetLevel(logrus.ErrorLevel)
	ipsmBroker, err := broker.Open(ctx, kafkaURL, backends.All(), broker.Options{}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer ipsmBroker.Close()
	hubBroker, err := memory.New(ctx, memory.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer hubBroker.Close()
	codec, err := messages.New(messages.Config{})
	if err != nil {
		t.Fatal(err)
	}

	// The wiring `intermw serve --ipsm=kafka://…` uses.
	mgr, err := channels.New(channels.Config{Alignments: lib, Log: quiet, External: &channels.ExternalConfig{
		Broker: ipsmBroker, Codec: codec, Errors: hubBroker, Timeout: 3 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer mgr.Close()
	r, err := ipsmrm.New(ipsmrm.Config{Broker: hubBroker, Codec: codec, Translator: mgr, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}

	logTopic := func(topic string) *topicLog {
		l := &topicLog{}
		_, err := hubBroker.Subscribe(ctx, topic, "test", func(_ context.Context, bm *broker.Message) error {
			m, err := codec.Decode(bm.Body)
			if err != nil {
				t.Errorf("undecodable on %s: %v", topic, err)
				return nil
			}
			l.mu.Lock()
			l.msgs = append(l.msgs, m)
			l.mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	toPRM, errTopic, atBridge := logTopic(broker.IPSMRMToPRM), logTopic(broker.ErrorTopic), logTopic(broker.IPSMRMToBridge(bcPlatform))
	send := func(topic string, m *messages.Message) {
		body, err := codec.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := hubBroker.Publish(ctx, topic, broker.Message{Key: m.Metadata.ConversationID, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	// The platform's bridge confirms every request but data.
	if _, err := hubBroker.Subscribe(ctx, broker.IPSMRMToBridge(bcPlatform), "bridges", func(_ context.Context, bm *broker.Message) error {
		req, err := codec.Decode(bm.Body)
		if err != nil || req.Metadata.Is(messages.Actuation) {
			return err
		}
		rep := messages.NewReply(req)
		rep.Metadata.SenderPlatformID = bcPlatform
		send(broker.BridgeToIPSMRM(bcPlatform), rep)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-r.Ready()

	reg := messages.NewRequest(messages.PlatformRegister)
	reg.Metadata.ReceiverPlatformIDs = []string{bcPlatform}
	reg.Payload = registry.PlatformPayload(registry.Platform{PlatformID: bcPlatform, Type: bcType,
		UpstreamInputAlignmentName: bodyCloud.Name, UpstreamInputAlignmentVersion: bodyCloud.Version,
		DownstreamOutputAlignmentName: testDown.Name, DownstreamOutputAlignmentVersion: testDown.Version})
	send(broker.PRMToIPSMRM, reg)
	if got := toPRM.await(t, "the registration's answer", conversation(reg.Metadata.ConversationID)); got.Metadata.Is(messages.Error) {
		t.Fatalf("registration failed: %s", got.Metadata.ErrDesc)
	}

	t.Run("a BodyCloud observation goes up through Kafka and comes back in GOIoTP/SOSA", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(shared, "ipsm-inputs", "bc-weight.json"))
		if err != nil {
			t.Fatal(err)
		}
		obs, err := codec.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		obs.Metadata.Types = []messages.Type{messages.Observation}
		obs.Metadata.UnknownTypes = nil
		obs.Metadata.SenderPlatformID = bcPlatform
		original := obs.Clone()
		send(broker.BridgeToIPSMRM(bcPlatform), obs)
		got := toPRM.await(t, "the translated observation", conversation(obs.Metadata.ConversationID))
		if got.Metadata.Is(messages.Error) {
			t.Fatalf("Error: %s", got.Metadata.ErrDesc)
		}
		g := graph(got.Payload)
		o := g.subjectTyped(sosa + "Observation")
		if o.IsZero() {
			t.Fatalf("no sosa:Observation in %v", got.Payload)
		}
		res := g.object(o, sosa+"hasResult")
		for _, want := range []rdf.Triple{
			{S: res, P: rdf.IRI(iiot + "hasValue"), O: rdf.Literal("68.5", xsdFloat)},
			{S: res, P: rdf.IRI(iiot + "hasUnit"), O: rdf.IRI(kilogram)},
			{S: g.object(o, sosa+"phenomenonTime"), P: rdf.IRI(rdf.RDFType), O: rdf.IRI(ontology.Time + "Instant")},
			{S: g.object(o, sosa+"madeBySensor"), P: rdf.IRI(rdf.RDFType), O: rdf.IRI(sosa + "Sensor")},
		} {
			if !g.has(want) {
				t.Errorf("missing %v", want)
			}
		}
		for _, tr := range got.Payload {
			if strings.HasPrefix(tr.P.Value, "http://inter-iot.eu/syntax/BodyCloud#") {
				t.Errorf("BodyCloud triple left: %v", tr)
			}
		}
		// The Kafka path gives what the embedded engine gives.
		compiled, _ := lib.Alignment(ctx, bodyCloud)
		if _, err := (&alignment.Translator{}).TranslateMessage(ctx, original, compiled); err != nil {
			t.Fatal(err)
		}
		if !rdf.IsomorphicGraphs(original.Payload, got.Payload) {
			t.Errorf("the external translation differs from the embedded one:\n%v\n%v", got.Payload, original.Payload)
		}
	})

	t.Run("an actuation goes down through Kafka in the platform's terms", func(t *testing.T) {
		act := messages.NewRequest(messages.Actuation)
		act.Metadata.ReceiverPlatformIDs = []string{bcPlatform}
		subject := rdf.IRI("http://example.org/actuators/a1")
		act.Payload = []rdf.Triple{{S: subject, P: rdf.IRI(myPortLat), O: rdf.Literal("39", ontology.XSD+"integer")}}
		send(broker.PRMToIPSMRM, act)
		got := atBridge.await(t, "the actuation at the bridge", conversation(act.Metadata.ConversationID))
		want := []rdf.Triple{{S: subject, P: rdf.IRI(wgs84Lat), O: rdf.Literal("39", ontology.XSD+"integer")}}
		if !rdf.IsomorphicGraphs(got.Payload, want) {
			t.Errorf("at the bridge: %v", got.Payload)
		}
	})

	t.Run("the translator stops gracefully on SIGTERM", func(t *testing.T) {
		translator.stop(t)
	})

	t.Run("with the translator down an observation fails with an Error and is kept on the error topic", func(t *testing.T) {
		obs := messages.NewRequest(messages.Observation)
		obs.Metadata.SenderPlatformID = bcPlatform
		obs.Payload = []rdf.Triple{{S: rdf.IRI("http://example.org/o"), P: rdf.IRI("http://inter-iot.eu/syntax/BodyCloud#hasTypeMessage"), O: rdf.String("weight_scale")}}
		send(broker.BridgeToIPSMRM(bcPlatform), obs)
		got := toPRM.await(t, "the Error", conversation(obs.Metadata.ConversationID))
		if !got.Metadata.Is(messages.Error) || !strings.Contains(got.Metadata.ErrDesc, "did not answer") {
			t.Fatalf("got %+v", got.Metadata)
		}
		copyOf := errTopic.await(t, "the message on the error topic", func(m *messages.Message) bool {
			return m.Metadata.MessageID == obs.Metadata.MessageID
		})
		if !rdf.IsomorphicGraphs(copyOf.Payload, obs.Payload) {
			t.Errorf("error copy payload %v", copyOf.Payload)
		}
	})

	if err := r.Close(); err != nil && !errors.Is(err, context.Canceled) {
		t.Error(err)
	}
}

// triples indexes a payload.
type triples []rdf.Triple

func graph(ts []rdf.Triple) triples { return ts }

func (g triples) has(want rdf.Triple) bool {
	for _, t := range g {
		if t == want {
			return true
		}
	}
	return false
}

func (g triples) subjectTyped(class string) rdf.Term {
	for _, t := range g {
		if t.P.Value == rdf.RDFType && t.O.Value == class {
			return t.S
		}
	}
	return rdf.Term{}
}

func (g triples) object(s rdf.Term, p string) rdf.Term {
	for _, t := range g {
		if t.S == s && t.P.Value == p {
			return t.O
		}
	}
	return rdf.Term{}
}
