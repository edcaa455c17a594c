package emulator

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/intermw/intermw/bridges"
	"github.com/intermw/intermw/ontology/rdf"
)

// Profile is the payload shape an emulated platform emits: the central
// GOIoTP/SOSA ontology, or a platform ontology that an upstream alignment
// translates into it.
type Profile string

// Profiles, selected per platform by the profile query parameter of its
// baseEndpoint (see options).
const (
	// ProfileSOSA emits sosa:Observations with a GOIoTP result in °C (the
	// default, INTER-MW's test platform).
	ProfileSOSA Profile = "sosa"
	// ProfileBodyCloud emits BodyCloud weight-scale messages, as the
	// BodyCloud health platform describes them before the BodyCloud_CO
	// alignment turns them into SOSA.
	ProfileBodyCloud Profile = "bodycloud"
)

// Query parameters of a platform's baseEndpoint the emulator reads.
const (
	// ParamProfile selects the Profile: "sosa" (default) or "bodycloud".
	ParamProfile = "profile"
	// ParamActuation set to "echo" makes the platform answer an Actuation
	// with the payload it received.
	ParamActuation = "actuation"
	// ActuationEcho is the value of ParamActuation that echoes.
	ActuationEcho = "echo"
)

// ErrBadOptions: a platform's baseEndpoint asks for a profile or an
// actuation mode the emulator does not have.
var ErrBadOptions = errors.New("emulator: unknown platform option")

// Vocabulary of the BodyCloud profile (http://inter-iot.eu/syntax/BodyCloud#).
const (
	NSBodyCloud           = "http://inter-iot.eu/syntax/BodyCloud#"
	BCBodyCloudObject     = NSBodyCloud + "BodyCloudObject"
	BCBodyCloudAttributes = NSBodyCloud + "BodyCloudAttributes"
	BCHasData             = NSBodyCloud + "hasData"
	BCHasDeviceID         = NSBodyCloud + "hasDeviceId"
	BCHasTimestamp        = NSBodyCloud + "hasTimestamp"
	BCHasTypeMessage      = NSBodyCloud + "hasTypeMessage"
	BCHasUserID           = NSBodyCloud + "hasUserId"
	BCHasWeight           = NSBodyCloud + "hasWeight"
	// BCWeightScale is the bc:hasTypeMessage of a weight measurement.
	BCWeightScale = "weight_scale"
)

// options are what a platform's registration selects.
type options struct {
	profile Profile
	echo    bool
	// user is the bc:hasUserId of BodyCloud observations:
	// {platformId}/users/emulated, a # in the platform's IRI made a /.
	user string
}

// optionsOf reads the emulator's options from the platform's baseEndpoint
// query (…?profile=bodycloud&actuation=echo). An endpoint without them,
// or none at all, gives the defaults; an unknown value is an error
// wrapping ErrBadOptions.
func optionsOf(p bridges.Platform) (options, error) {
	user := strings.ReplaceAll(strings.TrimRight(p.ID, "/#"), "#", "/") + "/users/emulated"
	o := options{profile: ProfileSOSA, user: user}
	if p.BaseEndpoint == "" {
		return o, nil
	}
	u, err := url.Parse(p.BaseEndpoint)
	if err != nil {
		return o, nil // an endpoint the emulator does not read options from
	}
	q := u.Query()
	var errs []error
	switch v := Profile(strings.ToLower(q.Get(ParamProfile))); v {
	case "", ProfileSOSA:
	case ProfileBodyCloud:
		o.profile = v
	default:
		errs = append(errs, fmt.Errorf("%w: %s=%q (want %q or %q)", ErrBadOptions, ParamProfile, v, ProfileSOSA, ProfileBodyCloud))
	}
	switch v := strings.ToLower(q.Get(ParamActuation)); v {
	case "":
	case ActuationEcho:
		o.echo = true
	default:
		errs = append(errs, fmt.Errorf("%w: %s=%q (want %q)", ErrBadOptions, ParamActuation, v, ActuationEcho))
	}
	return o, errors.Join(errs...)
}

// weight is the emulated body weight of the seq-th observation: 50.0 to
// 99.9 kg, repeating.
func weight(seq uint64) string {
	v := 500 + (seq*37)%500
	return strconv.FormatUint(v/10, 10) + "." + strconv.FormatUint(v%10, 10)
}

// appendBodyCloud appends a BodyCloud weight-scale message: a
// bc:BodyCloudObject (blank node obs) of device (a string, as BodyCloud
// sends it) and user, stamped with at in unix seconds (a string), whose
// bc:hasData (blank node data) carries the weight as xsd:float.
func appendBodyCloud(ts []rdf.Triple, obs, data, device, user, val string, at time.Time) []rdf.Triple {
	o, d := rdf.Blank(obs), rdf.Blank(data)
	typ := rdf.IRI(rdf.RDFType)
	return append(ts,
		rdf.Triple{S: o, P: typ, O: rdf.IRI(BCBodyCloudObject)},
		rdf.Triple{S: o, P: rdf.IRI(BCHasData), O: d},
		rdf.Triple{S: o, P: rdf.IRI(BCHasDeviceID), O: rdf.String(device)},
		rdf.Triple{S: o, P: rdf.IRI(BCHasTimestamp), O: rdf.String(strconv.FormatInt(at.Unix(), 10))},
		rdf.Triple{S: o, P: rdf.IRI(BCHasTypeMessage), O: rdf.String(BCWeightScale)},
		rdf.Triple{S: o, P: rdf.IRI(BCHasUserID), O: rdf.String(user)},
		rdf.Triple{S: d, P: typ, O: rdf.IRI(BCBodyCloudAttributes)},
		rdf.Triple{S: d, P: rdf.IRI(BCHasWeight), O: rdf.Literal(val, rdf.XSDFloat)},
	)
}
