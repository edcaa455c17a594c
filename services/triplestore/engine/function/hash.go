package function

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"

	"github.com/intermw/intermw/ontology/rdf"
)

// hashCall implements MD5, SHA1, SHA256, SHA384 and SHA512: the lower-case
// hex digest of the UTF-8 bytes of a simple literal or xsd:string.
func hashCall(name string, a rdf.Term) (rdf.Term, error) {
	if err := simpleArg(a); err != nil {
		return rdf.Term{}, err
	}
	var h hash.Hash
	switch name {
	case "MD5":
		sum := md5.Sum([]byte(a.Value))
		return rdf.String(hex.EncodeToString(sum[:])), nil
	case "SHA1":
		sum := sha1.Sum([]byte(a.Value))
		return rdf.String(hex.EncodeToString(sum[:])), nil
	case "SHA256":
		sum := sha256.Sum256([]byte(a.Value))
		return rdf.String(hex.EncodeToString(sum[:])), nil
	case "SHA384":
		h = sha512.New384()
	default:
		h = sha512.New()
	}
	h.Write([]byte(a.Value))
	return rdf.String(hex.EncodeToString(h.Sum(nil))), nil
}
