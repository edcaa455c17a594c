package rdf

import (
	"io"
	"strings"
)

// AppendTerm writes t in N-Triples syntax to b. The zero Term writes nothing.
func AppendTerm(b *strings.Builder, t Term) {
	switch t.Kind {
	case KindIRI:
		b.WriteByte('<')
		writeEscapedIRI(b, t.Value)
		b.WriteByte('>')
	case KindBlank:
		b.WriteString("_:")
		b.WriteString(t.Value)
	case KindLiteral:
		AppendQuoted(b, t.Value)
		switch {
		case t.Lang != "":
			b.WriteByte('@')
			b.WriteString(t.Lang)
		case t.Datatype != "" && t.Datatype != XSDString:
			b.WriteString("^^<")
			writeEscapedIRI(b, t.Datatype)
			b.WriteByte('>')
		}
	}
}

const hexDigits = "0123456789ABCDEF"

func writeUCHAR(b *strings.Builder, r rune) {
	if r <= 0xFFFF {
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hexDigits[(r>>uint(shift))&0xF])
		}
		return
	}
	b.WriteString(`\U`)
	for shift := 28; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>uint(shift))&0xF])
	}
}

// writeEscapedIRI writes an IRI with the characters N-Triples forbids in
// IRIREF written as UCHAR escapes.
func writeEscapedIRI(b *strings.Builder, s string) {
	for _, r := range s {
		switch {
		case r <= 0x20, r == '<', r == '>', r == '"', r == '{', r == '}', r == '|', r == '^', r == '`', r == '\\':
			writeUCHAR(b, r)
		default:
			b.WriteRune(r)
		}
	}
}

// AppendQuoted writes s as a double-quoted string with the escapes that
// N-Triples, Turtle and SPARQL share: \" \\ \n \r \t \b \f, and \uXXXX
// for other control characters. No content can end the string.
func AppendQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	writeEscapedString(b, s)
	b.WriteByte('"')
}

func writeEscapedString(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7F {
				writeUCHAR(b, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
}

// WriteNQuads writes quads to w, one per line.
func WriteNQuads(w io.Writer, quads []Quad) error {
	var b strings.Builder
	for _, q := range quads {
		b.WriteString(q.String())
		b.WriteByte('\n')
		if b.Len() > 64<<10 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteNTriples writes triples to w, one per line.
func WriteNTriples(w io.Writer, triples []Triple) error {
	var b strings.Builder
	for _, t := range triples {
		b.WriteString(t.String())
		b.WriteByte('\n')
		if b.Len() > 64<<10 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
