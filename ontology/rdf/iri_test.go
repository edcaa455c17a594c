package rdf

import "testing"

func TestResolveIRIStrictExamples(t *testing.T) {
	const base = "http://a/b/c/d;p?q"
	cases := map[string]string{
		// RFC 3986 section 5.4.1, normal examples.
		"g:h": "g:h", "g": "http://a/b/c/g", "./g": "http://a/b/c/g", "g/": "http://a/b/c/g/",
		"/g": "http://a/g", "//g": "http://g", "?y": "http://a/b/c/d;p?y", "g?y": "http://a/b/c/g?y",
		"#s": "http://a/b/c/d;p?q#s", "g#s": "http://a/b/c/g#s", "g?y#s": "http://a/b/c/g?y#s",
		";x": "http://a/b/c/;x", "g;x": "http://a/b/c/g;x", "g;x?y#s": "http://a/b/c/g;x?y#s",
		"": "http://a/b/c/d;p?q", ".": "http://a/b/c/", "./": "http://a/b/c/", "..": "http://a/b/",
		"../": "http://a/b/", "../g": "http://a/b/g", "../..": "http://a/", "../../": "http://a/",
		"../../g": "http://a/g",
		// Section 5.4.2, abnormal examples (strict parser).
		"../../../g": "http://a/g", "../../../../g": "http://a/g", "/./g": "http://a/g",
		"/../g": "http://a/g", "g.": "http://a/b/c/g.", ".g": "http://a/b/c/.g", "g..": "http://a/b/c/g..",
		"..g": "http://a/b/c/..g", "./../g": "http://a/b/g", "./g/.": "http://a/b/c/g/",
		"g/./h": "http://a/b/c/g/h", "g/../h": "http://a/b/c/h", "g;x=1/./y": "http://a/b/c/g;x=1/y",
		"g;x=1/../y": "http://a/b/c/y", "g?y/./x": "http://a/b/c/g?y/./x",
		"g?y/../x": "http://a/b/c/g?y/../x", "g#s/./x": "http://a/b/c/g#s/./x",
		"g#s/../x": "http://a/b/c/g#s/../x", "http:g": "http:g",
	}
	for ref, want := range cases {
		t.Run("reference "+ref+" resolves to "+want, func(t *testing.T) {
			if got := ResolveIRI(base, ref); got != want {
				t.Errorf("ResolveIRI(%q, %q) = %q, want %q", base, ref, got, want)
			}
		})
	}
}

func TestResolveIRIEdgeCases(t *testing.T) {
	cases := []struct{ base, ref, want string }{
		{"http://a", "g", "http://a/g"},
		{"http://a", "", "http://a"},
		{"http://a/b", "#f", "http://a/b#f"},
		{"", "rel/x", "rel/x"},
		{"urn:x:y", "#frag", "urn:x:y#frag"},
		{"http://a/b/c", "?", "http://a/b/c?"},
		{"file:///dir/file.rq", "data.ttl", "file:///dir/data.ttl"},
	}
	for _, c := range cases {
		t.Run(c.ref+" against "+c.base, func(t *testing.T) {
			if got := ResolveIRI(c.base, c.ref); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
