package api

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAnInstantEncodesAsTimeDoes: the same bytes as time.Time's, for
// times with and without nanoseconds, in UTC and in Podgorica's zone, the
// zero time and the last of year 9999, as a value and through a nil or
// set pointer; a year past 9999 fails for both; and the text reads back.
func TestAnInstantEncodesAsTimeDoes(t *testing.T) {
	podgorica := time.FixedZone("CET", 3600)
	type asTime struct {
		At  time.Time  `json:"at"`
		Due *time.Time `json:"due"`
	}
	type asInstant struct {
		At  instant  `json:"at"`
		Due *instant `json:"due"`
	}
	for _, at := range []time.Time{
		time.Date(2026, 11, 30, 9, 41, 7, 123456789, time.UTC),
		time.Date(2026, 11, 30, 9, 41, 7, 0, podgorica),
		time.Date(2026, 3, 1, 0, 0, 0, 120000000, podgorica),
		{},
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	} {
		for _, due := range []*time.Time{nil, &at} {
			want, err := json.Marshal(asTime{At: at, Due: due})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(asInstant{At: instant(at), Due: (*instant)(due)})
			if err != nil || string(got) != string(want) {
				t.Errorf("%v: %s (%v); want %s", at, got, err, want)
			}
			var back asInstant
			if err := json.Unmarshal(got, &back); err != nil || !time.Time(back.At).Equal(at) || (due == nil) != (back.Due == nil) {
				t.Errorf("%s read back as %v, %v (%v)", got, time.Time(back.At), back.Due, err)
			}
		}
	}
	late := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := json.Marshal(asInstant{At: instant(late)}); err == nil {
		t.Error("the year 10000 encoded; time.Time refuses it")
	}
}
