package bench

import (
	"math"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// TestHistogramQuantile: the quantiles of what a cumulative histogram
// gained between two readings, as the upper bounds of their buckets.
func TestHistogramQuantile(t *testing.T) {
	buckets := []float64{0, 0.001, 0.01, 0.1, math.Inf(1)}
	before := &metrics.Float64Histogram{Counts: []uint64{5, 5, 0, 0}, Buckets: buckets}
	after := &metrics.Float64Histogram{Counts: []uint64{5, 103, 1, 1}, Buckets: buckets}
	h := histogramDelta(before, after)
	// Bucket i holds [buckets[i], buckets[i+1]); the gain is 98 in [1, 10 ms),
	// one in [10, 100 ms) and one from 100 ms up (named by its lower bound).
	for q, want := range map[float64]time.Duration{0.5: 10 * time.Millisecond, 0.98: 10 * time.Millisecond, 0.99: 100 * time.Millisecond, 1: 100 * time.Millisecond} {
		if got := h.quantile(q); got != want {
			t.Errorf("quantile(%v) = %v; want %v", q, got, want)
		}
	}
	if got := histogramDelta(after, after).quantile(1); got != 0 {
		t.Errorf("nothing gained: quantile(1) = %v; want 0", got)
	}
}

// TestPrintSecondPrintsTheSlicesOverlappingIt: a second's ten slices of
// 100 ms, not its neighbours'.
func TestPrintSecondPrintsTheSlicesOverlappingIt(t *testing.T) {
	var slices []StallSlice
	for i := 0; i < 30; i++ {
		slices = append(slices, StallSlice{From: time.Duration(i) * 100 * time.Millisecond, At: time.Duration(i+1) * 100 * time.Millisecond})
	}
	var out strings.Builder
	PrintSecond(&out, "", slices, 1)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 10 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "1.1s") || !strings.HasPrefix(strings.TrimSpace(lines[9]), "2.0s") {
		t.Errorf("second 1 printed %d lines, from %q to %q; want 10, from the slice ending at 1.1 s to the one ending at 2.0 s",
			len(lines), lines[0], lines[len(lines)-1])
	}
}

func TestStolenInAveragesTheSecondsSlices(t *testing.T) {
	ms := time.Millisecond
	slices := []StallSlice{
		{From: 0, At: 500 * ms, Stolen: 0.1},
		{From: 500 * ms, At: 1000 * ms, Stolen: 0.1},
		{From: 1000 * ms, At: 1500 * ms, Stolen: 0.5},
		{From: 1500 * ms, At: 2000 * ms, Stolen: 0.7},
	}
	in, all := StolenIn(slices, 1)
	if math.Abs(in-0.6) > 1e-9 || math.Abs(all-0.35) > 1e-9 {
		t.Errorf("StolenIn(second 1) = %v, %v; want 0.6, 0.35", in, all)
	}
	if in, _ := StolenIn(slices, 5); in != 0 {
		t.Errorf("StolenIn(a second with no slices) = %v, want 0", in)
	}
}

// TestPrintSecondNamesWhoUsedTheCores: a slice's line says how much CPU
// this process and the busiest others used in it, and which statement had
// run longest at its end, what the running statements waited on, and what
// autovacuum was doing.
func TestPrintSecondNamesWhoUsedTheCores(t *testing.T) {
	ms := time.Millisecond
	slices := []StallSlice{{From: 0, At: 100 * ms, Self: 150 * ms,
		Others: []ProcessCPU{{Who: "PostgreSQL autovacuum", CPU: 60 * ms}, {Who: "PostgreSQL client backends", CPU: 20 * ms}},
		Active: 3, Longest: "SELECT count(*) FROM tasks", LongestTook: 120 * ms, Waits: "IO:WALSync 2, CPU 1", Vacuum: "autovacuum: VACUUM public.audit_log"}}
	var out strings.Builder
	PrintSecond(&out, "", slices, 0)
	if want := "cpu: this process 150ms, PostgreSQL autovacuum 60ms, PostgreSQL client backends 20ms  statements running 3 (IO:WALSync 2, CPU 1), the longest 120ms: SELECT count(*) FROM tasks  autovacuum: VACUUM public.audit_log\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("PrintSecond wrote %q; want it to end with %q", out.String(), want)
	}
}

// TestWriteProfilesSplitsTheBusySlicesOfTheSecond: the busy slices of the
// slowest second go to .burst files, as many of the other seconds' to
// .calm files; a calm slice of that second goes to neither.
func TestWriteProfilesSplitsTheBusySlicesOfTheSecond(t *testing.T) {
	ms := time.Millisecond
	var slices []StallSlice
	for i := 0; i < 30; i++ {
		busy := 0.5
		if i == 13 || i == 14 {
			busy = 0.95
		}
		slices = append(slices, StallSlice{From: time.Duration(i) * 100 * ms, At: time.Duration(i+1) * 100 * ms, Busy: busy, Profile: []byte{byte(i)}})
	}
	prefix := filepath.Join(t.TempDir(), "p")
	bursts, calm, err := WriteProfiles(prefix, slices, 1, 0.9)
	if err != nil || bursts != 2 || calm != 2 {
		t.Fatalf("WriteProfiles = %d bursts, %d calm, %v; want 2, 2, nil", bursts, calm, err)
	}
	if b, err := os.ReadFile(prefix + ".burst.1"); err != nil || len(b) != 1 || b[0] != 14 {
		t.Errorf("the second burst file holds %v (%v); want slice 14's profile", b, err)
	}
	if b, err := os.ReadFile(prefix + ".calm.0"); err != nil || len(b) != 1 || b[0] != 0 {
		t.Errorf("the first calm file holds %v (%v); want slice 0's profile", b, err)
	}
}

// TestMarkingStepFollowsACycleAcrossSlices: a cycle that begins in one
// slice and completes two slices later marks in all three, and not after.
func TestMarkingStepFollowsACycleAcrossSlices(t *testing.T) {
	steps := []struct {
		pauses, cycles uint64
		during, after  bool
	}{
		{0, 0, false, false}, // idle
		{1, 0, true, true},   // the cycle begins
		{0, 0, true, true},   // it marks
		{1, 1, true, false},  // it completes
		{0, 0, false, false}, // idle again
		{2, 1, true, false},  // a whole cycle within a slice
		{3, 1, true, true},   // one completes, the next begins
	}
	marking := false
	for i, s := range steps {
		during, after := markingStep(marking, s.pauses, s.cycles)
		if during != s.during || after != s.after {
			t.Errorf("slice %d (%d pauses, %d cycles, marking before: %v): marked %v, marking after %v; want %v, %v",
				i, s.pauses, s.cycles, marking, during, after, s.during, s.after)
		}
		marking = after
	}
}
