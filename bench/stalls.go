package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// StallWatch reads, every interval, what inside the process could hold
// every request at once: how long runnable goroutines waited for a core
// (the scheduler's latencies), the collector's cycles and pauses, and how
// long requests waited for a connection of the database pool; and who
// used the cores: this process, and the other processes by kind
// (PostgreSQL's client backends, autovacuum, its checkpointer, ...). A
// route's slowest second, printed slice by slice, says which of them it
// was.
type StallWatch struct {
	conn    *pgx.Conn     // nil when it could not connect: no statements then
	profile *bytes.Buffer // the slice's CPU profile under way; nil: none
	every   time.Duration
	start   time.Time
	pool    *pgxpool.Pool
	samples []StallSlice
	stop    chan struct{}
	done    chan struct{}
}

// StallSlice is one interval of the watch.
type StallSlice struct {
	From, At time.Duration // the interval, from the watch's start
	SchedP99 time.Duration // of the scheduler's latencies in the interval
	SchedMax time.Duration // the upper bound of the highest bucket reached
	GCs      uint64
	// Marking says a collection was marking during the interval: one
	// began, ended or was under way in it, though it counts in GCs only
	// in the interval where it completes. A cycle stops the world as its
	// marking begins and as it ends, so a pause with no cycle completed
	// is a marking begun.
	Marking      bool
	GCPauseMax   time.Duration
	PoolWaits    int64 // acquisitions that waited for a connection
	PoolWait     time.Duration
	PoolAcquired int32 // connections in use at the interval's end
	PoolOpened   int64 // connections the pool opened in the interval
	// Stolen is the share of the cores' time the hypervisor gave to other
	// machines in the interval; Busy the share of the rest spent not idle
	// (/proc/stat, in ticks of 10 ms: coarse over 100 ms).
	Stolen, Busy float64
	// Self is the CPU time this process used in the interval; Others the
	// processes that used the most besides it, at most slicedProcesses of
	// them (/proc, in ticks of 10 ms).
	Self   time.Duration
	Others []ProcessCPU
	// Active is how many of the database's client backends were running a
	// statement at the interval's end; Longest the one running longest
	// then, by its first words, and for how long (read on a connection of
	// the watch's own, outside the pool).
	Active      int
	Longest     string
	LongestTook time.Duration
	// Waits is what the running statements waited on then, by PostgreSQL's
	// wait events, the most first ("IO:WALSync 3, CPU 1": CPU is none, on
	// a core or waiting for one).
	Waits string
	// Vacuum is what autovacuum's workers were running then, if anything
	// ("autovacuum: VACUUM public.audit_log").
	Vacuum string
	// Profile is the process's CPU profile over the interval, when the
	// watch was asked for one (WatchStalls's profile).
	Profile []byte
}

// slicedProcesses is how many of the other processes a slice keeps.
const slicedProcesses = 3

var stallMetrics = []string{"/sched/latencies:seconds", "/gc/cycles/total:gc-cycles", "/sched/pauses/total/gc:seconds"}

// WatchStalls starts a watch of the process and pool every interval, until
// Stop; with profile, it profiles the process's CPU slice by slice (unless
// a profile is already under way: then none).
func WatchStalls(ctx context.Context, pool *pgxpool.Pool, every time.Duration, profile bool) *StallWatch {
	w := &StallWatch{every: every, start: time.Now(), pool: pool, stop: make(chan struct{}), done: make(chan struct{})}
	if profile {
		w.profile = new(bytes.Buffer)
		if pprof.StartCPUProfile(w.profile) != nil {
			w.profile = nil
		}
	}
	if conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy()); err == nil {
		w.conn = conn
	}
	go w.run(ctx)
	return w
}

func (w *StallWatch) run(ctx context.Context) {
	defer close(w.done)
	before := make([]metrics.Sample, len(stallMetrics))
	after := make([]metrics.Sample, len(stallMetrics))
	for i, name := range stallMetrics {
		before[i].Name, after[i].Name = name, name
	}
	metrics.Read(before)
	inMark := marking(before) // a collection is marking now
	stat, from := w.pool.Stat(), time.Duration(0)
	machine0, _ := machineTicks()
	self0, procs0 := selfCPU(), readProcesses()
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
		self, procs := selfCPU(), readProcesses()
		others := processesBetween(procs0, procs)
		busy, stolen := machine.sharesSince(machine0)
		sched := histogramDelta(before[0].Value.Float64Histogram(), after[0].Value.Float64Histogram())
		pauses := histogramDelta(before[2].Value.Float64Histogram(), after[2].Value.Float64Histogram())
		cycles := after[1].Value.Uint64() - before[1].Value.Uint64()
		var sliceMarked bool
		sliceMarked, inMark = markingStep(inMark, pauses.total(), cycles)
		pg := w.statements(ctx)
		at := time.Since(w.start)
		w.samples = append(w.samples, StallSlice{
			Active: pg.Active, Longest: pg.Longest, LongestTook: pg.LongestTook, Waits: pg.Waits, Vacuum: pg.Vacuum, Profile: w.nextProfile(),
			From: from, At: at,
			SchedP99: sched.quantile(0.99), SchedMax: sched.quantile(1),
			GCs:        cycles,
			Marking:    sliceMarked,
			GCPauseMax: pauses.quantile(1),
			PoolWaits:  now.EmptyAcquireCount() - stat.EmptyAcquireCount(),
			PoolWait:   now.AcquireDuration() - stat.AcquireDuration(), PoolAcquired: now.AcquiredConns(),
			PoolOpened: now.NewConnsCount() - stat.NewConnsCount(),
			Stolen:     stolen, Busy: busy,
			Self: self - self0, Others: others[:min(len(others), slicedProcesses)],
		})
		before, after = after, before
		stat, from = now, at
		machine0, self0, procs0 = machine, self, procs
	}
}

// statements reads how many client backends run a statement, which has
// run longest, and what autovacuum's workers are doing: nothing without
// the watch's connection.
func (w *StallWatch) statements(ctx context.Context) (s StallSlice) {
	if w.conn == nil {
		return s
	}
	err := w.conn.QueryRow(ctx, `WITH a AS (SELECT backend_type = 'client backend' AS client, query, query_start,
			(extract(epoch FROM clock_timestamp() - query_start) * 1e9)::bigint AS age,
			coalesce(wait_event_type || ':' || wait_event, 'CPU') AS wait
			FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()
			AND backend_type IN ('client backend', 'autovacuum worker'))
		SELECT count(*) FILTER (WHERE client),
			coalesce((array_agg(left(regexp_replace(query, '\s+', ' ', 'g'), 60) ORDER BY query_start) FILTER (WHERE client))[1], ''),
			coalesce((array_agg(age ORDER BY query_start) FILTER (WHERE client))[1], 0),
			coalesce((SELECT string_agg(wait || ' ' || n, ', ' ORDER BY n DESC, wait)
				FROM (SELECT wait, count(*) AS n FROM a WHERE client GROUP BY wait) w), ''),
			coalesce(string_agg(query, '; ') FILTER (WHERE NOT client), '')
		FROM a`).Scan(&s.Active, &s.Longest, &s.LongestTook, &s.Waits, &s.Vacuum)
	if err != nil {
		return StallSlice{}
	}
	return s
}

// nextProfile ends the slice's CPU profile and starts the next one's: nil
// when the watch profiles none.
func (w *StallWatch) nextProfile() []byte {
	if w.profile == nil {
		return nil
	}
	pprof.StopCPUProfile()
	done := w.profile.Bytes()
	w.profile = new(bytes.Buffer)
	if pprof.StartCPUProfile(w.profile) != nil {
		w.profile = nil
	}
	return done
}

// WriteProfiles writes the CPU profiles of second sec's busy slices (at
// least busy of the cores' time) to prefix.burst.N, and of at most as many
// slices outside that second to prefix.calm.N, for pprof to read together
// (go tool pprof -top binary prefix.burst.*). It returns how many of each.
func WriteProfiles(prefix string, slices []StallSlice, sec int, busy float64) (bursts, calm int, err error) {
	for _, s := range slices {
		if s.Profile != nil && s.overlaps(sec) && s.Busy >= busy {
			if err := os.WriteFile(fmt.Sprintf("%s.burst.%d", prefix, bursts), s.Profile, 0o644); err != nil {
				return bursts, calm, err
			}
			bursts++
		}
	}
	for _, s := range slices {
		if s.Profile != nil && !s.overlaps(sec) && calm < max(bursts, 1) {
			if err := os.WriteFile(fmt.Sprintf("%s.calm.%d", prefix, calm), s.Profile, 0o644); err != nil {
				return bursts, calm, err
			}
			calm++
		}
	}
	return bursts, calm, nil
}

// Stop ends the watch and returns its slices.
func (w *StallWatch) Stop() []StallSlice {
	close(w.stop)
	<-w.done
	if w.profile != nil {
		pprof.StopCPUProfile()
	}
	if w.conn != nil {
		_ = w.conn.Close(context.Background())
	}
	return w.samples
}

// PrintSecond writes the slices that overlap second sec (counted from
// the watch's start), one line each, named by the time each ends.
func PrintSecond(out io.Writer, indent string, slices []StallSlice, sec int) {
	for _, s := range slices {
		if !s.overlaps(sec) {
			continue
		}
		fmt.Fprintf(out, "%s%6.1fs  run queue p99 %7v max %7v  gc %d (pause max %v)  pool waits %d for %v in all, in use %d%s  stolen %3.0f%%, busy %3.0f%%%s  cpu: this process %v%s%s\n", indent,
			s.At.Seconds(), s.SchedP99.Round(time.Microsecond), s.SchedMax.Round(time.Microsecond), s.GCs, s.GCPauseMax.Round(time.Microsecond),
			s.PoolWaits, s.PoolWait.Round(time.Microsecond), s.PoolAcquired, openedInSlice(s.PoolOpened), 100*s.Stolen, 100*s.Busy, markingInSlice(s.Marking), s.Self.Round(time.Millisecond), othersInSlice(s.Others), statementsInSlice(s))
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

// marking guesses whether a collection is marking at a reading of
// stallMetrics: each cycle stops the world twice, once as its marking
// begins and once as it ends, and counts as completed at the second; so
// one pause more than twice the cycles is a cycle marking. From there the
// watch follows the pauses and cycles slice by slice.
func marking(reading []metrics.Sample) bool {
	var pauses uint64
	for _, c := range reading[2].Value.Float64Histogram().Counts {
		pauses += c
	}
	return pauses > 2*reading[1].Value.Uint64()
}

// markingStep follows the collector over one slice: given whether it was
// marking at the slice's start, and the pauses and completed cycles in the
// slice, whether it marked during the slice and is marking at its end.
func markingStep(wasMarking bool, pauses, cycles uint64) (during, after bool) {
	return wasMarking || pauses > 0, pauses > 2*cycles || cycles == 0 && wasMarking
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

// total is how many counts the histogram gained.
func (h histogram) total() uint64 {
	var n uint64
	for _, c := range h.counts {
		n += c
	}
	return n
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

// othersInSlice lists a slice's other processes with their CPU time.
func othersInSlice(others []ProcessCPU) string {
	var b strings.Builder
	for _, p := range others {
		fmt.Fprintf(&b, ", %s %v", p.Who, p.CPU)
	}
	return b.String()
}

// statementsInSlice says how many statements ran at a slice's end, what
// they waited on, and the longest of them, when the watch read them.
func statementsInSlice(s StallSlice) string {
	var out string
	if s.Longest != "" {
		out = fmt.Sprintf("  statements running %d (%s), the longest %v: %s", s.Active, s.Waits, s.LongestTook.Round(time.Millisecond), s.Longest)
	}
	if s.Vacuum != "" {
		out += "  " + s.Vacuum
	}
	return out
}

// markingInSlice says that the collector was marking in a slice.
func markingInSlice(marking bool) string {
	if marking {
		return ", the collector marking"
	}
	return ""
}

// openedInSlice says how many connections the pool opened in a slice.
func openedInSlice(opened int64) string {
	if opened == 0 {
		return ""
	}
	return fmt.Sprintf(", %d opened", opened)
}
