package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/interop/sim"
	"github.com/karton-social/karton/workflows"
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

// SlowestSecond tells whether the slowest requests came together: of the
// requests above the p-th percentile of lat, how many began within
// the busiest one second, and which second of the run that was (began[i]
// is when request i began, from the run's start). Many in one second
// point to a stall (a checkpoint, a collection, a slow fsync); few, to
// queueing spread over the run.
func SlowestSecond(lat, began []time.Duration, p float64) (inSecond, slowest, second int) {
	cut := Percentile(lat, p)
	per := map[int]int{}
	for i, d := range lat {
		if d > cut && i < len(began) {
			slowest++
			per[int(began[i]/time.Second)]++
		}
	}
	for sec, n := range per {
		if n > inSecond || n == inSecond && sec < second {
			inSecond, second = n, sec
		}
	}
	return inSecond, slowest, second
}

// Stack starts the real stack in a temporary folder for a benchmark:
// file-backed Temporal, PostgreSQL, MinIO, simulators at latency, worker
// and API, with households demo households loaded. stop removes it all.
func Stack(ctx context.Context, households int, latency time.Duration) (s *system.System, stop func(), err error) {
	s, stop, _, err = StackIn(ctx, households, latency)
	return s, stop, err
}

// StackIn is Stack, also giving the folder that holds the stack's data
// (for the sizes of its databases).
func StackIn(ctx context.Context, households int, latency time.Duration) (s *system.System, stop func(), dir string, err error) {
	dir, err = os.MkdirTemp("", "karton-bench-")
	if err != nil {
		return nil, nil, "", err
	}
	s, err = system.Start(ctx, system.Options{DataDir: dir, SimHouseholds: households, SimFaults: sim.Faults{Latency: latency},
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, "", err
	}
	stop = func() { s.Stop(); os.RemoveAll(dir) }
	if err := devstack.LoadDemo(ctx, s.DB, s.Population, households, nil); err != nil {
		stop()
		return nil, nil, "", err
	}
	return s, stop, dir, nil
}

// Baseline measures trivial workflows (one no-op activity) per second with
// inFlight at once, after a warm-up: the yardstick every figure is divided by.
func Baseline(ctx context.Context, s *system.System, n, inFlight int) (float64, error) {
	trivial := func(ctx context.Context, i int) error {
		run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("bench-trivial-%d-%d", time.Now().UnixNano(), i), TaskQueue: workflows.TaskQueue}, workflows.NameTrivial)
		if err != nil {
			return err
		}
		return run.Get(ctx, nil)
	}
	if _, _, err := Run(ctx, 20, 4, trivial); err != nil {
		return 0, err
	}
	perSec, _, err := Run(ctx, n, inFlight, trivial)
	return perSec, err
}

// Verdict says whether a goal was met.
func Verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// CPUProfile profiles the whole process into file until the returned stop
// is called; an empty file profiles nothing.
func CPUProfile(file string) (stop func() error, err error) {
	if file == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() error { pprof.StopCPUProfile(); return f.Close() }, nil
}
