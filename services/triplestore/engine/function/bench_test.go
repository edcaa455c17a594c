package function

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

var (
	sinkBool bool
	sinkInt  int
	sinkTerm rdf.Term
)

// The "baseline" sub-benchmarks do the least work a hand-written evaluator
// could do for the same question, to compare against in the same run.

func BenchmarkEqual(b *testing.B) {
	i1, i2 := tm("12345"), tm("12346")
	d1, d2 := tm("1.25"), tm("1.250")
	f1 := tm("1.25e0")
	s1, s2 := tm(`"hello world"`), tm(`"hello there"`)
	b.Run("integers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkBool, _ = Equal(i1, i2)
		}
	})
	b.Run("integers baseline strconv", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			x, _ := strconv.ParseInt(i1.Value, 10, 64)
			y, _ := strconv.ParseInt(i2.Value, 10, 64)
			sinkBool = x == y
		}
	})
	b.Run("decimals", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkBool, _ = Equal(d1, d2)
		}
	})
	b.Run("decimal vs double", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkBool, _ = Equal(d1, f1)
		}
	})
	b.Run("strings", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkBool, _ = Equal(s1, s2)
		}
	})
}

func BenchmarkCompare(b *testing.B) {
	i1, i2 := tm("12345"), tm("-7")
	d1, i3 := tm("3.14159"), tm("3")
	dt1 := tm(`"2010-06-21T11:28:01Z"^^xsd:dateTime`)
	dt2 := tm(`"2010-12-21T15:38:02-08:00"^^xsd:dateTime`)
	b.Run("integers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkInt, _ = Compare(i1, i2)
		}
	})
	b.Run("decimal vs integer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkInt, _ = Compare(d1, i3)
		}
	})
	b.Run("dateTimes", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkInt, _ = Compare(dt1, dt2)
		}
	})
	b.Run("OrderCompare mixed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkInt = OrderCompare(d1, i1)
		}
	})
}

func BenchmarkArithmetic(b *testing.B) {
	i1, i2 := tm("12345"), tm("678")
	d1 := tm("1.5")
	b.Run("integer plus", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkTerm, _ = Arithmetic('+', i1, i2)
		}
	})
	b.Run("decimal times integer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkTerm, _ = Arithmetic('*', d1, i2)
		}
	})
}

func BenchmarkRegex(b *testing.B) {
	ctx := NewContext("", time.Now())
	args := tms(`"The quick brown fox jumps over the lazy dog"`, `"f[aeiou]x"`, `"i"`)
	b.Run("REGEX with cached pattern", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkTerm, _ = Call("REGEX", args, ctx)
		}
	})
	b.Run("baseline compile every row", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			re := regexp.MustCompile("(?i)" + args[1].Value)
			sinkBool = re.MatchString(args[0].Value)
		}
	})
	b.Run("baseline precompiled MatchString", func(b *testing.B) {
		re := regexp.MustCompile("(?i)" + args[1].Value)
		b.ReportAllocs()
		for b.Loop() {
			sinkBool = re.MatchString(args[0].Value)
		}
	})
}

func BenchmarkStrings(b *testing.B) {
	ctx := NewContext("", time.Now())
	iri := tm("<http://example.org/resource/42>")
	parts := tms(`"abc"`, `"def"@en`, `"ghi"`)
	b.Run("STR of IRI", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkTerm, _ = Call("STR", []rdf.Term{iri}, ctx)
		}
	})
	b.Run("CONCAT three", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkTerm, _ = Call("CONCAT", parts, ctx)
		}
	})
	b.Run("baseline string concat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkTerm = rdf.String(parts[0].Value + parts[1].Value + parts[2].Value)
		}
	})
	b.Run("STRLEN", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkTerm, _ = Call("STRLEN", parts[:1], ctx)
		}
	})
}

func BenchmarkEBV(b *testing.B) {
	t1 := tm("42")
	b.ReportAllocs()
	for b.Loop() {
		sinkBool, _ = EBV(t1)
	}
}
