package engine

import "github.com/intermw/intermw/ontology/rdf"

// extraBase is the first ID of terms computed during a query that the store
// does not hold (BIND results, aggregates, VALUES terms, constants that are
// not in the data). Such IDs never reach the store.
const extraBase ID = 1 << 62

// termTable resolves IDs for one execution: store IDs through the store's
// dictionary, computed terms through a side table. A term always gets the
// same ID within one execution, so ID equality is term equality.
type termTable struct {
	dict  dictionary
	extra []rdf.Term
	index map[rdf.Term]ID
}

func newTermTable(d dictionary) *termTable {
	return &termTable{dict: d}
}

// term returns the term for id; the zero Term for 0.
func (tt *termTable) term(id ID) rdf.Term {
	if id == 0 {
		return rdf.Term{}
	}
	if id >= extraBase {
		return tt.extra[id-extraBase]
	}
	return tt.dict.Term(id)
}

// id returns the ID of t, adding it to the side table when the store does
// not know it. The zero Term gets 0.
func (tt *termTable) id(t rdf.Term) ID {
	if t.IsZero() {
		return 0
	}
	if tt.index != nil {
		if id, ok := tt.index[t]; ok {
			return id
		}
	}
	if id, ok := tt.dict.Find(t); ok {
		return id
	}
	if tt.index == nil {
		tt.index = make(map[rdf.Term]ID)
	}
	id := extraBase + ID(len(tt.extra))
	tt.extra = append(tt.extra, t)
	tt.index[t] = id
	return id
}

// inStore reports whether id names a term the store holds.
func inStore(id ID) bool { return id != 0 && id < extraBase }
