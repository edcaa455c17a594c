// Package ontology names the vocabularies intermw's semantic layer speaks:
// the INTER-IoT message vocabulary (msg:), the GOIoTP central ontology and
// its extension (iiot:, iiotex:), SOSA/SSN, and the namespaces of IPSM-AF
// alignments. Its subpackages do the work: rdf holds the RDF model and
// syntaxes, alignment parses, validates, compiles and runs IPSM-AF
// alignments on message payloads, and ipsm serves the IPSM REST API over
// them (see ARCHITECTURE.md, "IPSM").
package ontology

// Namespaces of the vocabularies used in INTER-IoT messages and alignments.
const (
	// Msg is the INTER-IoT message vocabulary (msg:).
	Msg = "http://inter-iot.eu/message/"
	// GOIoTP is the INTER-IoT central ontology (iiot:).
	GOIoTP = "http://inter-iot.eu/GOIoTP#"
	// GOIoTPex is the central ontology's extension (iiotex:).
	GOIoTPex = "http://inter-iot.eu/GOIoTPex#"
	// SOSA is the W3C Sensor, Observation, Sample and Actuator ontology.
	SOSA = "http://www.w3.org/ns/sosa/"
	// SSN is the W3C Semantic Sensor Network ontology.
	SSN = "http://www.w3.org/ns/ssn/"
	// Time is the W3C OWL-Time ontology.
	Time = "http://www.w3.org/2006/time#"
	// InterMW holds INTER-MW's own terms.
	InterMW = "http://inter-iot.eu/INTERMW#"
	// Sripas is the IPSM-AF extension namespace; its IRIs in alignment
	// cells are variables.
	Sripas = "http://www.inter-iot.eu/sripas#"
	// Align is the INRIA Alignment format namespace.
	Align = "http://knowledgeweb.semanticweb.org/heterogeneity/alignment#"
	// DCElements is Dublin Core elements (title, creator, description).
	DCElements = "http://purl.org/dc/elements/1.1/"
	// Exmo holds the alignment's version property.
	Exmo = "http://exmo.inrialpes.fr/align/ext/1.0/#"
	// XSD is XML Schema datatypes.
	XSD = "http://www.w3.org/2001/XMLSchema#"
	// RDF is the RDF namespace.
	RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
)
