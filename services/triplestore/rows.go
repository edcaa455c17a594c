package triplestore

// SliceRows returns Rows over solutions held in memory.
func SliceRows(rows []Binding) Rows { return &sliceRows{rows: rows, i: -1} }

type sliceRows struct {
	rows []Binding
	i    int
}

func (s *sliceRows) Next() bool {
	if s.i+1 >= len(s.rows) {
		s.i = len(s.rows)
		return false
	}
	s.i++
	return true
}

func (s *sliceRows) Binding() Binding {
	if s.i < 0 || s.i >= len(s.rows) {
		return nil
	}
	return s.rows[s.i]
}

func (s *sliceRows) Err() error   { return nil }
func (s *sliceRows) Close() error { s.i = len(s.rows); return nil }

// Collect reads all remaining rows and closes them.
func Collect(r Rows) ([]Binding, error) {
	defer r.Close()
	var out []Binding
	for r.Next() {
		out = append(out, r.Binding())
	}
	return out, r.Err()
}
