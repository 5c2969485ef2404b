package bench

import (
	"fmt"
	"io"
	"math"
	"runtime/metrics"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// StallWatch reads, every interval, what inside the process could hold
// every request at once: how long runnable goroutines waited for a core
// (the scheduler's latencies), the collector's cycles and pauses, and how
// long requests waited for a connection of the database pool. A route's
// slowest second, printed slice by slice, says which of them it was.
type StallWatch struct {
	every   time.Duration
	start   time.Time
	pool    *pgxpool.Pool
	samples []StallSlice
	stop    chan struct{}
	done    chan struct{}
}

// StallSlice is one interval of the watch.
type StallSlice struct {
	From, At     time.Duration // the interval, from the watch's start
	SchedP99     time.Duration // of the scheduler's latencies in the interval
	SchedMax     time.Duration // the upper bound of the highest bucket reached
	GCs          uint64
	GCPauseMax   time.Duration
	PoolWaits    int64 // acquisitions that waited for a connection
	PoolWait     time.Duration
	PoolAcquired int32 // connections in use at the interval's end
	// Stolen is the share of the cores' time the hypervisor gave to other
	// machines in the interval; Busy the share of the rest spent not idle
	// (/proc/stat, in ticks of 10 ms: coarse over 100 ms).
	Stolen, Busy float64
}

var stallMetrics = []string{"/sched/latencies:seconds", "/gc/cycles/total:gc-cycles", "/sched/pauses/total/gc:seconds"}

// WatchStalls starts a watch of the process and pool every interval, until Stop.
func WatchStalls(pool *pgxpool.Pool, every time.Duration) *StallWatch {
	w := &StallWatch{every: every, start: time.Now(), pool: pool, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *StallWatch) run() {
	defer close(w.done)
	before := make([]metrics.Sample, len(stallMetrics))
	after := make([]metrics.Sample, len(stallMetrics))
	for i, name := range stallMetrics {
		before[i].Name, after[i].Name = name, name
	}
	metrics.Read(before)
	stat, from := w.pool.Stat(), time.Duration(0)
	machine0, _ := machineTicks()
	tick := time.NewTicker(w.every)
	defer tick.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		metrics.Read(after)
		now := w.pool.Stat()
		machine, _ := machineTicks()
		busy, stolen := machine.sharesSince(machine0)
		sched := histogramDelta(before[0].Value.Float64Histogram(), after[0].Value.Float64Histogram())
		pauses := histogramDelta(before[2].Value.Float64Histogram(), after[2].Value.Float64Histogram())
		at := time.Since(w.start)
		w.samples = append(w.samples, StallSlice{
			From: from, At: at,
			SchedP99: sched.quantile(0.99), SchedMax: sched.quantile(1),
			GCs:        after[1].Value.Uint64() - before[1].Value.Uint64(),
			GCPauseMax: pauses.quantile(1),
			PoolWaits:  now.EmptyAcquireCount() - stat.EmptyAcquireCount(),
			PoolWait:   now.AcquireDuration() - stat.AcquireDuration(), PoolAcquired: now.AcquiredConns(),
			Stolen: stolen, Busy: busy,
		})
		before, after = after, before
		stat, from = now, at
		machine0 = machine
	}
}

// Stop ends the watch and returns its slices.
func (w *StallWatch) Stop() []StallSlice {
	close(w.stop)
	<-w.done
	return w.samples
}

// PrintSecond writes the slices that overlap second sec (counted from
// the watch's start), one line each, named by the time each ends.
func PrintSecond(out io.Writer, indent string, slices []StallSlice, sec int) {
	for _, s := range slices {
		if !s.overlaps(sec) {
			continue
		}
		fmt.Fprintf(out, "%s%6.1fs  run queue p99 %7v max %7v  gc %d (pause max %v)  pool waits %d for %v, in use %d  stolen %3.0f%%, busy %3.0f%%\n", indent,
			s.At.Seconds(), s.SchedP99.Round(time.Microsecond), s.SchedMax.Round(time.Microsecond), s.GCs, s.GCPauseMax.Round(time.Microsecond),
			s.PoolWaits, s.PoolWait.Round(time.Microsecond), s.PoolAcquired, 100*s.Stolen, 100*s.Busy)
	}
}

// overlaps says whether the slice overlaps second sec (counted from the
// watch's start).
func (s StallSlice) overlaps(sec int) bool {
	return s.At > time.Duration(sec)*time.Second && s.From < time.Duration(sec+1)*time.Second
}

// StolenIn is the mean of the slices' stolen shares within second sec
// (counted from the watch's start), and over all the slices.
func StolenIn(slices []StallSlice, sec int) (inSecond, overall float64) {
	var n int
	for _, s := range slices {
		overall += s.Stolen
		if s.overlaps(sec) {
			inSecond += s.Stolen
			n++
		}
	}
	if n > 0 {
		inSecond /= float64(n)
	}
	if len(slices) > 0 {
		overall /= float64(len(slices))
	}
	return inSecond, overall
}

// histogram is the counts a cumulative runtime histogram gained between two readings.
type histogram struct {
	counts  []uint64
	buckets []float64
}

func histogramDelta(before, after *metrics.Float64Histogram) histogram {
	h := histogram{counts: make([]uint64, len(after.Counts)), buckets: after.Buckets}
	for i := range after.Counts {
		h.counts[i] = after.Counts[i] - before.Counts[i]
	}
	return h
}

// quantile is the upper bound of the bucket holding quantile q of the
// counts (q = 1: the highest bucket reached; the last bucket, which has
// none, by its lower bound), 0 when there are none.
func (h histogram) quantile(q float64) time.Duration {
	var total uint64
	for _, c := range h.counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(q*float64(total) - 1e-9)) // 0.99 × 100 is 99.00000000000001
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= want && c > 0 {
			upper := h.buckets[i+1]
			if math.IsInf(upper, 1) {
				upper = h.buckets[i]
			}
			return time.Duration(upper * float64(time.Second))
		}
	}
	return 0
}
