package alignment

import (
	"errors"
	"strings"
	"testing"
)

func TestEveryFixtureAlignmentLoadsAndValidates(t *testing.T) {
	want := map[string]struct {
		id    ID
		cells int
	}{
		"BodyCloud_CO":              {ID{"BodyCloud_CO_align", "2.0.2"}, 11},
		"UniversAAL_CO":             {ID{"UniversAAL_CO_align", "3.0.1"}, 9},
		"Port_CO":                   {ID{"Port_CO", "2.5"}, 28},
		"CO_FIWARE":                 {ID{"CO_FIWARE_align", "1.0"}, 11},
		"test-upstream-alignment":   {ID{"Test_Upstream_Alignment", "1.0"}, 2},
		"test-downstream-alignment": {ID{"Test_Downstream_Alignment", "1.0"}, 3},
	}
	for _, name := range fixtureAlignments {
		t.Run(name+" loads, validates and compiles every step", func(t *testing.T) {
			c := loadFixture(t, name)
			w := want[name]
			if c.ID() != w.id || len(c.Alignment.Cells) != w.cells || len(c.steps) != len(c.Alignment.Steps) {
				t.Errorf("got %s with %d cells and %d steps", c.ID(), len(c.Alignment.Cells), len(c.steps))
			}
			if c.Alignment.Onto1 == "" || c.Alignment.Onto2 == "" {
				t.Error("onto1/onto2 not read")
			}
		})
	}
	t.Run("CO_FIWARE's unbound ?nodeCTY is a warning by default and an error in strict mode", func(t *testing.T) {
		data := readFixture(t, "alignments/CO_FIWARE.rdf")
		a, err := Parse(data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !hasProblem(a.Warnings, "cell3_entity", "?nodeCTY") {
			t.Errorf("warnings = %v", a.Warnings)
		}
		_, err = Parse(data, Options{Strict: true})
		var ve *ValidationError
		if !errors.As(err, &ve) || !hasProblem(ve.Problems, "cell3_entity", "?nodeCTY") {
			t.Errorf("strict: %v", err)
		}
	})
	t.Run("the RDF/XML cells of the test alignments read anonymous typed nodes as variables", func(t *testing.T) {
		c := loadFixture(t, "test-downstream-alignment")
		cell := c.Alignment.Cell("cell3")
		if len(cell.Entity1) != 1 || cell.Entity1[0].S.Var != "node_CTY" || cell.Entity1[0].P.Var != "pred_P" || cell.Entity1[0].O.Var != "node_x" {
			t.Errorf("entity1 = %v", cell.Entity1)
		}
	})
}

func hasProblem(ps []Problem, cell, text string) bool {
	for _, p := range ps {
		if p.Cell == cell && strings.Contains(p.Message, text) {
			return true
		}
	}
	return false
}

// doc builds a small Turtle-cell alignment around cells and steps.
func doc(steps, cells string) string {
	return `<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY var "http://www.inter-iot.eu/sripas#node_"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:sripas="http://www.inter-iot.eu/sripas#"
  xmlns:var="http://www.inter-iot.eu/sripas#node_" xmlns:ex="http://example.org/"
  xmlns:align="http://knowledgeweb.semanticweb.org/heterogeneity/alignment#" xmlns:dcelem="http://purl.org/dc/elements/1.1/"
  xmlns:exmo="http://exmo.inrialpes.fr/align/ext/1.0/#" xmlns:iiot="http://inter-iot.eu/GOIoTP#">
 <align:Alignment>
  <dcelem:title>T</dcelem:title><exmo:version>1</exmo:version><dcelem:creator>t</dcelem:creator><dcelem:description>d</dcelem:description>
  <sripas:cellFormat><iiot:DataFormat rdf:about="http://inter-iot.eu/sripas#turtle"/></sripas:cellFormat>
  <align:onto1><align:Ontology rdf:about="http://example.org/"/></align:onto1>
  <align:onto2><align:Ontology rdf:about="http://example.org/2"/></align:onto2>
  <sripas:steps rdf:parseType="Collection">` + steps + `</sripas:steps>
  ` + cells + `
 </align:Alignment>
</rdf:RDF>`
}

func step(cell string) string {
	return `<sripas:step sripas:order="1" sripas:cell="http://www.inter-iot.eu/sripas#` + cell + `"/>`
}

func cell(id, e1, e2, extra string) string {
	return `<align:map><align:Cell rdf:about="http://www.inter-iot.eu/sripas#` + id + `"><align:entity1>` + e1 +
		`</align:entity1><align:entity2>` + e2 + `</align:entity2>` + extra + `</align:Cell></align:map>`
}

func fn(name, ret string, params ...string) string {
	s := `<sripas:transformation rdf:parseType="Literal"><sripas:function sripas:about="` + name + `">`
	for i, p := range params {
		o := string(rune('1' + i))
		if strings.HasPrefix(p, "?") {
			s += `<sripas:param sripas:order="` + o + `" sripas:about="&var;` + p[1:] + `"/>`
		} else {
			s += `<sripas:param sripas:order="` + o + `" sripas:val="` + p + `"/>`
		}
	}
	return s + `<sripas:return sripas:about="&var;` + ret + `"/></sripas:function></sripas:transformation>`
}

func TestBadAlignmentsAreRejectedNamingTheCellAndProblem(t *testing.T) {
	ok := cell("c", "var:s ex:p var:o .", "var:s ex:q var:o .", "")
	cases := []struct {
		name, doc, cell, want string
		tooLarge              bool
	}{
		{"malformed XML is a syntax error with its line", "<rdf:RDF><align:Alignment>", "", "malformed XML", false},
		{"an unresolvable entity is refused", strings.Replace(doc(step("c"), ok), "var:s ex:p", "&nope; ex:p", 1), "", "malformed XML", false},
		{"a Turtle syntax error names the cell", doc(step("c"), cell("c", "var:s ex:p [ .", "var:s ex:q var:o .", "")), "c", "entity1: Turtle syntax error", false},
		{"an undeclared prefix in a cell names the cell", doc(step("c"), cell("c", "var:s nope:p var:o .", "var:s ex:q var:o .", "")), "c", "entity1: Turtle syntax error", false},
		{"a step naming a missing cell", doc(step("c")+step("gone"), ok), "", "names cell http://www.inter-iot.eu/sripas#gone, which does not exist", false},
		{"a cell listed twice in steps is a cycle", doc(step("c")+step("c"), ok), "", "cycle", false},
		{"two cells with one id", doc(step("c"), ok+ok), "c", "not unique", false},
		{"a function with the wrong arity", doc(step("c"), cell("c", "var:s ex:p var:o .", "var:s ex:q var:r .", fn("STR", "r", "?o", "x"))), "c", "function STR takes 1 argument(s), not 2", false},
		{"an unknown function", doc(step("c"), cell("c", "var:s ex:p var:o .", "var:s ex:q var:r .", fn("frobnicate", "r", "?o"))), "c", `unknown function "frobnicate"`, false},
		{"a parameter bound nowhere earlier", doc(step("c"), cell("c", "var:s ex:p var:o .", "var:s ex:q var:r .", fn("STR", "r", "?later"))), "c", "?node_later) is not bound", false},
		{"a return variable already bound", doc(step("c"), cell("c", "var:s ex:p var:o .", "var:s ex:q var:o .", fn("STR", "o", "?o"))), "c", "already bound", false},
		{"a cell without entity2 breaks the shape", doc(step("c"), `<align:map><align:Cell rdf:about="http://www.inter-iot.eu/sripas#c"><align:entity1>var:s ex:p var:o .</align:entity1></align:Cell></align:map>`), "c", "align:entity2 is missing", false},
		{"a document without a title breaks the shape", strings.Replace(doc(step("c"), ok), "<dcelem:title>T</dcelem:title>", "", 1), "", "dc:title is missing", false},
		{"an enormous document hits the size limit", doc(step("c"), ok+strings.Repeat("<!-- padding -->", 300000)), "", "more than the limit", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load([]byte(tc.doc), Options{})
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if !hasProblem(ve.Problems, tc.cell, tc.want) {
				t.Errorf("problems %v lack cell %q: %q", ve.Problems, tc.cell, tc.want)
			}
			if tc.tooLarge != errors.Is(err, ErrTooLarge) {
				t.Errorf("ErrTooLarge = %v", errors.Is(err, ErrTooLarge))
			}
		})
	}
	t.Run("every problem of a document is reported at once", func(t *testing.T) {
		d := doc(step("a")+step("gone"), cell("a", "var:s ex:p [ .", "var:s ex:q var:o .", "")+
			cell("b", "var:s ex:p var:o .", "var:s ex:q var:r .", fn("STR", "r", "?o", "x")))
		_, err := Load([]byte(d), Options{})
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Problems) < 3 {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestTheEpochExtensionGivesUTCDateTimes(t *testing.T) {
	d := doc(step("c"), cell("c", "var:s ex:ms var:ms .", "var:s ex:at var:at .", fn("unixEpochToUTC", "at", "?ms")))
	c, err := Load([]byte(d), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ in, want string }{
		{"0", "1970-01-01T00:00:00Z"},
		{"1504126800000", "2017-08-30T21:00:00Z"},
		{"1525426098123", "2018-05-04T09:28:18.123Z"},
		{"951782400000", "2000-02-29T00:00:00Z"},
		{"-86400001", "1969-12-30T23:59:59.999Z"},
	} {
		t.Run(tc.in+" ms is "+tc.want, func(t *testing.T) {
			got := runOne(t, c, tc.in)
			if got != tc.want {
				t.Errorf("got %q", got)
			}
		})
	}
}
