package sparql

import (
	"fmt"
	"unicode/utf8"

	"github.com/intermw/intermw/services/triplestore"
)

// parseError is raised (by panic) inside the parser and turned into the
// returned error by parser.recover. Only this type is ever recovered:
// any other panic is a bug and propagates.
type parseError struct{ err error }

// position returns the 1-based line and column (in characters) of byte
// offset pos in src. A CR LF pair, a lone CR and a lone LF each end a line.
func position(src string, pos int) (line, col int) {
	if pos > len(src) {
		pos = len(src)
	}
	line, col = 1, 1
	for i := 0; i < pos; {
		c := src[i]
		switch {
		case c == '\n':
			line, col = line+1, 1
			i++
		case c == '\r':
			if i+1 < len(src) && src[i+1] == '\n' && i+1 < pos {
				i++
			}
			line, col = line+1, 1
			i++
		case c < utf8.RuneSelf:
			col++
			i++
		default:
			_, n := utf8.DecodeRuneInString(src[i:])
			col++
			i += n
		}
	}
	return line, col
}

func syntaxErrorAt(src string, pos int, msg string) *triplestore.SyntaxError {
	line, col := position(src, pos)
	return &triplestore.SyntaxError{Line: line, Column: col, Msg: msg}
}

// UnknownPrefixError reports a prefixed name whose prefix was never
// declared. errors.Is(err, triplestore.ErrUnknownPrefix) holds.
type UnknownPrefixError struct {
	Prefix       string
	Line, Column int
}

func (e *UnknownPrefixError) Error() string {
	return fmt.Sprintf("sparql: unknown prefix %q at line %d, column %d", e.Prefix+":", e.Line, e.Column)
}

// Unwrap makes errors.Is(err, triplestore.ErrUnknownPrefix) hold.
func (e *UnknownPrefixError) Unwrap() error { return triplestore.ErrUnknownPrefix }
