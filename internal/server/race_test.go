//go:build race

package server

// raceEnabled says the tests run with the race detector, which slows
// everything several times: latencies logged under it are not the
// server's.
const raceEnabled = true
