package bench

import (
	"math"
	"runtime/metrics"
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
