package alignment

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/intermw/intermw/messages"
	"github.com/intermw/intermw/ontology"
	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore/engine"
)

// PropTranslationWarning is the metadata property on which a translation
// records data it lost (default mode), one literal per loss.
const PropTranslationWarning = ontology.InterMW + "translationWarning"

// Loss is a cell that matched where a function or typing failed, so its
// entity1 triples were deleted and some entity2 triples not inserted.
type Loss struct {
	Alignment ID
	Cell      string   // cell name
	Matches   int      // matches that lost values
	Vars      []string // the entity2 variables left unbound
}

func (l Loss) String() string {
	vars := make([]string, len(l.Vars))
	for i, v := range l.Vars {
		vars[i] = "?" + v
	}
	return fmt.Sprintf("alignment %s cell %s: %d match(es) deleted entity1 but could not insert the entity2 triples using %s (a function or typing failed)",
		l.Alignment, l.Cell, l.Matches, strings.Join(vars, ", "))
}

// DataLossError is the strict-mode failure for a Loss.
// errors.Is(err, ErrDataLoss) holds.
type DataLossError struct{ Loss Loss }

func (e *DataLossError) Error() string { return "translation would lose data: " + e.Loss.String() }

// Is makes errors.Is(err, ErrDataLoss) hold.
func (e *DataLossError) Is(target error) bool { return target == ErrDataLoss }

// Apply runs the alignment's steps, in order, on a payload graph and
// returns the translated graph and the losses seen. In strict mode the
// first loss is returned as a *DataLossError before the cell runs. A
// payload triple that is not valid RDF fails with ErrInvalidPayload.
// Both executors (see Executor) give the same graph, up to blank node
// labels, and the same losses.
func (c *Compiled) Apply(ctx context.Context, payload []rdf.Triple, strict bool) ([]rdf.Triple, []Loss, error) {
	if len(c.steps) == 0 {
		return payload, nil, nil
	}
	if c.executor == ExecutorEngine {
		return c.applyEngine(ctx, payload, strict)
	}
	return c.applyNative(ctx, payload, strict)
}

// applyEngine runs every step's prepared update on a throwaway store of
// the embedded engine.
func (c *Compiled) applyEngine(ctx context.Context, payload []rdf.Triple, strict bool) ([]rdf.Triple, []Loss, error) {
	for _, t := range payload {
		if err := checkTriple(t); err != nil {
			return nil, nil, err
		}
	}
	e, err := loadEngine(ctx, payload)
	if err != nil {
		return nil, nil, err
	}
	defer e.Close()
	terms := make(map[rdf.Term]struct{}, 3*len(payload))
	for _, t := range payload {
		terms[t.S.Normalized()], terms[t.P.Normalized()], terms[t.O.Normalized()] = struct{}{}, struct{}{}, struct{}{}
	}
	losses, err := c.run(ctx, e, strict, terms)
	if err != nil {
		return nil, losses, err
	}
	ts, err := dumpEngine(ctx, e)
	if err != nil {
		return nil, losses, err
	}
	return ts, losses, nil
}

func loadEngine(ctx context.Context, payload []rdf.Triple) (*engine.Engine, error) {
	e := engine.NewMemory()
	quads := make([]rdf.Quad, len(payload))
	for i, t := range payload {
		quads[i] = rdf.Quad{S: t.S, P: t.P, O: t.O}
	}
	if err := e.Load(ctx, quads); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

func dumpEngine(ctx context.Context, e *engine.Engine) ([]rdf.Triple, error) {
	out, err := e.Dump(ctx)
	if err != nil {
		return nil, err
	}
	ts := make([]rdf.Triple, len(out))
	for i, q := range out {
		ts[i] = q.Triple()
	}
	return ts, nil
}

// run applies the steps to the default graph of e. terms holds every
// term the graph may contain, normalized as the store keeps them (its
// initial terms and the constants of the entity2s applied since); a step
// whose entity1 needs another constant cannot match and is skipped. Once
// a step inserts computed values the set no longer bounds the graph and
// nothing more is skipped.
func (c *Compiled) run(ctx context.Context, e *engine.Engine, strict bool, terms map[rdf.Term]struct{}) ([]Loss, error) {
	var losses []Loss
	exact := true
steps:
	for _, s := range c.steps {
		if exact {
			for _, t := range s.needs {
				if _, ok := terms[t]; !ok {
					continue steps
				}
			}
			for _, t := range s.gives {
				terms[t] = struct{}{}
			}
			exact = !s.computes
		}
		if err := c.engineExec(ctx, e, s, strict, &losses); err != nil {
			return losses, err
		}
	}
	return losses, nil
}

// engineExec runs one step on e: the loss check, then the update.
func (c *Compiled) engineExec(ctx context.Context, e *engine.Engine, s *compiledCell, strict bool, losses *[]Loss) error {
	if s.check != nil {
		n, err := count(ctx, s.check, e)
		if err != nil {
			return fmt.Errorf("alignment %s cell %s: %w", c.ID(), s.cell.Name(), err)
		}
		if n > 0 {
			l := Loss{Alignment: c.ID(), Cell: s.cell.Name(), Matches: n, Vars: s.lossVars}
			if strict {
				return &DataLossError{Loss: l}
			}
			*losses = append(*losses, l)
		}
	}
	if err := s.update.Exec(ctx, e); err != nil {
		return fmt.Errorf("alignment %s cell %s: %w", c.ID(), s.cell.Name(), err)
	}
	return nil
}

// engineStep runs a step the native executor cannot express on the
// engine: the graph goes into a throwaway store and comes back.
func (c *Compiled) engineStep(ctx context.Context, s *compiledCell, g *graph, strict bool, losses *[]Loss) (*graph, error) {
	e, err := loadEngine(ctx, g.triples())
	if err != nil {
		return nil, err
	}
	defer e.Close()
	if err := c.engineExec(ctx, e, s, strict, losses); err != nil {
		return nil, err
	}
	ts, err := dumpEngine(ctx, e)
	if err != nil {
		return nil, err
	}
	return newGraph(c.consts, c.blanks, ts)
}

func count(ctx context.Context, p *engine.Prepared, e *engine.Engine) (int, error) {
	res, err := p.Exec(ctx, e)
	if err != nil {
		return 0, err
	}
	defer res.Close()
	n := 0
	for res.Rows.Next() {
		t := res.Rows.Binding()["n"]
		fmt.Sscan(t.Value, &n)
	}
	return n, res.Rows.Err()
}

// Metrics receives translation events. cmd adapts it to Prometheus
// (intermw_ipsm_translations_total{alignment,result} and
// intermw_ipsm_data_loss_total{alignment,cell}); Counters keeps them in
// memory.
type Metrics interface {
	// Translated counts one application of an alignment; result is "ok",
	// "loss" or "error".
	Translated(alignment ID, result string)
	// DataLoss counts the matches of a loss.
	DataLoss(l Loss)
}

// Counters is an in-memory Metrics, safe for concurrent use.
type Counters struct {
	mu           sync.Mutex
	translations map[[2]string]int
	losses       map[[2]string]int
}

// Translated implements Metrics.
func (c *Counters) Translated(a ID, result string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.translations == nil {
		c.translations = map[[2]string]int{}
	}
	c.translations[[2]string{a.String(), result}]++
}

// DataLoss implements Metrics.
func (c *Counters) DataLoss(l Loss) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.losses == nil {
		c.losses = map[[2]string]int{}
	}
	c.losses[[2]string{l.Alignment.String(), l.Cell}] += l.Matches
}

// Losses returns the matches lost in one cell of an alignment.
func (c *Counters) Losses(a ID, cell string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.losses[[2]string{a.String(), cell}]
}

// Translations returns how many applications of an alignment ended with
// result.
func (c *Counters) Translations(a ID, result string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.translations[[2]string{a.String(), result}]
}

// Translator applies chains of compiled alignments to INTER-IoT messages:
// the payload graph only, the metadata untouched except for loss
// warnings.
type Translator struct {
	// Strict fails a translation that would lose data instead of
	// recording a warning.
	Strict bool
	// Metrics, when set, counts translations and losses.
	Metrics Metrics
}

// TranslateMessage applies chain, left to right, to msg's payload in
// place. In default mode each loss adds a PropTranslationWarning literal
// to the metadata; in strict mode a loss fails with a *DataLossError and
// msg is left as it was.
func (t *Translator) TranslateMessage(ctx context.Context, msg *messages.Message, chain ...*Compiled) ([]Loss, error) {
	payload := msg.Payload
	var all []Loss
	for _, c := range chain {
		if c == nil {
			continue
		}
		out, losses, err := c.Apply(ctx, payload, t.Strict)
		all = append(all, losses...)
		if err != nil {
			t.count(c.ID(), "error", nil)
			return all, err
		}
		res := "ok"
		if len(losses) > 0 {
			res = "loss"
		}
		t.count(c.ID(), res, losses)
		payload = out
	}
	msg.Payload = payload
	if len(all) > 0 {
		node := msg.Metadata.Node
		if node.IsZero() {
			node = rdf.Blank("meta")
			msg.Metadata.Node = node
		}
		for _, l := range all {
			msg.Metadata.Extra = append(msg.Metadata.Extra, rdf.Triple{S: node, P: rdf.IRI(PropTranslationWarning), O: rdf.String(l.String())})
		}
	}
	return all, nil
}

func (t *Translator) count(id ID, result string, losses []Loss) {
	if t.Metrics == nil {
		return
	}
	t.Metrics.Translated(id, result)
	for _, l := range losses {
		t.Metrics.DataLoss(l)
	}
}
