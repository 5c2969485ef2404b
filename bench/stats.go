package bench

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Run calls fn n times with up to inFlight calls at once and returns the
// throughput per second and each call's latency.
func Run(ctx context.Context, n, inFlight int, fn func(ctx context.Context, i int) error) (perSec float64, lat []time.Duration, err error) {
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	lat = make([]time.Duration, n)
	next := make(chan int)
	start := time.Now()
	for w := 0; w < inFlight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				if e := fn(ctx, i); e != nil {
					mu.Lock()
					if first == nil {
						first = e
					}
					mu.Unlock()
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return float64(n) / time.Since(start).Seconds(), lat, first
}

// Percentile returns the p-th percentile (0-100) of ds.
func Percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}
