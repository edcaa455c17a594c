package function

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

func TestCall(t *testing.T) {
	const (
		dt1 = `"2010-06-21T11:28:01Z"^^xsd:dateTime`
		dt2 = `"2010-12-21T15:38:02-08:00"^^xsd:dateTime`
		dt3 = `"2008-06-20T23:59:00Z"^^xsd:dateTime`
		dt4 = `"2011-02-01T01:02:03"^^xsd:dateTime`
		dt5 = `"2011-02-01T01:02:03.500+05:30"^^xsd:dateTime`
	)
	tests := []struct {
		fn   string
		args []string
		want string
	}{
		// STR, LANG, DATATYPE
		{"STR", []string{"<http://a/b>"}, `"http://a/b"`},
		{"STR", []string{`"abc"@en`}, `"abc"`},
		{"STR", []string{"1.50"}, `"1.50"`},
		{"STR", []string{"_:b"}, "ERR"},
		{"STR", []string{"UNDEF"}, "ERR"},
		{"LANG", []string{`"abc"@en-GB`}, `"en-gb"`},
		{"LANG", []string{`"abc"`}, `""`},
		{"LANG", []string{"1"}, `""`},
		{"LANG", []string{"<http://a>"}, "ERR"},
		{"DATATYPE", []string{`"abc"`}, "<http://www.w3.org/2001/XMLSchema#string>"},
		{"DATATYPE", []string{`"abc"@en`}, "<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>"},
		{"DATATYPE", []string{"1"}, "<http://www.w3.org/2001/XMLSchema#integer>"},
		{"DATATYPE", []string{`"x"^^<http://t>`}, "<http://t>"},
		{"DATATYPE", []string{"_:b"}, "ERR"},
		// LANGMATCHES
		{"LANGMATCHES", []string{`"en"`, `"en"`}, "true"},
		{"LANGMATCHES", []string{`"en-US"`, `"en"`}, "true"},
		{"LANGMATCHES", []string{`"EN-us"`, `"en-US"`}, "true"},
		{"LANGMATCHES", []string{`"eng"`, `"en"`}, "false"},
		{"LANGMATCHES", []string{`"fr"`, `"*"`}, "true"},
		{"LANGMATCHES", []string{`""`, `"*"`}, "false"},
		{"LANGMATCHES", []string{`"en"`, `"en-US"`}, "false"},
		{"LANGMATCHES", []string{`"en"@en`, `"en"`}, "ERR"},
		// is* tests
		{"ISIRI", []string{"<http://a>"}, "true"},
		{"ISURI", []string{`"a"`}, "false"},
		{"ISBLANK", []string{"_:a"}, "true"},
		{"ISBLANK", []string{"<http://a>"}, "false"},
		{"ISLITERAL", []string{`"a"@en`}, "true"},
		{"ISLITERAL", []string{"_:a"}, "false"},
		{"ISIRI", []string{"UNDEF"}, "ERR"},
		{"ISNUMERIC", []string{"1"}, "true"},
		{"ISNUMERIC", []string{"1.5"}, "true"},
		{"ISNUMERIC", []string{`"1"^^xsd:unsignedShort`}, "true"},
		{"ISNUMERIC", []string{`"-1"^^xsd:unsignedShort`}, "false"},
		{"ISNUMERIC", []string{`"300"^^xsd:byte`}, "false"},
		{"ISNUMERIC", []string{`"abc"^^xsd:integer`}, "false"},
		{"ISNUMERIC", []string{`"1"`}, "false"},
		{"ISNUMERIC", []string{"<http://a>"}, "false"},
		// SAMETERM
		{"SAMETERM", []string{"1", "1"}, "true"},
		{"SAMETERM", []string{"1", "01"}, "false"},
		{"SAMETERM", []string{"1", "1.0"}, "false"},
		{"SAMETERM", []string{`"a"`, `"a"^^xsd:string`}, "true"},
		{"SAMETERM", []string{`"a"@en`, `"a"@EN`}, "true"},
		{"SAMETERM", []string{"<http://a>", "<http://a>"}, "true"},
		// STRLEN
		{"STRLEN", []string{`"foo"`}, `"3"^^xsd:integer`},
		{"STRLEN", []string{`"食べ物"`}, `"3"^^xsd:integer`},
		{"STRLEN", []string{`"bar"@en`}, `"3"^^xsd:integer`},
		{"STRLEN", []string{"\"\U0001F46A\""}, `"1"^^xsd:integer`},
		{"STRLEN", []string{"\"\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466\""}, `"7"^^xsd:integer`},
		{"STRLEN", []string{`""`}, `"0"^^xsd:integer`},
		{"STRLEN", []string{"7"}, "ERR"},
		// SUBSTR
		{"SUBSTR", []string{`"foo"`, "1", "1"}, `"f"`},
		{"SUBSTR", []string{`"bar"@en`, "1", "1"}, `"b"@en`},
		{"SUBSTR", []string{`"食べ物"`, "2"}, `"べ物"`},
		{"SUBSTR", []string{`"motor car"`, "6"}, `" car"`},
		{"SUBSTR", []string{`"metadata"`, "4", "3"}, `"ada"`},
		{"SUBSTR", []string{`"12345"`, "1.5", "2.6"}, `"234"`},
		{"SUBSTR", []string{`"12345"`, "0", "3"}, `"12"`},
		{"SUBSTR", []string{`"12345"`, "5", "-3"}, `""`},
		{"SUBSTR", []string{`"12345"`, "-3", "5"}, `"1"`},
		{"SUBSTR", []string{`"12345"`, `"NaN"^^xsd:double`, "3"}, `""`},
		{"SUBSTR", []string{`"12345"`, "1", `"NaN"^^xsd:double`}, `""`},
		{"SUBSTR", []string{`"12345"`, `"-INF"^^xsd:double`, `"INF"^^xsd:double`}, `""`},
		{"SUBSTR", []string{`"12345"`, "-42", `"INF"^^xsd:double`}, `"12345"`},
		{"SUBSTR", []string{`"abc"`, "10"}, `""`},
		{"SUBSTR", []string{"\"\U0001F46A\"", "2"}, `""`},
		{"SUBSTR", []string{"\"a\U0001F46Ab\"", "2", "1"}, "\"\U0001F46A\""},
		{"SUBSTR", []string{`"abc"`, `"1"`}, "ERR"},
		{"SUBSTR", []string{"1", "1"}, "ERR"},
		// UCASE / LCASE
		{"UCASE", []string{`"foo"`}, `"FOO"`},
		{"UCASE", []string{`"bar"@en`}, `"BAR"@en`},
		{"UCASE", []string{`"食べ物"`}, `"食べ物"`},
		{"LCASE", []string{`"BAZ"`}, `"baz"`},
		{"LCASE", []string{`"DEF"@fr`}, `"def"@fr`},
		{"LCASE", []string{"<http://A>"}, "ERR"},
		// STRSTARTS / STRENDS / CONTAINS and argument compatibility
		{"STRSTARTS", []string{`"foobar"`, `"foo"`}, "true"},
		{"STRSTARTS", []string{`"foobar"@en`, `"foo"@en`}, "true"},
		{"STRSTARTS", []string{`"foobar"@en`, `"foo"`}, "true"},
		{"STRSTARTS", []string{`"foobar"`, `"foo"@en`}, "ERR"},
		{"STRSTARTS", []string{`"foobar"@en`, `"foo"@fr`}, "ERR"},
		{"STRSTARTS", []string{`"abc"@en`, `"b"@fr`}, "ERR"},
		{"STRSTARTS", []string{`"foobar"`, `"bar"`}, "false"},
		{"STRSTARTS", []string{"1", `"1"`}, "ERR"},
		{"STRENDS", []string{`"foobar"`, `"bar"`}, "true"},
		{"STRENDS", []string{`"foobar"^^xsd:string`, `"bar"`}, "true"},
		{"STRENDS", []string{`"foobar"`, `"foo"`}, "false"},
		{"STRENDS", []string{`"foobar"`, `""`}, "true"},
		{"CONTAINS", []string{`"foobar"`, `"oba"`}, "true"},
		{"CONTAINS", []string{`"bar"@en`, `"a"`}, "true"},
		{"CONTAINS", []string{`"foobar"`, `"x"`}, "false"},
		{"CONTAINS", []string{`"foobar"`, "<http://x>"}, "ERR"},
		// STRBEFORE / STRAFTER
		{"STRBEFORE", []string{`"abc"`, `"b"`}, `"a"`},
		{"STRBEFORE", []string{`"abc"@en`, `"bc"`}, `"a"@en`},
		{"STRBEFORE", []string{`"abc"@en`, `"b"@cy`}, "ERR"},
		{"STRBEFORE", []string{`"abc"`, `""`}, `""`},
		{"STRBEFORE", []string{`"abc"@en`, `""`}, `""@en`},
		{"STRBEFORE", []string{`"abc"@en`, `""@en`}, `""@en`},
		{"STRBEFORE", []string{`"abc"@en`, `"xyz"`}, `""`},
		{"STRBEFORE", []string{`"english"@en`, `"s"`}, `"engli"@en`},
		{"STRBEFORE", []string{`"日本語"@ja`, `"s"`}, `""`},
		{"STRBEFORE", []string{"7", `"s"`}, "ERR"},
		{"STRAFTER", []string{`"abc"`, `"b"`}, `"c"`},
		{"STRAFTER", []string{`"abc"@en`, `"ab"`}, `"c"@en`},
		{"STRAFTER", []string{`"abc"@en`, `""`}, `"abc"@en`},
		{"STRAFTER", []string{`"abc"`, `"xyz"`}, `""`},
		{"STRAFTER", []string{`"abc"@en`, `"c"`}, `""@en`},
		{"STRAFTER", []string{`"abc"@en`, `"b"@cy`}, "ERR"},
		// CONCAT
		{"CONCAT", []string{`"abc"`, `"DEF"`}, `"abcDEF"`},
		{"CONCAT", []string{`"a"@en`, `"b"@en`}, `"ab"@en`},
		{"CONCAT", []string{`"a"@en`, `"b"@fr`}, `"ab"`},
		{"CONCAT", []string{`"a"@en`, `"b"`}, `"ab"`},
		{"CONCAT", []string{`"a"^^xsd:string`, `"b"`}, `"ab"`},
		{"CONCAT", []string{`"a"@en`}, `"a"@en`},
		{"CONCAT", []string{}, `""`},
		{"CONCAT", []string{`"a"`, "7"}, "ERR"},
		{"CONCAT", []string{`"a"`, "UNDEF"}, "ERR"},
		// ENCODE_FOR_URI
		{"ENCODE_FOR_URI", []string{`"Los Angeles"`}, `"Los%20Angeles"`},
		{"ENCODE_FOR_URI", []string{`"100%"`}, `"100%25"`},
		{"ENCODE_FOR_URI", []string{`"食べ物"`}, `"%E9%A3%9F%E3%81%B9%E7%89%A9"`},
		{"ENCODE_FOR_URI", []string{`"bar"@en`}, `"bar"`},
		{"ENCODE_FOR_URI", []string{"\"\U0001F46A\""}, `"%F0%9F%91%AA"`},
		{"ENCODE_FOR_URI", []string{`"a-b_c.d~e/f?g"`}, `"a-b_c.d~e%2Ff%3Fg"`},
		{"ENCODE_FOR_URI", []string{"1"}, "ERR"},
		// REGEX
		{"REGEX", []string{`"abc"`, `"b"`}, "true"},
		{"REGEX", []string{`"abc"`, `"^b"`}, "false"},
		{"REGEX", []string{`"ABC"`, `"b"`, `"i"`}, "true"},
		{"REGEX", []string{`"abc"@en`, `"^a"`}, "true"},
		{"REGEX", []string{`"a\nb"`, `"^b$"`}, "false"},
		{"REGEX", []string{`"a\nb"`, `"^b$"`, `"m"`}, "true"},
		{"REGEX", []string{`"a\nb"`, `"a.b"`}, "false"},
		{"REGEX", []string{`"a\nb"`, `"a.b"`, `"s"`}, "true"},
		{"REGEX", []string{`"abc"`, `"a b c"`, `"x"`}, "true"},
		{"REGEX", []string{`"a.c"`, `"."`, `"q"`}, "true"},
		{"REGEX", []string{`"abc"`, `"."`, `"q"`}, "false"},
		{"REGEX", []string{`"A.C"`, `"a.c"`, `"qi"`}, "true"},
		{"REGEX", []string{`"abc"`, `"b"`, `"z"`}, "ERR"},
		{"REGEX", []string{`"abc"`, `"("`}, "ERR"},
		{"REGEX", []string{`"aa"`, `"(a)\\1"`}, "ERR"},
		{"REGEX", []string{`"abc"`, `"b"@en`}, "ERR"},
		{"REGEX", []string{"<http://a>", `"a"`}, "ERR"},
		{"REGEX", []string{`"x_1"`, `"^\\i\\c*$"`}, "true"},
		{"REGEX", []string{`"Ǆ"`, `"\\p{Lu}"`}, "true"},
		// REPLACE
		{"REPLACE", []string{`"abcd"`, `"b"`, `"Z"`}, `"aZcd"`},
		{"REPLACE", []string{`"banana"`, `"ana"`, `"*"`}, `"b*na"`},
		{"REPLACE", []string{`"abcd"`, `"(ab)|(a)"`, `"[1=$1][2=$2]"`}, `"[1=ab][2=]cd"`},
		{"REPLACE", []string{`"aAbBaC"`, `"a"`, `"~/"`, `"i"`}, `"~/~/bB~/C"`},
		{"REPLACE", []string{`"English"@en`, `"[^a-z0-9]"`, `"-"`}, `"-nglish"@en`},
		{"REPLACE", []string{`"abracadabra"`, `"a(.)"`, `"a$1$1"`}, `"abbraccaddabbra"`},
		{"REPLACE", []string{`"abracadabra"`, `"a.*a"`, `"*"`}, `"*"`},
		{"REPLACE", []string{`"abracadabra"`, `"a.*?a"`, `"*"`}, `"*c*bra"`},
		{"REPLACE", []string{`"darted"`, `"^(.*?)d(.*)$"`, `"$1c$2"`}, `"carted"`},
		{"REPLACE", []string{`"a"`, `"a"`, `"\\$x\\\\"`}, `"$x\"`},
		{"REPLACE", []string{`"abc"`, `"(b)"`, `"$12"`}, `"ab2c"`},
		{"REPLACE", []string{`"a.c"`, `"."`, `"$1"`, `"q"`}, `"a$1c"`},
		{"REPLACE", []string{`"abc"`, `"b"`, `"$"`}, "ERR"},
		{"REPLACE", []string{`"abc"`, `"b"`, `"\\n"`}, "ERR"},
		{"REPLACE", []string{`"abc"`, `"x*"`, `"-"`}, "ERR"},
		{"REPLACE", []string{"7", `"7"`, `"-"`}, "ERR"},
		{"REPLACE", []string{`"abc"`, `"b"`, `"x"@en`}, "ERR"},
		// date/time accessors (functions tests year-01 .. tz-01)
		{"YEAR", []string{dt1}, `"2010"^^xsd:integer`},
		{"YEAR", []string{`"-0044-03-15T12:00:00Z"^^xsd:dateTime`}, `"-44"^^xsd:integer`},
		{"MONTH", []string{dt2}, `"12"^^xsd:integer`},
		{"DAY", []string{dt3}, `"20"^^xsd:integer`},
		{"HOURS", []string{dt1}, `"11"^^xsd:integer`},
		{"HOURS", []string{dt2}, `"15"^^xsd:integer`},
		{"HOURS", []string{dt4}, `"1"^^xsd:integer`},
		{"MINUTES", []string{dt1}, `"28"^^xsd:integer`},
		{"SECONDS", []string{dt1}, `"1.0"^^xsd:decimal`},
		{"SECONDS", []string{dt3}, `"0.0"^^xsd:decimal`},
		{"SECONDS", []string{dt5}, `"3.5"^^xsd:decimal`},
		{"TIMEZONE", []string{dt1}, `"PT0S"^^xsd:dayTimeDuration`},
		{"TIMEZONE", []string{dt2}, `"-PT8H"^^xsd:dayTimeDuration`},
		{"TIMEZONE", []string{dt5}, `"PT5H30M"^^xsd:dayTimeDuration`},
		{"TIMEZONE", []string{dt4}, "ERR"},
		{"TZ", []string{dt1}, `"Z"`},
		{"TZ", []string{dt2}, `"-08:00"`},
		{"TZ", []string{dt4}, `""`},
		{"YEAR", []string{`"2010-06-21"^^xsd:date`}, "ERR"},
		{"YEAR", []string{`"2010-06-21T11:28:01Z"`}, "ERR"},
		{"MONTH", []string{`"2010-02-30T11:28:01Z"^^xsd:dateTime`}, "ERR"},
		// hashes (functions md5-01 .. sha512-02)
		{"MD5", []string{`"foo"`}, `"acbd18db4cc2f85cedef654fccc4a4d8"`},
		{"MD5", []string{`"abc"^^xsd:string`}, `"900150983cd24fb0d6963f7d28e17f72"`},
		{"SHA1", []string{`"abc"`}, `"a9993e364706816aba3e25717850c26c9cd0d89d"`},
		{"SHA1", []string{"\"\u98DF\""}, `"d46696735b6a09ff407bfc1a9407e008840db9c9"`},
		{"SHA256", []string{`"abc"`}, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{"SHA384", []string{`"abc"`}, `"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"`},
		{"SHA512", []string{`"abc"`}, `"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"`},
		{"MD5", []string{`"foo"@en`}, "ERR"},
		{"MD5", []string{"1"}, "ERR"},
		// STRDT / STRLANG
		{"STRDT", []string{`"123"`, "<http://www.w3.org/2001/XMLSchema#integer>"}, `"123"^^xsd:integer`},
		{"STRDT", []string{`"x"`, "<http://t>"}, `"x"^^<http://t>`},
		{"STRDT", []string{`"foo"^^xsd:string`, "<http://www.w3.org/2001/XMLSchema#string>"}, `"foo"`},
		{"STRDT", []string{`"bar"@en`, "<http://www.w3.org/2001/XMLSchema#string>"}, "ERR"},
		{"STRDT", []string{"1", "<http://www.w3.org/2001/XMLSchema#string>"}, "ERR"},
		{"STRDT", []string{`"x"`, `"http://t"`}, "ERR"},
		{"STRLANG", []string{`"bar"`, `"en-US"`}, `"bar"@en-us`},
		{"STRLANG", []string{`"bar"@en`, `"en-US"`}, "ERR"},
		{"STRLANG", []string{`"bar"`, `""`}, "ERR"},
		{"STRLANG", []string{`"bar"`, `"not a tag"`}, "ERR"},
		{"STRLANG", []string{"1", `"en"`}, "ERR"},
		// IRI / URI
		{"IRI", []string{"<http://a/b>"}, "<http://a/b>"},
		{"URI", []string{`"http://x/y"`}, "<http://x/y>"},
		{"IRI", []string{`"b"@en`}, "ERR"},
		{"IRI", []string{"1"}, "ERR"},
		{"IRI", []string{"_:b"}, "ERR"},
		// case-insensitive names, arity and unknown functions
		{"strlen", []string{`"ab"`}, `"2"^^xsd:integer`},
		{"sameTerm", []string{"1", "1"}, "true"},
		{"isIRI", []string{"<http://a>"}, "true"},
		{"STRLEN", []string{`"a"`, `"b"`}, "ERR"},
		{"SUBSTR", []string{`"a"`}, "ERR"},
		{"NOSUCH", []string{}, "ERR"},
		{"http://example/fn", []string{"1"}, "ERR"},
	}
	ctx := NewContext("http://example.org/base/", time.Now())
	for _, tc := range tests {
		t.Run(tc.fn+"("+strings.Join(tc.args, ", ")+") gives "+tc.want, func(t *testing.T) {
			got, err := Call(tc.fn, tms(tc.args...), ctx)
			checkTerm(t, got, err, tc.want)
		})
	}
}

func TestUnknownFunctionIsDistinguishable(t *testing.T) {
	_, err := Call("NOSUCH", nil, nil)
	if !errors.Is(err, ErrUnknownFunction) || !errors.Is(err, ErrType) {
		t.Fatalf("err = %v, want ErrUnknownFunction wrapping ErrType", err)
	}
	_, err = Call("STRLEN", tms("1"), nil)
	if errors.Is(err, ErrUnknownFunction) {
		t.Fatalf("a type error must not look like an unknown function")
	}
}

func TestIRIResolvesAgainstTheBase(t *testing.T) {
	ctx := NewContext("http://example.org/", time.Now())
	got, err := Call("URI", tms(`"uri"`), ctx)
	checkTerm(t, got, err, "<http://example.org/uri>")
	got, err = Call("IRI", tms(`"iri"`), ctx)
	checkTerm(t, got, err, "<http://example.org/iri>")
}

func TestNowIsFixedPerContext(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 30, 15, 500_000_000, time.FixedZone("", -8*3600))
	ctx := NewContext("", now)
	a, _ := Call("NOW", nil, ctx)
	b, _ := Call("NOW", nil, ctx)
	if a != b || show(a) != `"2024-03-01T12:30:15.5-08:00"^^xsd:dateTime` {
		t.Fatalf("NOW gave %s and %s", show(a), show(b))
	}
	got, err := Call("TIMEZONE", []rdf.Term{a}, ctx)
	checkTerm(t, got, err, `"-PT8H"^^xsd:dayTimeDuration`)
	utc, _ := Call("NOW", nil, NewContext("", now.UTC()))
	if !strings.HasSuffix(utc.Value, "Z") {
		t.Fatalf("UTC NOW = %s, want a Z timezone", utc.Value)
	}
}

func TestUUIDsAreFreshAndWellFormed(t *testing.T) {
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, _ := Call("UUID", nil, nil)
	b, _ := Call("UUID", nil, nil)
	if !a.IsIRI() || !strings.HasPrefix(a.Value, "urn:uuid:") || !uuidRE.MatchString(a.Value[9:]) || a == b {
		t.Fatalf("UUID gave %s, %s", show(a), show(b))
	}
	s, _ := Call("STRUUID", nil, nil)
	if s.Datatype != rdf.XSDString || !uuidRE.MatchString(s.Value) {
		t.Fatalf("STRUUID gave %s", show(s))
	}
}

func TestRandIsADoubleInTheUnitInterval(t *testing.T) {
	for i := 0; i < 100; i++ {
		r, err := Call("RAND", nil, nil)
		if err != nil || r.Datatype != rdf.XSDDouble {
			t.Fatalf("RAND gave %s, %v", show(r), err)
		}
		n, ok := parseNumeric(r)
		if !ok || n.f < 0 || n.f >= 1 {
			t.Fatalf("RAND gave %s", r.Value)
		}
	}
	ctx := NewContext("", time.Now())
	ctx.Rand = func() float64 { return 0.25 }
	r, _ := Call("RAND", nil, ctx)
	if r.Value != "2.5E-1" {
		t.Fatalf("RAND with a fixed source gave %s", r.Value)
	}
}

func TestBNodeLabelsAreSharedWithinASolutionOnly(t *testing.T) {
	ctx := NewContext("", time.Now())
	bnode := func(args ...string) rdf.Term {
		t.Helper()
		b, err := Call("BNODE", tms(args...), ctx)
		if err != nil || !b.IsBlank() {
			t.Fatalf("BNODE gave %s, %v", show(b), err)
		}
		return b
	}
	a1, a2, b1 := bnode(`"a"`), bnode(`"a"`), bnode(`"b"`)
	if a1 != a2 || a1 == b1 {
		t.Fatalf("within one solution: %s %s %s", show(a1), show(a2), show(b1))
	}
	f1, f2 := bnode(), bnode()
	if f1 == f2 || f1 == a1 {
		t.Fatalf("BNODE() must be fresh: %s %s", show(f1), show(f2))
	}
	ctx.NextSolution()
	if a3 := bnode(`"a"`); a3 == a1 {
		t.Fatalf("the next solution reused %s", show(a3))
	}
	fork := ctx.Fork()
	fb, _ := Call("BNODE", nil, fork)
	if fb == f1 || fb == f2 {
		t.Fatalf("a fork reused a label")
	}
	if _, err := Call("BNODE", tms("1"), ctx); err == nil {
		t.Fatalf("BNODE(1) must be an error")
	}
	if _, err := Call("BNODE", tms(`"x"@en`), ctx); err == nil {
		t.Fatalf("BNODE with a language-tagged string must be an error")
	}
}

func TestRegexCacheReusesCompiledPatterns(t *testing.T) {
	ctx := NewContext("", time.Now())
	r1, err1 := ctx.Regex("a+b", "i")
	r2, err2 := ctx.Regex("a+b", "i")
	r3, _ := ctx.Regex("a+b", "")
	if err1 != nil || err2 != nil || r1 != r2 || r1 == r3 {
		t.Fatalf("cache returned %p %p %p (%v %v)", r1, r2, r3, err1, err2)
	}
	_, e1 := ctx.Regex("(", "")
	_, e2 := ctx.Regex("(", "")
	if e1 == nil || e1 != e2 {
		t.Fatalf("compile errors should be cached too: %v %v", e1, e2)
	}
	for i := 0; i < maxCachedPatterns+10; i++ {
		if _, err := ctx.Regex("p"+itoa(i), ""); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(ctx.shared.regex.m); n > maxCachedPatterns {
		t.Fatalf("cache grew to %d entries", n)
	}
}

func TestReplacementTranslation(t *testing.T) {
	tests := []struct {
		in     string
		groups int
		want   string
		ok     bool
	}{
		{"plain", 0, "plain", true},
		{"$1", 1, "${1}", true},
		{"$10", 1, "${1}0", true},
		{"$10", 10, "${10}", true},
		{`\$`, 0, "$$", true},
		{`\\`, 0, `\`, true},
		{"$", 0, "", false},
		{"$a", 1, "", false},
		{`\a`, 0, "", false},
	}
	for _, tc := range tests {
		got, ok := translateReplacement(tc.in, tc.groups)
		if got != tc.want || ok != tc.ok {
			t.Errorf("translateReplacement(%q, %d) = %q, %v; want %q, %v", tc.in, tc.groups, got, ok, tc.want, tc.ok)
		}
	}
}
