// Package analyze computes statistics on selections of incidents: tempo,
// severity, tails, change points, self-excitation and forecasts.
//
// Every function here is pure: it takes plain numbers (sizes, times, counts)
// that the caller has already selected from the store, and returns results
// that carry their sample size and uncertainty, ready to be shown as a table,
// as JSON or as one plain-language sentence. Randomised methods (bootstraps,
// simulations) take an explicit seed so that the same input always gives the
// same answer.
package analyze
