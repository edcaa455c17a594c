package engine

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/engine/sparql"
)

// load runs LOAD: only when Config.AllowLoad is set, and only of files
// under Config.LoadDir, parsed by extension (.nt, .nq, .ttl).
func (u *updater) load(l *sparql.Load) error {
	err := u.loadFile(l)
	if err != nil && l.Silent {
		return nil
	}
	return err
}

func (u *updater) loadFile(l *sparql.Load) error {
	cfg := u.e.cfg
	if !cfg.AllowLoad {
		return fmt.Errorf("%w: LOAD is disabled", triplestore.ErrUnsupported)
	}
	path, err := loadPath(cfg.LoadDir, l.Source)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: LOAD <%s>: %w", ErrUpdate, l.Source, err)
	}
	defer f.Close()
	var into rdf.Term
	if l.Into != "" {
		into = rdf.IRI(l.Into)
	}
	var quads []rdf.Quad
	switch strings.ToLower(filepath.Ext(path)) {
	case ".nq":
		qs, err := rdf.ParseNQuads(f)
		if err != nil {
			return fmt.Errorf("%w: LOAD <%s>: %w", ErrUpdate, l.Source, err)
		}
		for _, q := range qs {
			if q.G.IsZero() {
				q.G = into
			}
			quads = append(quads, q)
		}
	case ".nt":
		ts, err := rdf.ParseNTriples(f)
		if err != nil {
			return fmt.Errorf("%w: LOAD <%s>: %w", ErrUpdate, l.Source, err)
		}
		for _, t := range ts {
			quads = append(quads, t.InGraph(into))
		}
	case ".ttl":
		ts, err := rdf.ParseTurtle(f, l.Source)
		if err != nil {
			return fmt.Errorf("%w: LOAD <%s>: %w", ErrUpdate, l.Source, err)
		}
		for _, t := range ts {
			quads = append(quads, t.InGraph(into))
		}
	default:
		return fmt.Errorf("%w: LOAD <%s>: unknown file type", triplestore.ErrUnsupported, l.Source)
	}
	blanks := map[string]rdf.Term{}
	for _, q := range quads {
		q.S = u.freshFor(q.S, blanks)
		q.O = u.freshFor(q.O, blanks)
		if err := u.tx.Add(q); err != nil {
			return err
		}
	}
	return nil
}

// loadPath maps a LOAD source to a file inside dir, refusing anything
// outside it.
func loadPath(dir, source string) (string, error) {
	p := source
	if strings.HasPrefix(source, "file:") {
		pu, err := url.Parse(source)
		if err != nil {
			return "", fmt.Errorf("%w: LOAD <%s>: %w", ErrUpdate, source, err)
		}
		p = pu.Path
	} else if strings.Contains(source, "://") {
		return "", fmt.Errorf("%w: LOAD of remote <%s>", triplestore.ErrUnsupported, source)
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(absDir, p)
	}
	p = filepath.Clean(p)
	rel, err := filepath.Rel(absDir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%w: LOAD <%s> is outside the load directory", triplestore.ErrUnsupported, source)
	}
	return p, nil
}
