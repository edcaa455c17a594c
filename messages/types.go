package messages

import "strconv"

// Type is one INTER-IoT message type: a class in the msg: namespace that the
// metadata node is typed with. The set is closed; a type IRI outside it is
// read as Unrecognized and kept verbatim in Metadata.UnknownTypes.
type Type uint8

// The message types of INTER-MW 2.5. The zero Type is not a message type.
const (
	Meta Type = iota + 1
	Response
	Error
	SysInit
	Unrecognized
	Subscribe
	Unsubscribe
	VirtualSubscribe
	VirtualUnsubscribe
	DiscoveryList
	DeviceAdd
	DeviceRemove
	DeviceInit
	Query
	DeviceDiscoveryQuery
	PlatformCreateDevice
	PlatformUpdateDevice
	PlatformDeleteDevice
	PlatformRegister
	PlatformUnregister
	PlatformUpdate
	PlatformDiscoveryQuery
	ListSupportedPlatformTypes
	Observation
	Actuation
	ClientRegister
	ClientUnregister

	typeCount // one past the last type
)

// typeNames holds the local names in the msg: namespace, with their exact
// capitalisation, indexed by Type.
var typeNames = [typeCount]string{
	Meta:                       "meta",
	Response:                   "Response",
	Error:                      "Error",
	SysInit:                    "Sys_init",
	Unrecognized:               "Unrecognized",
	Subscribe:                  "Subscribe",
	Unsubscribe:                "Unsubscribe",
	VirtualSubscribe:           "Virtual_subscribe",
	VirtualUnsubscribe:         "Virtual_unsubscribe",
	DiscoveryList:              "Discovery_List",
	DeviceAdd:                  "Device_Add",
	DeviceRemove:               "Device_Remove",
	DeviceInit:                 "Device_Init",
	Query:                      "Query",
	DeviceDiscoveryQuery:       "Device_discovery_query",
	PlatformCreateDevice:       "Platform_create_Device",
	PlatformUpdateDevice:       "Platform_update_Device",
	PlatformDeleteDevice:       "Platform_delete_Device",
	PlatformRegister:           "Platform_register",
	PlatformUnregister:         "Platform_unregister",
	PlatformUpdate:             "Platform_update",
	PlatformDiscoveryQuery:     "Platform_discovery_query",
	ListSupportedPlatformTypes: "List_supported_platform_types",
	Observation:                "Observation",
	Actuation:                  "Actuation",
	ClientRegister:             "Client_register",
	ClientUnregister:           "Client_unregister",
}

// typeIRIs holds the full IRIs, built once from typeNames.
var typeIRIs = func() (iris [typeCount]string) {
	for t := Meta; t < typeCount; t++ {
		iris[t] = NS + typeNames[t]
	}
	return iris
}()

// Types returns every message type, in declaration order.
func Types() []Type {
	out := make([]Type, 0, typeCount-1)
	for t := Meta; t < typeCount; t++ {
		out = append(out, t)
	}
	return out
}

// Valid reports whether t is one of the declared message types.
func (t Type) Valid() bool { return t >= Meta && t < typeCount }

// String returns the type's local name in the msg: namespace ("Device_Init"),
// or "Type(n)" for an undeclared value.
func (t Type) String() string {
	if !t.Valid() {
		return "Type(" + strconv.Itoa(int(t)) + ")"
	}
	return typeNames[t]
}

// IRI returns the type's full IRI, or "" for an undeclared value.
func (t Type) IRI() string {
	if !t.Valid() {
		return ""
	}
	return typeIRIs[t]
}

// TypeFromIRI returns the Type whose IRI is iri. For any other IRI it returns
// Unrecognized and false.
func TypeFromIRI(iri string) (Type, bool) {
	if len(iri) <= len(NS) || iri[:len(NS)] != NS {
		return Unrecognized, false
	}
	return ParseType(iri[len(NS):])
}

// ParseType returns the Type with the given local name (exact case). For any
// other name it returns Unrecognized and false.
func ParseType(local string) (Type, bool) {
	for t := Meta; t < typeCount; t++ {
		if typeNames[t] == local {
			return t, true
		}
	}
	return Unrecognized, false
}

// MarshalText writes the local name, so a Type reads well in JSON and logs.
func (t Type) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, &TypeError{Value: t.String()}
	}
	return []byte(typeNames[t]), nil
}

// UnmarshalText reads a local name or a full msg: IRI.
func (t *Type) UnmarshalText(b []byte) error {
	s := string(b)
	v, ok := ParseType(s)
	if !ok {
		v, ok = TypeFromIRI(s)
	}
	if !ok {
		return &TypeError{Value: s}
	}
	*t = v
	return nil
}
