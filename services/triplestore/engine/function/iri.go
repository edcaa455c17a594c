package function

import "strings"

// ResolveIRI resolves ref against base following RFC 3986 section 5.2
// (strict resolution, with dot-segment removal). An absolute ref (one with
// a scheme) is returned with its dot segments removed; an empty base
// leaves ref unchanged.
func ResolveIRI(base, ref string) string {
	rs, ra, rp, rq, rf, rHasA, rHasQ, rHasF := splitIRI(ref)
	if rs != "" {
		return joinIRI(rs, ra, removeDotSegments(rp), rq, rf, rHasA, rHasQ, rHasF)
	}
	if base == "" {
		return ref
	}
	bs, ba, bp, bq, _, bHasA, bHasQ, _ := splitIRI(base)
	var ts, ta, tp, tq string
	var tHasA, tHasQ bool
	ts = bs
	switch {
	case rHasA:
		ta, tHasA, tp, tq, tHasQ = ra, true, removeDotSegments(rp), rq, rHasQ
	case rp == "":
		ta, tHasA, tp = ba, bHasA, bp
		if rHasQ {
			tq, tHasQ = rq, true
		} else {
			tq, tHasQ = bq, bHasQ
		}
	default:
		ta, tHasA = ba, bHasA
		if rp[0] == '/' {
			tp = removeDotSegments(rp)
		} else {
			var merged string
			if bHasA && bp == "" {
				merged = "/" + rp
			} else if i := strings.LastIndexByte(bp, '/'); i >= 0 {
				merged = bp[:i+1] + rp
			} else {
				merged = rp
			}
			tp = removeDotSegments(merged)
		}
		tq, tHasQ = rq, rHasQ
	}
	return joinIRI(ts, ta, tp, tq, rf, tHasA, tHasQ, rHasF)
}

func splitIRI(s string) (scheme, auth, path, query, frag string, hasAuth, hasQuery, hasFrag bool) {
	if i := strings.IndexByte(s, '#'); i >= 0 {
		frag, hasFrag, s = s[i+1:], true, s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		query, hasQuery, s = s[i+1:], true, s[:i]
	}
	if i := strings.IndexByte(s, ':'); i > 0 && validScheme(s[:i]) {
		scheme, s = s[:i], s[i+1:]
	}
	if strings.HasPrefix(s, "//") {
		s = s[2:]
		i := strings.IndexByte(s, '/')
		if i < 0 {
			i = len(s)
		}
		auth, hasAuth, s = s[:i], true, s[i:]
	}
	path = s
	return
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !alpha && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func joinIRI(scheme, auth, path, query, frag string, hasAuth, hasQuery, hasFrag bool) string {
	var b strings.Builder
	if scheme != "" {
		b.WriteString(scheme)
		b.WriteByte(':')
	}
	if hasAuth {
		b.WriteString("//")
		b.WriteString(auth)
	}
	b.WriteString(path)
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(query)
	}
	if hasFrag {
		b.WriteByte('#')
		b.WriteString(frag)
	}
	return b.String()
}

// removeDotSegments implements RFC 3986 section 5.2.4.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	var out []string
	in := p
	for in != "" {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "/..":
			in = "/"
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		case in == "." || in == "..":
			in = ""
		default:
			start := 0
			if in[0] == '/' {
				start = 1
			}
			i := strings.IndexByte(in[start:], '/')
			if i < 0 {
				i = len(in)
			} else {
				i += start
			}
			out = append(out, in[:i])
			in = in[i:]
		}
	}
	return strings.Join(out, "")
}
