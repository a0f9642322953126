// Package kb is vpnlab's fault knowledge base: the faults of the catalog
// (seed 000 §5.3–5.6, seeds 001–004, Azure's documentation) with their
// category, sources and fix, and the signatures that reveal them in each
// log family, as data files embedded in the binary:
//
//	faults/<fault-id>.yaml        one fault: id, category, title, sources,
//	                              nw_fault, scope, explains, fix steps,
//	                              collect_next
//	signatures/<family>.yaml      one log family's recognisers and signatures
//	                              (a family may span several files, e.g.
//	                              lab-strongswan.yaml and strongswan.yaml)
//
// The schema is in the team sheet and in README.md ("Adding a fault or a
// signature"). [Load] validates everything and names the file, line and
// field of each problem; [Default] is the embedded knowledge base.
//
// A [Scanner] matches a line against every signature and family
// recogniser at once: each regular expression's required literals are
// indexed by their first bytes (a small bit set and a map, see match.go)
// and only the expressions whose literals occur in the line are run.
//
// The package uses the standard library only (it reads the YAML subset the
// files use itself), so the diagnosis engine that imports it stays
// stdlib-only and pure.
package kb
