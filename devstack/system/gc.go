package system

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// tuneGC sets the garbage collector of the one process that holds the
// API, the worker and Temporal's server, unless GOGC or GOMEMLIMIT say
// otherwise, and returns what stops it.
//
// The soft limit bounds what Go itself holds (heap, goroutine stacks, the
// runtime's own) at 768 MiB, so that the whole process, with its code
// besides, stays under 1 GiB: at 100,000 open cases and a limit of 1 GiB
// its resident set peaked at 1,083 MiB (issue 24).
//
// Under the limit, the heap may grow gcHeadroom past what the last
// collection found live before the next one starts (keepHeadroom), instead
// of a fixed multiple of it. At Go's default (GOGC=100) every request paid
// for marking the embedded server's caches in assists: an inbox's p99 was
// 167 ms against 21 ms at GOGC=300 (bench/cases). GOGC=300 gave the 131
// MiB live from 10,000 open cases on, with stacks and globals we estimate
// at 40 MiB, about 512 MiB to grow, and the headroom keeps that: there the
// soft limit binds first under either, and a run to 10,000 open cases held
// the same heap, resident set and peak with both (issue 24, run 53). But
// with the 61 MiB live of a centre's first hundred cases, GOGC=300
// collected every 200 MB or so of allocation, every 10 s under 500 list
// requests a second. On a quiet host each collection's marking set the
// lists' slowest second: it took the cores for 300 ms, and requests queued
// for them and for connections (run 39). With the headroom the soft limit
// lets the heap grow about 330 MB there: 4 collections over the lists'
// load instead of 7 (runs 47-51).
func tuneGC() (stop func()) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		keepHeadroom(ctx, time.Second)
	}()
	return func() {
		cancel()
		<-done
	}
}

// gcHeadroom is how far the heap may grow past the live heap (and the
// stacks and globals the collector scans) before the next collection.
const gcHeadroom = 512 << 20

// GOGC's bounds under keepHeadroom: never below Go's default, and at most
// eleven times the live heap, which the soft limit stops first anyway.
const (
	minGCPercent = 100
	maxGCPercent = 1000
)

// gcPercentFor is the GOGC that puts the heap's goal gcHeadroom above a
// live heap whose collection scans live bytes (Go's goal is the live heap
// plus GOGC percent of it, its stacks and its globals), within
// minGCPercent and maxGCPercent.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return maxGCPercent
	}
	return int(min(max(100*uint64(gcHeadroom)/live, minGCPercent), maxGCPercent))
}

// gcScanned are the runtime's counts of what the last collection marked:
// the live heap, and the stacks and globals it scanned.
var gcScanned = []string{"/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes"}

// keepHeadroom sets GOGC from what each collection left live, looking
// every so often, until ctx is done. It sets it again only when it moves
// by a tenth or more, and sets 300 at once, the value it replaced, until
// the first collection says what is live.
func keepHeadroom(ctx context.Context, every time.Duration) {
	samples := make([]metrics.Sample, len(gcScanned)+1)
	for i, name := range gcScanned {
		samples[i].Name = name
	}
	samples[len(gcScanned)].Name = "/gc/cycles/total:gc-cycles"
	debug.SetGCPercent(300)
	set := 300
	var seen uint64
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		metrics.Read(samples)
		if cycles := uint64Of(samples[len(gcScanned)]); cycles != seen {
			seen = cycles
			var live uint64
			for _, s := range samples[:len(gcScanned)] {
				live += uint64Of(s)
			}
			if p := gcPercentFor(live); 10*abs(p-set) >= set {
				debug.SetGCPercent(p)
				set = p
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func uint64Of(s metrics.Sample) uint64 {
	if s.Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s.Value.Uint64()
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
