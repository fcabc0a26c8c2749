package source

import (
	"fmt"
	"math"
	"strconv"
)

// Coordinate parses a latitude (limit 90) or longitude (limit 180) as the
// datasets write them; empty means unknown (nil, no error).
func Coordinate(s string, limit float64) (*float64, error) {
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.Abs(v) > limit {
		return nil, fmt.Errorf("%q is not a number within ±%g", s, limit)
	}
	return &v, nil
}
