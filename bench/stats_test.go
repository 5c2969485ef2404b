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

func TestSlowestSecondFindsAStall(t *testing.T) {
	// 1,000 requests over ten seconds, 1 ms each; the ten slowest began
	// in second 7 (a stall), but for one in second 2.
	lat, began := make([]time.Duration, 1000), make([]time.Duration, 1000)
	for i := range lat {
		lat[i], began[i] = time.Millisecond, time.Duration(i)*10*time.Millisecond
	}
	for i := 700; i < 709; i++ {
		lat[i] = 200 * time.Millisecond
	}
	lat[250] = 150 * time.Millisecond
	in, slow, sec := SlowestSecond(lat, began, 99)
	if in != 9 || slow != 10 || sec != 7 {
		t.Errorf("SlowestSecond = %d of %d in second %d; want 9 of 10 in second 7", in, slow, sec)
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
