package function

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/intermw/intermw/ontology/rdf"
)

// numKind orders the numeric types by promotion: integer < decimal < float
// < double (XPath type promotion, SPARQL 17.3.1).
type numKind uint8

const (
	nkInteger numKind = iota
	nkDecimal
	nkFloat
	nkDouble
)

// numeric is a parsed numeric value. Integers and decimals are exact: the
// value is small / 10^scale unless r is non-nil, in which case r holds it.
// Floats and doubles live in f (floats already rounded to float32).
type numeric struct {
	kind  numKind
	scale int32
	small int64
	r     *big.Rat
	f     float64
}

var (
	bigOne = big.NewInt(1)
	bigTen = big.NewInt(10)
)

// Derived integer datatypes and their value ranges (nil bound = unbounded).
type intRange struct{ min, max *big.Int }

func bigFromString(s string) *big.Int { b, _ := new(big.Int).SetString(s, 10); return b }

var (
	xsdLong               = rdf.XSD + "long"
	xsdInt                = rdf.XSD + "int"
	xsdShort              = rdf.XSD + "short"
	xsdByte               = rdf.XSD + "byte"
	xsdNonNegativeInteger = rdf.XSD + "nonNegativeInteger"
	xsdPositiveInteger    = rdf.XSD + "positiveInteger"
	xsdNonPositiveInteger = rdf.XSD + "nonPositiveInteger"
	xsdNegativeInteger    = rdf.XSD + "negativeInteger"
	xsdUnsignedLong       = rdf.XSD + "unsignedLong"
	xsdUnsignedInt        = rdf.XSD + "unsignedInt"
	xsdUnsignedShort      = rdf.XSD + "unsignedShort"
	xsdUnsignedByte       = rdf.XSD + "unsignedByte"
)

// integerRanges holds the range of every xsd type derived from xsd:integer.
var integerRanges = map[string]intRange{
	xsdLong:               {big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)},
	xsdInt:                {big.NewInt(math.MinInt32), big.NewInt(math.MaxInt32)},
	xsdShort:              {big.NewInt(math.MinInt16), big.NewInt(math.MaxInt16)},
	xsdByte:               {big.NewInt(math.MinInt8), big.NewInt(math.MaxInt8)},
	xsdNonNegativeInteger: {big.NewInt(0), nil},
	xsdPositiveInteger:    {big.NewInt(1), nil},
	xsdNonPositiveInteger: {nil, big.NewInt(0)},
	xsdNegativeInteger:    {nil, big.NewInt(-1)},
	xsdUnsignedLong:       {big.NewInt(0), bigFromString("18446744073709551615")},
	xsdUnsignedInt:        {big.NewInt(0), big.NewInt(math.MaxUint32)},
	xsdUnsignedShort:      {big.NewInt(0), big.NewInt(math.MaxUint16)},
	xsdUnsignedByte:       {big.NewInt(0), big.NewInt(math.MaxUint8)},
}

// numericKindOf reports the numeric kind of a datatype IRI.
func numericKindOf(dt string) (numKind, bool) {
	switch dt {
	case rdf.XSDInteger:
		return nkInteger, true
	case rdf.XSDDecimal:
		return nkDecimal, true
	case rdf.XSDDouble:
		return nkDouble, true
	case rdf.XSDFloat:
		return nkFloat, true
	}
	if len(dt) > len(rdf.XSD) && dt[:len(rdf.XSD)] == rdf.XSD {
		if _, ok := integerRanges[dt]; ok {
			return nkInteger, true
		}
	}
	return 0, false
}

// isNumericDatatype reports whether dt is one of the numeric XSD datatypes.
func isNumericDatatype(dt string) bool { _, ok := numericKindOf(dt); return ok }

// parseNumeric parses a numeric literal. ok is false for non-literals,
// non-numeric datatypes and ill-formed lexical forms.
func parseNumeric(t rdf.Term) (numeric, bool) {
	if t.Kind != rdf.KindLiteral {
		return numeric{}, false
	}
	k, ok := numericKindOf(t.Datatype)
	if !ok {
		return numeric{}, false
	}
	switch k {
	case nkInteger:
		n, ok := parseIntegerLex(t.Value)
		if !ok {
			return n, false
		}
		if t.Datatype != rdf.XSDInteger && !inIntRange(n, integerRanges[t.Datatype]) {
			return n, false
		}
		return n, true
	case nkDecimal:
		return parseDecimalLex(t.Value)
	case nkFloat:
		f, ok := parseFloatLex(t.Value, 32)
		return numeric{kind: nkFloat, f: f}, ok
	default:
		f, ok := parseFloatLex(t.Value, 64)
		return numeric{kind: nkDouble, f: f}, ok
	}
}

func inIntRange(n numeric, r intRange) bool {
	if n.r == nil && r.min != nil && r.min.IsInt64() && r.max != nil && r.max.IsInt64() {
		return n.small >= r.min.Int64() && n.small <= r.max.Int64()
	}
	v := n.bigInt()
	if r.min != nil && v.Cmp(r.min) < 0 {
		return false
	}
	if r.max != nil && v.Cmp(r.max) > 0 {
		return false
	}
	return true
}

// parseIntegerLex parses the xsd:integer lexical space [+-]?[0-9]+.
func parseIntegerLex(s string) (numeric, bool) {
	i := 0
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		i = 1
	}
	if i == len(s) {
		return numeric{}, false
	}
	neg := s[0] == '-'
	var v uint64
	overflow := false
	for j := i; j < len(s); j++ {
		c := s[j]
		if c < '0' || c > '9' {
			return numeric{}, false
		}
		if !overflow {
			if v > (math.MaxInt64-9)/10 {
				overflow = true
			} else {
				v = v*10 + uint64(c-'0')
			}
		}
	}
	if !overflow {
		x := int64(v)
		if neg {
			x = -x
		}
		return numeric{kind: nkInteger, small: x}, true
	}
	b, ok := new(big.Int).SetString(strings.TrimPrefix(s, "+"), 10)
	if !ok {
		return numeric{}, false
	}
	return numeric{kind: nkInteger, r: new(big.Rat).SetInt(b)}, true
}

// parseDecimalLex parses the xsd:decimal lexical space
// [+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+).
func parseDecimalLex(s string) (numeric, bool) {
	i := 0
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		i = 1
	}
	var v uint64
	digits, scale := 0, int32(0)
	seenDot, overflow := false, false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if seenDot {
				return numeric{}, false
			}
			seenDot = true
			continue
		}
		if c < '0' || c > '9' {
			return numeric{}, false
		}
		digits++
		if seenDot {
			scale++
		}
		if !overflow {
			if v > (math.MaxInt64-9)/10 {
				overflow = true
			} else {
				v = v*10 + uint64(c-'0')
			}
		}
	}
	if digits == 0 {
		return numeric{}, false
	}
	if !overflow {
		x := int64(v)
		if neg {
			x = -x
		}
		return normDecimal(numeric{kind: nkDecimal, small: x, scale: scale}), true
	}
	r, ok := new(big.Rat).SetString(strings.TrimPrefix(s, "+"))
	if !ok {
		return numeric{}, false
	}
	return numeric{kind: nkDecimal, r: r}, true
}

// normDecimal strips trailing zero digits from a small decimal's scale.
func normDecimal(n numeric) numeric {
	for n.r == nil && n.scale > 0 && n.small%10 == 0 {
		n.small /= 10
		n.scale--
	}
	return n
}

// parseFloatLex validates the xsd:double/xsd:float lexical space and
// returns the value rounded to the given precision.
func parseFloatLex(s string, bits int) (float64, bool) {
	switch s {
	case "INF", "+INF":
		return math.Inf(1), true
	case "-INF":
		return math.Inf(-1), true
	case "NaN":
		return math.NaN(), true
	}
	i := 0
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		i = 1
	}
	mant, seenDot := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' && !seenDot {
			seenDot = true
		} else if c >= '0' && c <= '9' {
			mant++
		} else {
			break
		}
	}
	if mant == 0 {
		return 0, false
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return 0, false
		}
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) {
			return 0, false
		}
		for ; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
		}
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil {
		// Out-of-range values are still in the lexical space; ParseFloat
		// returns ±Inf (or 0) with a range error.
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

// rat returns the exact value of an integer or decimal as a big.Rat.
func (n numeric) rat() *big.Rat {
	if n.r != nil {
		return n.r
	}
	r := new(big.Rat).SetInt64(n.small)
	if n.scale > 0 {
		d := new(big.Int).Exp(bigTen, big.NewInt(int64(n.scale)), nil)
		r.Quo(r, new(big.Rat).SetInt(d))
	}
	return r
}

// bigInt returns an integer's value as a big.Int.
func (n numeric) bigInt() *big.Int {
	if n.r == nil {
		return big.NewInt(n.small)
	}
	return new(big.Int).Set(n.r.Num())
}

// float returns the value as a float64.
func (n numeric) float() float64 {
	switch n.kind {
	case nkFloat, nkDouble:
		return n.f
	}
	if n.r == nil {
		if n.scale == 0 {
			return float64(n.small)
		}
		if n.scale < 19 && n.small > -1<<53 && n.small < 1<<53 {
			return float64(n.small) / pow10f[n.scale]
		}
	}
	f, _ := n.rat().Float64()
	return f
}

var pow10f = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

var pow10i = [...]int64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

func (n numeric) isZero() bool {
	switch n.kind {
	case nkFloat, nkDouble:
		return n.f == 0
	}
	if n.r != nil {
		return n.r.Sign() == 0
	}
	return n.small == 0
}

func (n numeric) isNaN() bool { return n.kind >= nkFloat && math.IsNaN(n.f) }

// fromRat builds an exact numeric of kind k from r, using the small form
// when it fits.
func fromRat(k numKind, r *big.Rat) numeric {
	if r.IsInt() && r.Num().IsInt64() {
		return numeric{kind: k, small: r.Num().Int64()}
	}
	if k == nkDecimal {
		// Try a small scaled form for terminating decimals.
		if s, ok := decimalScale(r); ok && s < 19 {
			num := new(big.Int).Mul(r.Num(), new(big.Int).Exp(bigTen, big.NewInt(int64(s)), nil))
			num.Quo(num, r.Denom())
			if num.IsInt64() {
				return normDecimal(numeric{kind: k, small: num.Int64(), scale: int32(s)})
			}
		}
	}
	return numeric{kind: k, r: r}
}

// decimalScale returns the number of fractional digits of r's exact decimal
// expansion; ok is false when the expansion does not terminate.
func decimalScale(r *big.Rat) (int, bool) {
	d := new(big.Int).Set(r.Denom())
	twos, fives := 0, 0
	two, five := big.NewInt(2), big.NewInt(5)
	m := new(big.Int)
	for d.Bit(0) == 0 && d.Cmp(bigOne) > 0 {
		d.Rsh(d, 1)
		twos++
	}
	for d.Cmp(bigOne) > 0 {
		q, rem := new(big.Int).QuoRem(d, five, m)
		if rem.Sign() != 0 {
			break
		}
		d = q
		fives++
	}
	_ = two
	if d.Cmp(bigOne) != 0 {
		return 0, false
	}
	return max(twos, fives), true
}

// promote converts n to kind k (k >= n.kind).
func (n numeric) promote(k numKind) numeric {
	if n.kind == k {
		return n
	}
	switch k {
	case nkDecimal:
		n.kind = nkDecimal
		return n
	case nkFloat:
		return numeric{kind: nkFloat, f: float64(float32(n.float()))}
	default:
		return numeric{kind: nkDouble, f: n.float()}
	}
}

// compareNumeric compares two numerics by value; ok is false when either is
// NaN.
func compareNumeric(a, b numeric) (int, bool) {
	k := max(a.kind, b.kind)
	if k >= nkFloat {
		x, y := a.promote(k).f, b.promote(k).f
		switch {
		case math.IsNaN(x) || math.IsNaN(y):
			return 0, false
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	if a.r == nil && b.r == nil {
		if a.scale == b.scale {
			return cmpInt64(a.small, b.small), true
		}
		// Align scales when it cannot overflow.
		x, y := a.small, b.small
		if a.scale < b.scale {
			if d := b.scale - a.scale; d < 19 && absLess(x, math.MaxInt64/pow10i[d]) {
				return cmpInt64(x*pow10i[d], y), true
			}
		} else if d := a.scale - b.scale; d < 19 && absLess(y, math.MaxInt64/pow10i[d]) {
			return cmpInt64(x, y*pow10i[d]), true
		}
	}
	return a.rat().Cmp(b.rat()), true
}

func absLess(x, lim int64) bool { return x < lim && x > -lim }

func cmpInt64(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// arith applies + - * / to two numerics with type promotion. Integer
// division yields a decimal (op:numeric-divide); integer or decimal
// division by zero is an error, float division follows IEEE 754.
func arith(op byte, a, b numeric) (numeric, error) {
	k := max(a.kind, b.kind)
	if k >= nkFloat {
		x, y := a.promote(k).f, b.promote(k).f
		var z float64
		switch op {
		case '+':
			z = x + y
		case '-':
			z = x - y
		case '*':
			z = x * y
		case '/':
			z = x / y
		default:
			return numeric{}, errNotNumeric
		}
		if k == nkFloat {
			z = float64(float32(z))
		}
		return numeric{kind: k, f: z}, nil
	}
	if op == '/' {
		if b.isZero() {
			return numeric{}, errDivByZero
		}
		return divideDecimal(a.rat(), b.rat()), nil
	}
	// Fast paths on small integers and same-scale decimals.
	if a.r == nil && b.r == nil {
		if a.scale == b.scale && (op == '+' || op == '-') {
			x, y := a.small, b.small
			var z int64
			var ovf bool
			if op == '+' {
				z = x + y
				ovf = (x > 0 && y > 0 && z < 0) || (x < 0 && y < 0 && z >= 0)
			} else {
				z = x - y
				ovf = (x >= 0 && y < 0 && z < 0) || (x < 0 && y > 0 && z >= 0)
			}
			if !ovf {
				return normDecimal(numeric{kind: k, small: z, scale: a.scale}), nil
			}
		}
		if op == '*' && a.scale+b.scale < 19 {
			x, y := a.small, b.small
			if x == 0 || y == 0 {
				return numeric{kind: k}, nil
			}
			z := x * y
			if z/y == x && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64) {
				return normDecimal(numeric{kind: k, small: z, scale: a.scale + b.scale}), nil
			}
		}
	}
	z := new(big.Rat)
	switch op {
	case '+':
		z.Add(a.rat(), b.rat())
	case '-':
		z.Sub(a.rat(), b.rat())
	case '*':
		z.Mul(a.rat(), b.rat())
	default:
		return numeric{}, errNotNumeric
	}
	return fromRat(k, z), nil
}

// decimalDivisionDigits is the number of fractional digits kept when a
// decimal quotient does not terminate (XPath requires at least 18 digits).
const decimalDivisionDigits = 24

// divideDecimal returns x/y as an xsd:decimal, exact when the expansion
// terminates within decimalDivisionDigits digits, otherwise rounded half to
// even at that many digits.
func divideDecimal(x, y *big.Rat) numeric {
	q := new(big.Rat).Quo(x, y)
	if s, ok := decimalScale(q); ok && s <= decimalDivisionDigits {
		return fromRat(nkDecimal, q)
	}
	scale := new(big.Int).Exp(bigTen, big.NewInt(decimalDivisionDigits), nil)
	num := new(big.Int).Mul(q.Num(), scale)
	quo, rem := new(big.Int).QuoRem(num, q.Denom(), new(big.Int))
	// Round half to even.
	rem2 := new(big.Int).Mul(rem.Abs(rem), big.NewInt(2))
	c := rem2.Cmp(q.Denom())
	if c > 0 || (c == 0 && quo.Bit(0) == 1) {
		if q.Sign() < 0 {
			quo.Sub(quo, bigOne)
		} else {
			quo.Add(quo, bigOne)
		}
	}
	return fromRat(nkDecimal, new(big.Rat).SetFrac(quo, scale))
}

// negate returns -n.
func negate(n numeric) numeric {
	switch n.kind {
	case nkFloat, nkDouble:
		n.f = -n.f
		return n
	}
	if n.r == nil && n.small != math.MinInt64 {
		n.small = -n.small
		return n
	}
	return fromRat(n.kind, new(big.Rat).Neg(n.rat()))
}

// datatypeOf returns the datatype IRI for a numeric kind.
func (k numKind) datatype() string {
	switch k {
	case nkInteger:
		return rdf.XSDInteger
	case nkDecimal:
		return rdf.XSDDecimal
	case nkFloat:
		return rdf.XSDFloat
	}
	return rdf.XSDDouble
}

// term renders n as a literal in its canonical lexical form.
func (n numeric) term() rdf.Term {
	return rdf.Term{Kind: rdf.KindLiteral, Value: n.lexical(), Datatype: n.kind.datatype()}
}

// lexical returns the canonical lexical form: integers "-12", decimals
// "1.5" / "2.0" (XSD 1.0 canonical, always with a fractional digit),
// doubles and floats "1.25E2", "0.0E0", "INF", "-INF", "NaN".
func (n numeric) lexical() string {
	switch n.kind {
	case nkInteger:
		if n.r == nil {
			return strconv.FormatInt(n.small, 10)
		}
		return n.r.Num().String()
	case nkDecimal:
		return formatDecimal(n, true)
	case nkFloat:
		return formatFloat(n.f, 32)
	}
	return formatFloat(n.f, 64)
}

// formatDecimal renders a decimal. With pointZero an integral value keeps a
// ".0" (XSD 1.0 canonical form); without it the point is dropped (the form
// used when casting to xsd:string).
func formatDecimal(n numeric, pointZero bool) string {
	if n.r == nil {
		if n.scale == 0 {
			s := strconv.FormatInt(n.small, 10)
			if pointZero {
				return s + ".0"
			}
			return s
		}
		s := strconv.FormatInt(n.small, 10)
		neg := false
		if s[0] == '-' {
			neg = true
			s = s[1:]
		}
		if int(n.scale) >= len(s) {
			s = strings.Repeat("0", int(n.scale)-len(s)+1) + s
		}
		p := len(s) - int(n.scale)
		s = s[:p] + "." + s[p:]
		if neg {
			s = "-" + s
		}
		return s
	}
	scale, ok := decimalScale(n.r)
	if !ok {
		scale = decimalDivisionDigits
	}
	s := n.r.FloatString(scale)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	if strings.IndexByte(s, '.') < 0 && pointZero {
		s += ".0"
	}
	return s
}

// formatFloat renders f in the XSD canonical form for xsd:double (bits 64)
// or xsd:float (bits 32): a mantissa with one digit before the point and
// at least one after, then "E" and the exponent.
func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "INF"
	case math.IsInf(f, -1):
		return "-INF"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0E0"
		}
		return "0.0E0"
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, 'E', -1, bits)
	// b looks like "-1.25E+02" or "1E-07".
	e := 0
	for e < len(b) && b[e] != 'E' {
		e++
	}
	mant, exp := b[:e], b[e+1:]
	out := make([]byte, 0, len(b)+2)
	out = append(out, mant...)
	if !containsByte(mant, '.') {
		out = append(out, '.', '0')
	}
	out = append(out, 'E')
	if exp[0] == '-' {
		out = append(out, '-')
	}
	exp = exp[1:]
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	out = append(out, exp...)
	return string(out)
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// Numeric built-ins (SPARQL 17.4.4). Derived integer types give xsd:integer.

func numAbs(n numeric) numeric {
	switch n.kind {
	case nkFloat, nkDouble:
		n.f = math.Abs(n.f)
		return n
	}
	if n.r == nil {
		if n.small < 0 {
			return negate(n)
		}
		return n
	}
	return fromRat(n.kind, new(big.Rat).Abs(n.r))
}

func numCeil(n numeric) numeric  { return roundWith(n, math.Ceil, ceilRat) }
func numFloor(n numeric) numeric { return roundWith(n, math.Floor, floorRat) }
func numRound(n numeric) numeric { return roundWith(n, roundHalfUp, roundRat) }

// roundHalfUp is fn:round for doubles: half values round towards positive
// infinity, and the sign of zero is kept.
func roundHalfUp(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		return f
	}
	r := math.Floor(f + 0.5)
	if f-math.Floor(f) != 0.5 && math.Abs(f) >= 1<<52 {
		return f
	}
	if r == 0 && f < 0 {
		return math.Copysign(0, -1)
	}
	return r
}

func roundWith(n numeric, ff func(float64) float64, rf func(*big.Rat) *big.Int) numeric {
	switch n.kind {
	case nkFloat, nkDouble:
		n.f = ff(n.f)
		return n
	case nkInteger:
		return n
	}
	if n.r == nil && n.scale == 0 {
		return n
	}
	return fromRat(nkDecimal, new(big.Rat).SetInt(rf(n.rat())))
}

func floorRat(r *big.Rat) *big.Int {
	q, m := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int)) // Euclidean: m >= 0
	_ = m
	return q
}

func ceilRat(r *big.Rat) *big.Int {
	q, m := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() != 0 {
		q.Add(q, bigOne)
	}
	return q
}

func roundRat(r *big.Rat) *big.Int {
	return floorRat(new(big.Rat).Add(r, big.NewRat(1, 2)))
}

// Arithmetic evaluates the binary operators + - * / (SPARQL 17.3, XPath
// op:numeric-add etc.) with numeric type promotion: integer op integer is
// an integer (a decimal for /), otherwise the wider of decimal, float and
// double. Derived integer types count as xsd:integer. Non-numeric or
// ill-formed operands and integer/decimal division by zero are type errors;
// float and double division by zero give INF or NaN.
func Arithmetic(op byte, a, b rdf.Term) (rdf.Term, error) {
	x, ok := parseNumeric(a)
	if !ok {
		return rdf.Term{}, operandErr(a)
	}
	y, ok := parseNumeric(b)
	if !ok {
		return rdf.Term{}, operandErr(b)
	}
	// Fast path: small integer + - * without overflow.
	if x.kind == nkInteger && y.kind == nkInteger && x.r == nil && y.r == nil {
		var z int64
		ok := true
		switch op {
		case '+':
			z = x.small + y.small
			ok = !((x.small > 0 && y.small > 0 && z < 0) || (x.small < 0 && y.small < 0 && z >= 0))
		case '-':
			z = x.small - y.small
			ok = !((x.small >= 0 && y.small < 0 && z < 0) || (x.small < 0 && y.small > 0 && z >= 0))
		default:
			ok = false
		}
		if ok {
			return intTerm(z), nil
		}
	}
	z, err := arith(op, x, y)
	if err != nil {
		return rdf.Term{}, err
	}
	return z.term(), nil
}

func operandErr(t rdf.Term) error {
	if t.Kind == rdf.KindNone {
		return errUnbound
	}
	return errNotNumeric
}

// Negate evaluates unary minus.
func Negate(a rdf.Term) (rdf.Term, error) {
	x, ok := parseNumeric(a)
	if !ok {
		return rdf.Term{}, operandErr(a)
	}
	return negate(x).term(), nil
}

// UnaryPlus evaluates unary plus: the operand must be numeric; the result
// is its value in canonical form with derived integer types as xsd:integer.
func UnaryPlus(a rdf.Term) (rdf.Term, error) {
	x, ok := parseNumeric(a)
	if !ok {
		return rdf.Term{}, operandErr(a)
	}
	if a.Datatype == x.kind.datatype() {
		return a, nil
	}
	return x.term(), nil
}
