// Package quadstore is the storage layer of intermw's embedded SPARQL
// engine: a dictionary-encoded RDF quad store with consistent snapshot
// reads, serialised write transactions and, when given a directory, a
// write-ahead log and snapshot files for durability.
//
// The evaluator (package engine) works on IDs: it turns the constants of a
// query into IDs with Find, scans quad patterns with Snapshot.Match, asks
// Snapshot.Count to order joins, and turns result IDs back into terms with
// Term. Updates go through a Txn whose Snapshot shows the pending writes,
// so one request of several update operations sees its own changes.
//
// # Layout
//
//   - dictionary.go: terms are encoded once into append-only byte arenas;
//     an ID → arena-position table (8 bytes per term, no pointers for the
//     garbage collector to scan) and an open-addressing hash table give
//     lookups both ways without a lock on the read path.
//   - index.go: a quad is stored as a 16-byte key in six orders (SPOG, POSG,
//     OSPG, GSPO, GPOS, GOSP) so that every pattern of bound positions is a
//     prefix scan (binary search for the range, then a sequential walk).
//   - layer.go: a state is an immutable base run plus a few immutable change
//     layers (adds and deletes, normalised so that counts are exact sums).
//     A commit adds a layer; layers of similar size merge, and they fold
//     into the base once they reach an eighth of it (in the background for
//     large stores). Publishing a state is one atomic pointer store, so a
//     snapshot is a pointer grab.
//   - snapshot.go: Match (a merge over the base and the layers), Count
//     (range sizes) and NamedGraphs.
//   - txn.go: one writer at a time; changes are buffered in the Txn.
//   - commit.go: the commit pipeline. The writer lock covers building and
//     writing the log record; the fsync happens outside it, so transactions
//     committing close together share one fsync (group commit), and a
//     commit becomes visible to readers only once it is durable.
//   - wal.go, snapshotfile.go, codec.go: persistence. A commit appends one
//     CRC32-C checksummed record to the write-ahead log and fsyncs before
//     the new state is published. Every Config.SnapshotEvery records the
//     log rotates and a snapshot file is written in the background
//     (temporary file, fsync, rename, directory fsync), after which older
//     log segments are deleted. Open loads the snapshot and replays the log;
//     a torn tail is cut off with a warning, and any other damage is a
//     typed error (CorruptSnapshotError, CorruptWALError), never silent
//     data loss. A lock file keeps a second process out of the directory.
//
// IDs are process-local and never written to disk. Terms are stored
// normalised: a literal without datatype is an xsd:string, a language tag
// is lower-cased with datatype rdf:langString. The dictionary only grows
// while the process runs; terms no committed quad uses are dropped when the
// store is reopened from its snapshot file.
package quadstore
