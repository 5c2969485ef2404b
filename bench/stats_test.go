package bench

import (
	"context"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3}
	if got := Percentile(ds, 50); got != 3 {
		t.Errorf("Percentile(50) = %v; want 3", got)
	}
	if got := Percentile(ds, 100); got != 5 {
		t.Errorf("Percentile(100) = %v; want 5", got)
	}
}

func TestRunCountsEveryCall(t *testing.T) {
	seen := make([]bool, 50)
	_, lat, err := Run(context.Background(), 50, 4, func(_ context.Context, i int) error { seen[i] = true; return nil })
	if err != nil || len(lat) != 50 {
		t.Fatal(err)
	}
	for i, s := range seen {
		if !s {
			t.Fatalf("call %d never ran", i)
		}
	}
}
