// Package fuse turns claims from many sources into incidents: it links
// claims that describe the same event and reconciles what they say into one
// picture with honest ranges, the rule that produced each field and a
// revision history of the figures.
//
// The core is pure: it reads no files but its embedded alias table,
// never looks at the clock (times come in with the evidence) and gives the
// same result whatever the order of its input. The flow is
//
//	Prepare → Candidates (blocking) → Compare → Train (EM) → Score → Cluster → Reconcile
//
// and Fuse runs it in one call. Attach links one new claim to the existing
// clusters without re-clustering.
//
// Over a store (the small Store interface, which store/sqlite and
// store/postgres implement), Incremental fuses the claims an import
// stored: each batch with the claims of the incidents around it, those
// incidents fixed (Options.Fixed), so that new claims join them or make
// new ones; All re-fuses every claim from scratch and keeps the trained
// model, streaming the claims in blocking order so that it holds a window
// of them, not the store (spill.go, stream.go); Merge, Split and Set record an analyst's corrections as
// constraints both respect. Every change is a new incident version.
//
// Linkage follows Fellegi and Sunter (1969) as Splink implements it: each
// candidate pair gets a comparison vector of discrete levels per feature;
// each level has an m probability (among matches) and a u probability
// (among non-matches); the match weight is the prior log-odds plus the sum
// of log2(m/u); m, u and the prior are estimated by expectation
// maximisation over the candidate pairs, with Dirichlet priors so that a
// few hundred pairs suffice. A missing value is its own level with weight 0.
package fuse
