package messages

import (
	"encoding/json"
	"testing"
)

func TestTypesMapBothWaysToTheDesignIRIs(t *testing.T) {
	want := []string{"meta", "Response", "Error", "Sys_init", "Unrecognized", "Subscribe", "Unsubscribe",
		"Virtual_subscribe", "Virtual_unsubscribe", "Discovery_List", "Device_Add", "Device_Remove", "Device_Init",
		"Query", "Device_discovery_query", "Platform_create_Device", "Platform_update_Device", "Platform_delete_Device",
		"Platform_register", "Platform_unregister", "Platform_update", "Platform_discovery_query",
		"List_supported_platform_types", "Observation", "Actuation", "Client_register", "Client_unregister"}
	types := Types()
	if len(types) != len(want) {
		t.Fatalf("%d types, want %d", len(types), len(want))
	}
	for i, ty := range types {
		iri := "http://inter-iot.eu/message/" + want[i]
		if ty.String() != want[i] || ty.IRI() != iri {
			t.Errorf("type %d is %s <%s>, want %s", i, ty, ty.IRI(), want[i])
		}
		if back, ok := TypeFromIRI(iri); !ok || back != ty {
			t.Errorf("TypeFromIRI(%s) = %v, %v", iri, back, ok)
		}
		var u Type
		if err := json.Unmarshal([]byte(`"`+want[i]+`"`), &u); err != nil || u != ty {
			t.Errorf("unmarshal %s: %v %v", want[i], u, err)
		}
	}
	for _, iri := range []string{"http://inter-iot.eu/message/Thing_register", "http://inter-iot.eu/message/device_init", "http://example.org/Observation", ""} {
		if ty, ok := TypeFromIRI(iri); ok || ty != Unrecognized {
			t.Errorf("TypeFromIRI(%q) = %v, %v; want Unrecognized, false", iri, ty, ok)
		}
	}
	if Type(0).Valid() || Type(200).IRI() != "" {
		t.Error("undeclared values look valid")
	}
	if _, err := json.Marshal(Type(0)); err == nil {
		t.Error("marshalled an undeclared type")
	}
}
