// Package validate checks a vendor VPN device configuration against the
// Azure side before rollout: it imports the configuration (devconf), reads
// the Azure resources (armfile), compares them (compat) and renders the
// report as text or as JSON in a stable shape. The live proof (--live)
// brings the lab up with the imported device and forces the events latent
// problems need (see live.go).
//
// testdata/ holds real public configurations aimed at Azure, each with
// its source, and defect variants derived from them, each with the finding
// it must produce; testdata/README.md lists them.
package validate
