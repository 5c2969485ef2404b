package api

import "time"

// instant is a time in an answer of the lists. It encodes as time.Time
// does (RFC 3339 with its nanoseconds, in quotes; an error for a year
// outside 0–9999), but through MarshalText, which encoding/json quotes
// itself: every MarshalJSON's output, time.Time's included, it scans and
// compacts a second time. On the case lists at 500 requests/s, the times'
// MarshalJSON and that second pass were 15% of the process's CPU (issue 24).
type instant time.Time

// MarshalText is time.Time's.
func (t instant) MarshalText() ([]byte, error) { return time.Time(t).MarshalText() }

// UnmarshalText is time.Time's.
func (t *instant) UnmarshalText(b []byte) error { return (*time.Time)(t).UnmarshalText(b) }
