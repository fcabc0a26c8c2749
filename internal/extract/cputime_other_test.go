//go:build !unix

package extract

import "time"

// cpuTime is not measured here; benchmarks then report no CPU metric.
func cpuTime() time.Duration { return 0 }
