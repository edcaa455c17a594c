package function

import (
	"strconv"
	"strings"
	"time"

	"github.com/intermw/intermw/ontology/rdf"
)

// XSD date/time datatypes handled here.
const (
	xsdDate            = rdf.XSD + "date"
	xsdDayTimeDuration = rdf.XSD + "dayTimeDuration"
	xsdDateTimeStamp   = rdf.XSD + "dateTimeStamp"
	maxTimezoneMinutes = 14 * 60
	secondsPerDay      = 86400
	nanosPerSecond     = 1_000_000_000
)

// dateTime is a parsed xsd:dateTime or xsd:date.
type dateTime struct {
	year                 int64
	month, day           int
	hour, minute, second int
	nanos                int64  // fractional second (truncated to nanoseconds)
	frac                 string // fractional digits as written, without the point
	hasTZ                bool
	tzMinutes            int // offset from UTC in minutes
	tzLex                string
	isDate               bool
}

// parseDateTimeLex parses the xsd:dateTime lexical space
// -?YYYY-MM-DDThh:mm:ss(.s+)?(Z|(+|-)hh:mm)?.
func parseDateTimeLex(s string) (dateTime, bool) {
	d, rest, ok := parseDatePart(s)
	if !ok || len(rest) < 9 || rest[0] != 'T' || rest[3] != ':' || rest[6] != ':' {
		return d, false
	}
	h, ok1 := twoDigits(rest[1:3])
	mi, ok2 := twoDigits(rest[4:6])
	se, ok3 := twoDigits(rest[7:9])
	if !ok1 || !ok2 || !ok3 || h > 24 || mi > 59 || se > 59 {
		return d, false
	}
	d.hour, d.minute, d.second = h, mi, se
	rest = rest[9:]
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return d, false
		}
		d.frac = rest[1:i]
		ns := d.frac
		if len(ns) > 9 {
			ns = ns[:9]
		}
		v, _ := strconv.ParseInt(ns, 10, 64)
		for k := len(ns); k < 9; k++ {
			v *= 10
		}
		d.nanos = v
		rest = rest[i:]
	}
	if h == 24 && (mi != 0 || se != 0 || d.nanos != 0) {
		return d, false
	}
	if !parseTZ(&d, rest) {
		return d, false
	}
	return d, true
}

// parseDateLex parses the xsd:date lexical space -?YYYY-MM-DD(tz)?.
func parseDateLex(s string) (dateTime, bool) {
	d, rest, ok := parseDatePart(s)
	if !ok || !parseTZ(&d, rest) {
		return d, false
	}
	d.isDate = true
	return d, true
}

func parseDatePart(s string) (dateTime, string, bool) {
	var d dateTime
	i := 0
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg = true
		i = 1
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j-i < 4 || (j-i > 4 && s[i] == '0') {
		return d, "", false
	}
	y, err := strconv.ParseInt(s[i:j], 10, 64)
	if err != nil {
		return d, "", false
	}
	if neg {
		y = -y
	}
	rest := s[j:]
	if len(rest) < 6 || rest[0] != '-' || rest[3] != '-' {
		return d, "", false
	}
	m, ok1 := twoDigits(rest[1:3])
	dd, ok2 := twoDigits(rest[4:6])
	if !ok1 || !ok2 || m < 1 || m > 12 || dd < 1 || dd > daysIn(y, m) {
		return d, "", false
	}
	d.year, d.month, d.day = y, m, dd
	return d, rest[6:], true
}

func parseTZ(d *dateTime, s string) bool {
	switch {
	case s == "":
		return true
	case s == "Z":
		d.hasTZ, d.tzLex = true, s
		return true
	case len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':':
		h, ok1 := twoDigits(s[1:3])
		m, ok2 := twoDigits(s[4:6])
		if !ok1 || !ok2 || m > 59 || h*60+m > maxTimezoneMinutes {
			return false
		}
		d.tzMinutes = h*60 + m
		if s[0] == '-' {
			d.tzMinutes = -d.tzMinutes
		}
		d.hasTZ, d.tzLex = true, s
		return true
	}
	return false
}

func twoDigits(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int64, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil counts days from 1970-01-01 (proleptic Gregorian).
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := int64((153*mp+2)/5 + d - 1)
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// localSeconds is the date/time as seconds since the epoch ignoring the
// timezone.
func (d dateTime) localSeconds() int64 {
	return daysFromCivil(d.year, d.month, d.day)*secondsPerDay + int64(d.hour*3600+d.minute*60+d.second)
}

// compareDateTime implements the XML Schema partial order on date/times:
// when exactly one operand has a timezone the other is tried at +14:00 and
// -14:00 and the result is indeterminate (ok false) unless both agree.
func compareDateTime(a, b dateTime) (int, bool) {
	as, bs := a.localSeconds(), b.localSeconds()
	switch {
	case a.hasTZ == b.hasTZ:
		if a.hasTZ {
			as -= int64(a.tzMinutes) * 60
			bs -= int64(b.tzMinutes) * 60
		}
		return cmpInstant(as, a.nanos, bs, b.nanos), true
	case a.hasTZ:
		as -= int64(a.tzMinutes) * 60
		lo := cmpInstant(as, a.nanos, bs-maxTimezoneMinutes*60, b.nanos)
		hi := cmpInstant(as, a.nanos, bs+maxTimezoneMinutes*60, b.nanos)
		if lo == hi {
			return lo, true
		}
		return 0, false
	default:
		c, ok := compareDateTime(b, a)
		return -c, ok
	}
}

func cmpInstant(as, an, bs, bn int64) int {
	if c := cmpInt64(as, bs); c != 0 {
		return c
	}
	return cmpInt64(an, bn)
}

// parseDateTimeTerm parses an xsd:dateTime (or xsd:dateTimeStamp) literal.
func parseDateTimeTerm(t rdf.Term) (dateTime, bool) {
	if t.Kind != rdf.KindLiteral || (t.Datatype != rdf.XSDDateTime && t.Datatype != xsdDateTimeStamp) {
		return dateTime{}, false
	}
	d, ok := parseDateTimeLex(t.Value)
	if ok && t.Datatype == xsdDateTimeStamp && !d.hasTZ {
		return d, false
	}
	return d, ok
}

// secondsTerm returns the seconds component (with fraction) as xsd:decimal.
func (d dateTime) secondsTerm() rdf.Term {
	lex := strconv.Itoa(d.second)
	if f := strings.TrimRight(d.frac, "0"); f != "" {
		lex += "." + f
	}
	n, _ := parseDecimalLex(lex)
	return n.term()
}

// timezoneDuration renders the timezone as an xsd:dayTimeDuration lexical
// form: "PT0S", "-PT8H", "PT5H30M".
func (d dateTime) timezoneDuration() string {
	m := d.tzMinutes
	if m == 0 {
		return "PT0S"
	}
	var b strings.Builder
	if m < 0 {
		b.WriteByte('-')
		m = -m
	}
	b.WriteString("PT")
	if h := m / 60; h > 0 {
		b.WriteString(strconv.Itoa(h))
		b.WriteByte('H')
	}
	if mm := m % 60; mm > 0 {
		b.WriteString(strconv.Itoa(mm))
		b.WriteByte('M')
	}
	return b.String()
}

// FormatDateTime renders t as an xsd:dateTime literal (used for NOW()).
// UTC renders with "Z", other zones as "+hh:mm".
func FormatDateTime(t time.Time) rdf.Term {
	return rdf.Literal(t.Format("2006-01-02T15:04:05.999999999Z07:00"), rdf.XSDDateTime)
}

// dateTimeCall implements YEAR, MONTH, DAY, HOURS, MINUTES, SECONDS,
// TIMEZONE and TZ (SPARQL 17.4.5).
func dateTimeCall(name string, a rdf.Term) (rdf.Term, error) {
	d, ok := parseDateTimeTerm(a)
	if !ok {
		return rdf.Term{}, errNotDateTime
	}
	switch name {
	case "YEAR":
		return intTerm(d.year), nil
	case "MONTH":
		return intTerm(int64(d.month)), nil
	case "DAY":
		return intTerm(int64(d.day)), nil
	case "HOURS":
		return intTerm(int64(d.hour)), nil
	case "MINUTES":
		return intTerm(int64(d.minute)), nil
	case "SECONDS":
		return d.secondsTerm(), nil
	case "TIMEZONE":
		if !d.hasTZ {
			return rdf.Term{}, errNoTimezone
		}
		return rdf.Literal(d.timezoneDuration(), xsdDayTimeDuration), nil
	default: // TZ
		return rdf.String(d.tzLex), nil
	}
}

func intTerm(v int64) rdf.Term {
	return rdf.Term{Kind: rdf.KindLiteral, Value: strconv.FormatInt(v, 10), Datatype: rdf.XSDInteger}
}
