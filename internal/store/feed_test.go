package store

import (
	"testing"
	"time"
)

func TestNextPoll(t *testing.T) {
	at := time.Date(2024, 1, 3, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		interval time.Duration
		failures int
		want     time.Duration
	}{
		{15 * time.Minute, 0, 15 * time.Minute},
		{15 * time.Minute, 1, 30 * time.Minute},
		{15 * time.Minute, 2, time.Hour},
		{15 * time.Minute, 6, 16 * time.Hour},
		{15 * time.Minute, 7, 24 * time.Hour}, // capped at a day
		{15 * time.Minute, 1000, 24 * time.Hour},
		{10 * time.Second, 1, 2 * time.Minute}, // at least a minute before doubling
		{48 * time.Hour, 3, 48 * time.Hour},    // capped at the interval when longer than a day
	}
	for _, tc := range tests {
		if got := NextPoll(at, tc.interval, tc.failures).Sub(at); got != tc.want {
			t.Errorf("NextPoll(interval %v, %d failures): got +%v, want +%v", tc.interval, tc.failures, got, tc.want)
		}
	}
}
