package ipsm

import (
	"context"
	"fmt"
	"strconv"

	"github.com/intermw/intermw/ontology"
	"github.com/intermw/intermw/ontology/alignment"
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
)

// The named graphs and vocabulary of the IPSM's persisted state.
const (
	alignmentsGraph = "urn:intermw:ipsm:alignments"
	channelsGraph   = "urn:intermw:ipsm:channels"
	vocab           = ontology.InterMW + "ipsm/"
)

func alignmentNode(id int) rdf.Term { return rdf.IRI("urn:intermw:ipsm:alignment:" + strconv.Itoa(id)) }
func channelNode(id int) rdf.Term   { return rdf.IRI("urn:intermw:ipsm:channel:" + strconv.Itoa(id)) }
func p(local string) rdf.Term       { return rdf.IRI(vocab + local) }
func intLit(n int64) rdf.Term {
	return rdf.Literal(strconv.FormatInt(n, 10), rdf.XSD+"integer")
}

func (s *Service) saveAlignment(ctx context.Context, info AlignmentInfo, src []byte) error {
	q, err := triplestore.Bind(`INSERT DATA { GRAPH %{g} {
  %{a} %{pid} %{id} ; %{pdate} %{date} ; %{psrc} %{src} .
} }`, map[string]any{
		"g": rdf.IRI(alignmentsGraph), "a": alignmentNode(info.ID),
		"pid": p("id"), "id": intLit(int64(info.ID)),
		"pdate": p("date"), "date": intLit(info.Date),
		"psrc": p("xmlSource"), "src": rdf.String(string(src)),
	})
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, q)
}

func (s *Service) saveChannel(ctx context.Context, c *Channel) error {
	q, err := triplestore.Bind(`INSERT DATA { GRAPH %{g} {
  %{c} %{pid} %{id} ; %{psrc} %{src} ; %{psink} %{sink} ; %{ppar} %{par} ;
    %{pin} %{in} ; %{piv} %{iv} ; %{pout} %{out} ; %{pov} %{ov} .
} }`, map[string]any{
		"g": rdf.IRI(channelsGraph), "c": channelNode(c.ID),
		"pid": p("id"), "id": intLit(int64(c.ID)),
		"psrc": p("source"), "src": rdf.String(c.Source),
		"psink": p("sink"), "sink": rdf.String(c.Sink),
		"ppar": p("parallelism"), "par": intLit(int64(c.Parallelism)),
		"pin": p("inpAlignmentName"), "in": rdf.String(c.InpAlignmentName),
		"piv": p("inpAlignmentVersion"), "iv": rdf.String(c.InpAlignmentVersion),
		"pout": p("outAlignmentName"), "out": rdf.String(c.OutAlignmentName),
		"pov": p("outAlignmentVersion"), "ov": rdf.String(c.OutAlignmentVersion),
	})
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, q)
}

func (s *Service) deleteNode(ctx context.Context, graph string, node rdf.Term) error {
	q, err := triplestore.Bind(`DELETE WHERE { GRAPH %{g} { %{n} ?p ?o } }`,
		map[string]any{"g": rdf.IRI(graph), "n": node})
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, q)
}

// restore reads the persisted alignments (compiling them again) and
// channels. An alignment that no longer loads is logged and skipped.
func (s *Service) restore(ctx context.Context) error {
	rows, err := s.selectAll(ctx, alignmentsGraph)
	if err != nil {
		return err
	}
	for _, b := range rows {
		id, _ := strconv.Atoi(b[vocab+"id"])
		date, _ := strconv.ParseInt(b[vocab+"date"], 10, 64)
		src := []byte(b[vocab+"xmlSource"])
		c, err := alignment.Load(src, s.cfg.Parse)
		if err != nil {
			s.cfg.Log.WithError(err).WithField("id", id).Error("stored alignment no longer loads; skipped")
			continue
		}
		a := c.Alignment
		s.aligns[c.ID()] = &entry{source: src, compiled: c, info: AlignmentInfo{
			ID: id, DescID: a.Name + ":" + a.Version, Date: date, Name: a.Name, Version: a.Version,
			SourceOntologyURI: a.Onto1, TargetOntologyURI: a.Onto2, Creator: a.Creator, Description: a.Description,
		}}
		s.nextID = max(s.nextID, id)
	}
	rows, err = s.selectAll(ctx, channelsGraph)
	if err != nil {
		return err
	}
	for _, b := range rows {
		id, _ := strconv.Atoi(b[vocab+"id"])
		par, _ := strconv.Atoi(b[vocab+"parallelism"])
		c := &Channel{ID: id, ChannelConfig: ChannelConfig{
			Source: b[vocab+"source"], Sink: b[vocab+"sink"], Parallelism: par,
			InpAlignmentName: b[vocab+"inpAlignmentName"], InpAlignmentVersion: b[vocab+"inpAlignmentVersion"],
			OutAlignmentName: b[vocab+"outAlignmentName"], OutAlignmentVersion: b[vocab+"outAlignmentVersion"],
		}}
		c.DescID = c.Source + "->" + c.Sink
		s.channels[id] = c
		s.nextID = max(s.nextID, id)
	}
	return nil
}

// selectAll returns, per subject of a graph, its property values.
func (s *Service) selectAll(ctx context.Context, graph string) ([]map[string]string, error) {
	q, err := triplestore.Bind(`SELECT ?s ?p ?o WHERE { GRAPH %{g} { ?s ?p ?o } }`, map[string]any{"g": rdf.IRI(graph)})
	if err != nil {
		return nil, err
	}
	res, err := s.cfg.Store.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("ipsm: reading %s: %w", graph, err)
	}
	defer res.Close()
	bySubject := map[rdf.Term]map[string]string{}
	var order []rdf.Term
	for res.Rows.Next() {
		b := res.Rows.Binding()
		m, ok := bySubject[b["s"]]
		if !ok {
			m = map[string]string{}
			bySubject[b["s"]] = m
			order = append(order, b["s"])
		}
		m[b["p"].Value] = b["o"].Value
	}
	if err := res.Rows.Err(); err != nil {
		return nil, err
	}
	out := make([]map[string]string, 0, len(order))
	for _, s := range order {
		out = append(out, bySubject[s])
	}
	return out, nil
}
