package messages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/piprate/json-gold/ld"
)

// contextLoader is the only ld.DocumentLoader the codec gives json-gold. It
// serves preloaded context documents from memory and refuses everything else
// with a *ContextError: it never opens a file and never makes a request, so a
// message cannot make the hub read its disk or call out to the network.
//
// Documents are parsed once, when added; each load hands json-gold its own
// deep copy. It is safe for concurrent use.
type contextLoader struct {
	mu   sync.RWMutex
	docs map[string]any // URL → parsed document (an object with @context)
}

func newContextLoader() *contextLoader {
	return &contextLoader{docs: make(map[string]any)}
}

// add parses doc and serves it for url from then on. A document that is a
// bare context object (no "@context" member) is wrapped in one.
func (l *contextLoader) add(url string, doc []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: context %q: %v", ErrInvalidConfig, url, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: context %q: not a JSON object", ErrInvalidConfig, url)
	}
	if _, has := obj["@context"]; !has {
		obj = map[string]any{"@context": obj}
	}
	l.mu.Lock()
	l.docs[url] = obj
	l.mu.Unlock()
	return nil
}

// LoadDocument implements ld.DocumentLoader.
func (l *contextLoader) LoadDocument(u string) (*ld.RemoteDocument, error) {
	l.mu.RLock()
	doc, ok := l.docs[u]
	l.mu.RUnlock()
	if !ok {
		return nil, &ContextError{URL: u}
	}
	return &ld.RemoteDocument{DocumentURL: u, Document: ld.CloneDocument(doc)}, nil
}
