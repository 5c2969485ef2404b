// Command cases benchmarks case management on the real stack.
//
// First, open cases waiting on timers: cases opened over HTTP (each a
// Case workflow that records its intake and waits on its opening task with
// a deadline timer), with the start rate against trivial workflows
// measured in the same run, the process's memory as the number of open
// cases grows, and the database size per case.
//
// Second, the inbox and case-list queries under load: the tables are
// filled to a given number of task rows and cases, then a load generator
// on loopback sends a fixed rate of requests (open loop: a slow answer
// does not slow the sending) to the inbox and the case list, against the
// same rate of a trivial authenticated route measured in the same run.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/karton-social/karton/bench"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

func main() {
	open := flag.Int("cases", 10000, "cases to open over HTTP and leave waiting on their timers")
	inFlight := flag.Int("in-flight", 10, "cases opened at once")
	tasks := flag.Int("tasks", 1000000, "task rows in PostgreSQL for the query load")
	allCases := flag.Int("all-cases", 100000, "cases in PostgreSQL for the query load")
	rate := flag.Int("rate", 200, "requests per second of the load generator")
	seconds := flag.Int("seconds", 30, "seconds of load per route")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the query load (the whole process) to this file")
	only := flag.String("routes", "", "load only the routes whose name contains this (the baseline always runs)")
	heapProfile := flag.String("memprofile", "", "write a heap profile at each count of open cases to this file name + .<count>, and after the routes' load to + .lists (its alloc_space counts from the process's start: with few cases opened, mostly the load)")
	sample := flag.Bool("pgsample", false, "sample PostgreSQL's activity under each route's load and print where its time goes")
	stalls := flag.Bool("stalls", false, "watch the process every 100 ms under each route's load and print its slowest second's slices")
	sliced := flag.String("sliceprofile", "", "with -stalls: profile the process's CPU slice by slice, and write the profiles of each route's busy slices (90% and more) in its slowest second to this prefix + .<route>.burst.<n>, and as many others to + .<route>.calm.<n>")
	separate := flag.Bool("api-process", false, "after the one process, load the routes again on the API in a process of its own (the cluster layout: `karton api`) on the same cores; -stalls and -pgsample watch only the one-process layout")
	fromChild := flag.Bool("load-process", true, "send each route's load from a child process, as clients on other machines would, so that the client's allocations are not this process's to collect; false: from this process's goroutines (as before 2026-12-03)")
	audited := flag.Int("audit", 1000000, "records in the audit log for the query load, chained: a centre's years of history, so that autovacuum comes round as seldom as on a production's (at a hundred records it visited the log about once a minute)")
	burn := flag.String("burn", "", "after the routes, load the baseline route again beside a burner keeping these shares of each core busy (comma-separated, e.g. 0.2,0.4)")
	flag.Parse()
	bench.MaybeBurn()     // in a burner's child: burns, never returns
	bench.MaybeServeAPI() // in an API child: serves, never returns
	maybeLoad()           // in a load child: sends its load and exits
	apiProcess, loadProcess = *separate, *fromChild
	cpuProfile, memProfile, onlyRoutes, pgSample, watchStalls, sliceProfiles = *profile, *heapProfile, *only, *sample, *stalls, *sliced
	auditRows = *audited
	var err error
	if burnShares, err = parseShares(*burn); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(*open, *inFlight, *tasks, *allCases, *rate, *seconds); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

var (
	cpuProfile, memProfile, onlyRoutes string
	sliceProfiles                      string
	pgSample, watchStalls, apiProcess  bool
	loadProcess                        bool
	burnShares                         []float64
	auditRows                          int
)

func run(open, inFlight, taskRows, caseRows, rate, seconds int) error {
	ctx := context.Background()
	s, stop, dir, err := bench.StackIn(ctx, 200, 0)
	if err != nil {
		return err
	}
	defer stop()
	persons, err := podgoricaPersons(ctx, s)
	if err != nil {
		return err
	}
	tokens := map[string]string{}
	for _, u := range []string{"ana.caseworker", "ivan.caseworker", "marko.supervisor", "jelena.caseworker", "mila.caseworker"} {
		if tokens[u], err = s.Token(u); err != nil {
			return err
		}
	}
	fmt.Printf("Karton benchmark: case management on the real stack (embedded Temporal on SQLite, PostgreSQL, %d cores)\n", runtime.NumCPU())
	base, err := bench.Baseline(ctx, s, 400, inFlight)
	if err != nil {
		return err
	}
	fmt.Printf("baseline   trivial workflow (one no-op activity), %d in flight:   %7.1f workflows/s\n", inFlight, base)

	// 1. Open cases waiting on their timers.
	openCase := func(ctx context.Context, i int) error {
		body := fmt.Sprintf(`{"procedure":"P01","persons":[{"person_id":%q,"role":"beneficiary"}],"intake":{"source":"school",`+
			`"description":"Benchmark case %d: the school reports a child without care.","urgency":"routine","outcome":"open_case"}}`, persons[i%len(persons)], i)
		code, b, err := call(ctx, "POST", s.APIURL+"/api/v1/cases", tokens["ana.caseworker"], body)
		if err != nil {
			return err
		}
		if code != http.StatusAccepted {
			return fmt.Errorf("open case: %d %s", code, b)
		}
		return nil
	}
	fmt.Printf("open cases, each waiting on its opening task's deadline timer; memory of the one process (API, worker, embedded Temporal server) after GC\n")
	fmt.Printf("  %-8s %-10s %-10s %-10s %-12s %-10s %-10s %-9s %s\n", "open", "accepted/s", "opened/s", "÷ trivial", "÷ first", "live MiB", "heap MiB",
		"RSS MiB", "peak RSS MiB")
	checkpoints := []int{open / 10, open / 4, open / 2, open}
	if open > 10000 { // the start rate at 1,000 open cases is the yardstick (issue 24)
		checkpoints = append([]int{1000}, checkpoints...)
	}
	done := 0
	var first, last float64
	for _, upto := range checkpoints {
		n := upto - done
		if n <= 0 {
			continue
		}
		t0 := time.Now()
		accepted, _, err := bench.Run(ctx, n, inFlight, func(ctx context.Context, i int) error { return openCase(ctx, done+i) })
		if err != nil {
			return err
		}
		done = upto
		if err := waitForTasks(ctx, s, done); err != nil {
			return err
		}
		// Opened: accepted by the API, and its workflow has recorded the
		// intake and created the opening task (the worker may trail the API).
		perSec := float64(n) / time.Since(t0).Seconds()
		heap, live, rss, peak := memory()
		if first == 0 {
			first = perSec
		}
		last = perSec
		fmt.Printf("  %-8d %-10.1f %-10.1f %-10.2f %-12.2f %-10.0f %-10.0f %-9.0f %.0f\n", done, accepted, perSec, perSec/base, perSec/first, live, heap, rss, peak)
		if memProfile != "" {
			if err := writeHeapProfile(fmt.Sprintf("%s.%d", memProfile, done)); err != nil {
				return err
			}
		}
	}
	_, _, rss, peak := memory()
	fmt.Printf("goal       at %d open: opening rate %.2f × the first row's (goal >= 0.8: %s); resident set %.0f MiB, at most %.0f MiB (goal <= 1024: %s)\n",
		done, last/first, bench.Verdict(last >= 0.8*first), rss, peak, bench.Verdict(peak <= 1024))
	armed, unread, err := armedTimers(ctx, s)
	if err != nil {
		return err
	}
	fmt.Printf("timers     %d of %d open cases run and wait on a deadline timer started and not fired, by their histories (%d histories unread) (%s)\n",
		armed, done, unread, bench.Verdict(armed == done))
	var pgBytes, rows int64
	if err := s.DB.Pool().QueryRow(ctx, `SELECT sum(pg_total_relation_size(t))::bigint, (SELECT count(*) FROM cases)
		FROM unnest(ARRAY['cases','case_persons','case_events','case_stages','case_tracking','tasks']::regclass[]) t`).Scan(&pgBytes, &rows); err != nil {
		return err
	}
	temporalBytes := dirSize(filepath.Join(dir, "temporal"))
	fmt.Printf("database   PostgreSQL (cases, persons, events, stages, tracking, tasks): %.1f KiB per case; Temporal's SQLite: %.1f KiB per case (%d cases)\n",
		float64(pgBytes)/1024/float64(rows), float64(temporalBytes)/1024/float64(rows), rows)

	// 2. The inbox and the case list under load.
	fmt.Printf("filling PostgreSQL to %d task rows, %d cases and %d audit records ...\n", taskRows, caseRows, auditRows)
	t0 := time.Now()
	if err := fill(ctx, s, taskRows, caseRows); err != nil {
		return err
	}
	fmt.Printf("filled in %v\n", time.Since(t0).Round(time.Second))
	// The fill's batches are garbage now, and the last collection counted
	// them live (154 MiB against about 60): collect them, so that the load
	// meets the heap of a process that has been serving, and the headroom
	// devstack/system keeps (it looks every second) is set from it.
	runtime.GC()
	time.Sleep(1500 * time.Millisecond)
	fmt.Printf("load       %d requests/s for %d s per route, open loop, over loopback HTTP with a bearer token\n", rate, seconds)
	stopProfile, err := bench.CPUProfile(cpuProfile) // the query load only
	if err != nil {
		return err
	}
	defer func() {
		if err := stopProfile(); err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
		}
	}()
	fmt.Printf("layout     one process: the API beside the worker and Temporal's server (karton dev, make run); %s\n", bench.GCSettings())
	if err := loadRoutes(ctx, s.APIURL, tokens, rate, seconds, s.DB.Pool()); err != nil {
		return err
	}
	if memProfile != "" {
		if err := writeHeapProfile(memProfile + ".lists"); err != nil {
			return err
		}
	}
	if apiProcess {
		api, err := bench.StartAPIProcess(s.Platform.Cfg)
		if err != nil {
			return err
		}
		fmt.Printf("layout     the API in a process of its own, as `karton api` in the cluster layout (GOMEMLIMIT %s, the chart's), on the same two cores\n",
			or(os.Getenv("GOMEMLIMIT"), bench.ChartAPIMemLimit))
		err = loadRoutes(ctx, api.URL, tokens, rate, seconds, nil)
		api.Stop()
		if err != nil {
			return err
		}
	}
	return besideBurners(ctx, s.APIURL+routes[0].path, tokens[routes[0].user], rate, seconds)
}

// route is one list (or the baseline) under load, as one user asks it.
type route struct{ name, user, path string }

var routes = []route{
	{"baseline: procedures (no database)", "ana.caseworker", "/api/v1/procedures/P01"},
	{"inbox: my tasks", "ana.caseworker", "/api/v1/tasks?assignee=me&sort=due"},
	{"inbox: my group's unclaimed", "ivan.caseworker", "/api/v1/tasks?group=mine&unassigned=true&sort=due"},
	{"inbox: supervisor's group", "marko.supervisor", "/api/v1/tasks?group=mine&sort=due"},
	{"case list: mine", "ana.caseworker", "/api/v1/cases?scope=mine"},
	{"case list: the team's", "jelena.caseworker", "/api/v1/cases"},
	{"case list: overdue", "mila.caseworker", "/api/v1/cases?overdue=true"},
}

// loadRoutes loads the baseline route, then each list route, on the API
// at apiURL, and prints each one's latencies against the baseline's.
// pool is the API's pool when the API runs in this process: the stall
// watch reads this process's runtime and that pool, so it runs only then.
func loadRoutes(ctx context.Context, apiURL string, tokens map[string]string, rate, seconds int, pool *pgxpool.Pool) error {
	var baseP99 time.Duration
	for i, r := range routes {
		if i > 0 && !strings.Contains(r.name, onlyRoutes) {
			continue
		}
		p99, err := loadRoute(ctx, r, apiURL, tokens[r.user], rate, seconds, pool, baseP99)
		if err != nil {
			return err
		}
		if i == 0 {
			baseP99 = p99
		}
	}
	return nil
}

// loadRoute loads one route for seconds at rate after a warm-up second,
// and prints its p50 and p99 (against baseP99 unless it is the baseline,
// baseP99 0), the machine's CPU, and where its slowest 1% fall.
func loadRoute(ctx context.Context, r route, apiURL, token string, rate, seconds int, pool *pgxpool.Pool, baseP99 time.Duration) (time.Duration, error) {
	l, err := prepareLoad(ctx, apiURL+r.path, token, rate, rate*seconds)
	if err != nil {
		return 0, err
	}
	var plans bench.PlanCounts // how the statements were planned before the route's load
	if pool != nil {
		if plans, err = bench.CountPlans(ctx, pool); err != nil {
			return 0, err
		}
	}
	var sampler *bench.PostgresSampler
	if pgSample && pool != nil {
		sampler = bench.SamplePostgres(ctx, pool, 10*time.Millisecond)
	}
	var watch *bench.StallWatch
	if watchStalls && pool != nil {
		watch = bench.WatchStalls(ctx, pool, 100*time.Millisecond, sliceProfiles != "")
	}
	meter, start := bench.StartCPU(), time.Now()
	lat, began, errs, err := l.run()
	use := meter.Stop()
	var slices []bench.StallSlice
	if watch != nil {
		slices = watch.Stop()
	}
	var sampled strings.Builder // printed under the route's figures
	if sampler != nil {
		sampler.Stop(&sampled, 6)
	}
	if err != nil {
		return 0, err
	}
	if pool != nil { // the statements PostgreSQL planned anew at each run (custom plans) under the load
		after, err := bench.CountPlans(ctx, pool)
		if err != nil {
			return 0, err
		}
		// More than one request in twenty: a statement planned at each run, not a new connection's first five.
		bench.PrintPlansBetween(&sampled, fmt.Sprintf("  %-36s ", ""), plans, after, int64(rate*seconds/20))
	}
	p50, p99 := bench.Percentile(lat, 50), bench.Percentile(lat, 99)
	if baseP99 == 0 {
		fmt.Printf("  %-36s p50 %7v  p99 %7v  (errors %d)\n", r.name, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), errs)
		fmt.Printf("  %-36s %v\n  %-36s the others: %s\n%s", "", use, "", use.Breakdown(4), sampled.String())
		return p99, nil
	}
	goal := fmt.Sprintf("  (goal p99 <= 25ms at 500/s: %s)", bench.Verdict(rate >= 500 && p99 <= 25*time.Millisecond))
	fmt.Printf("  %-36s p50 %7v  p99 %7v  p99 ratio %5.1f  (errors %d)%s\n", r.name, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond),
		float64(p99)/float64(baseP99), errs, goal)
	fmt.Printf("  %-36s %v\n  %-36s the others: %s\n", "", use, "", use.Breakdown(4))
	in, slow, sec := bench.SlowestSecond(lat, began, 99)
	fmt.Printf("  %-36s the slowest 1%%: %d of %d began within one second (second %d of %d, from %s)\n%s", "", in, slow, sec+1, seconds,
		start.Add(time.Duration(sec)*time.Second).Format("15:04:05"), sampled.String())
	if watch != nil {
		in, all := bench.StolenIn(slices, sec)
		fmt.Printf("  %-36s stolen by the hypervisor: %.0f%% of the cores' time in that second, %.0f%% over the route\n", "", 100*in, 100*all)
	}
	bench.PrintSecond(os.Stdout, fmt.Sprintf("  %-36s ", ""), slices, sec)
	if sliceProfiles != "" {
		prefix := sliceProfiles + "." + strings.NewReplacer(" ", "-", ":", "", "'", "").Replace(r.name)
		bursts, calm, err := bench.WriteProfiles(prefix, slices, sec, 0.9)
		if err != nil {
			return 0, err
		}
		fmt.Printf("  %-36s CPU profiles: %d busy slices of that second in %s.burst.*, %d others in %s.calm.*\n", "", bursts, prefix, calm, prefix)
	}
	return p99, nil
}

// besideBurners loads the baseline route (no database) again beside a
// burner for each share: the same route on a machine as busy as a list
// route makes it, with none of the list's work. It tells whether the
// machine's business alone sets a route's tail: if the baseline route
// meets 25 ms beside a burner at 80% busy, a list route that misses at
// 80% misses by its own work, not the machine's.
func besideBurners(ctx context.Context, url, token string, rate, seconds int) error {
	if len(burnShares) > 0 {
		fmt.Printf("the baseline route beside a burner (random bursts, mean %v, keeping a share of each core busy)\n", bench.MeanBurst)
	}
	for _, share := range burnShares {
		burner, err := bench.StartBurner(share)
		if err != nil {
			return err
		}
		l, err := prepareLoad(ctx, url, token, rate, rate*seconds)
		if err != nil {
			burner.Stop()
			return err
		}
		meter := bench.StartCPU()
		lat, _, errs, err := l.run()
		use := meter.Stop()
		burner.Stop()
		if err != nil {
			return err
		}
		p99 := bench.Percentile(lat, 99)
		fmt.Printf("  burner %3.0f%% of each core: p50 %7v  p99 %7v  (errors %d)  machine %.0f%% busy, %.0f%% stolen  (p99 <= 25ms: %s)\n", 100*share,
			bench.Percentile(lat, 50).Round(10*time.Microsecond), p99.Round(10*time.Microsecond), errs, 100*use.Busy, 100*use.Stolen,
			bench.Verdict(p99 <= 25*time.Millisecond))
		fmt.Printf("  %-26s this process %.1f CPU-s; the others: %s\n", "", use.Self.Seconds(), use.Breakdown(3))
	}
	return nil
}

// parseShares reads the -burn flag: shares of a core, each above 0 and
// below 1.
func parseShares(list string) ([]float64, error) {
	var out []float64
	for f := range strings.SplitSeq(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v <= 0 || v >= 1 {
			return nil, fmt.Errorf("-burn: %q is not a share of a core above 0 and below 1", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// podgoricaPersons are the demo persons of the caseworker's centre.
func podgoricaPersons(ctx context.Context, s *system.System) ([]string, error) {
	rows, err := s.DB.Pool().Query(ctx, `SELECT id::text FROM persons WHERE centre_id = 'csr-podgorica' ORDER BY id LIMIT 500`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no demo persons in Podgorica")
	}
	return out, rows.Err()
}

// waitForTasks waits until n cases wait on their opening task.
func waitForTasks(ctx context.Context, s *system.System, n int) error {
	deadline := time.Now().Add(5*time.Minute + time.Duration(n)*20*time.Millisecond) // the worker may trail the API by minutes
	for time.Now().Before(deadline) {
		var have int
		if err := s.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM tasks WHERE type = 'case_opening' AND state = 'open'`).Scan(&have); err != nil {
			return err
		}
		if have >= n {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("fewer than %d cases reached their opening task in time", n)
}

// memory is the process's heap after a collection: live objects, the
// heap's spans in use, the resident set and its high-water mark.
func memory() (heapMiB, liveMiB, rssMiB, peakMiB float64) {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	heapMiB, liveMiB = float64(m.HeapInuse)/(1<<20), float64(m.HeapAlloc)/(1<<20)
	status, _ := os.ReadFile("/proc/self/status")
	return heapMiB, liveMiB, statusMiB(status, "VmRSS:"), statusMiB(status, "VmHWM:")
}

// statusMiB reads a size in kB from /proc/self/status (VmRSS: resident
// now; VmHWM: its high-water mark) in MiB; 0 where it is missing.
func statusMiB(status []byte, field string) float64 {
	for _, l := range strings.Split(string(status), "\n") {
		var kb float64
		if rest, ok := strings.CutPrefix(l, field); ok {
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb); err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}

func writeHeapProfile(name string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	return errors.Join(pprof.WriteHeapProfile(f), f.Close())
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// fill adds task rows and cases in bulk to reach the given totals: 13
// centres, 20 workers each (the demo users among them), most tasks long
// completed, a few percent open, some of those overdue; cases mostly
// closed, the open ones spread over stages with deadlines.
func fill(ctx context.Context, s *system.System, taskRows, caseRows int) error {
	pool := s.DB.Pool()
	var centres []string
	for _, c := range domain.Centres() {
		centres = append(centres, c.ID)
	}
	workers := map[string][]string{}
	for _, u := range domain.DemoUsers() {
		if u.CentreID != "" && u.Role.Acts(domain.RoleCaseworker) && !u.Role.Acts(domain.RoleSupervisor) {
			workers[u.CentreID] = append(workers[u.CentreID], u.Username)
		}
	}
	for _, c := range centres {
		for k := len(workers[c]); k < 20; k++ {
			workers[c] = append(workers[c], fmt.Sprintf("cw%02d.%s", k, strings.TrimPrefix(c, "csr-")))
		}
	}
	// Workers as arrays: centre index, worker index -> username, centre.
	var wci, wwi []int32
	var wname, wcentre []string
	for ci, c := range centres {
		for wi, w := range workers[c] {
			wci, wwi, wname, wcentre = append(wci, int32(ci)), append(wwi, int32(wi)), append(wname, w), append(wcentre, c)
		}
	}
	var haveTasks, haveCases int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM cases)`).Scan(&haveTasks, &haveCases); err != nil {
		return err
	}
	nc := len(centres)
	const chunk = 200000
	for from := haveTasks; from < taskRows; from += chunk {
		to := min(from+chunk, taskRows)
		_, err := pool.Exec(ctx, `INSERT INTO tasks (id, workflow_id, type, subject, centre_id, candidate_role, assignee, owner, priority, due_at,
				state, overdue, data, outcome, completed_by, completed_at, created_at)
			SELECT 'bench/' || g || '/step', 'bench/' || g, CASE WHEN g % 3 = 0 THEN 'claim.review' ELSE 'case_plan' END, 'bench ' || g,
				w.centre, CASE WHEN g % 10 = 0 THEN 'supervisor' ELSE 'caseworker' END,
				CASE WHEN g % 4 = 0 THEN NULL ELSE w.username END, w.username, 50,
				now() + ((g % 40) - 5) * interval '1 day',
				CASE WHEN g % 33 = 0 THEN 'open' ELSE 'completed' END,
				g % 33 = 0 AND g % 40 < 5, '{}'::jsonb,
				CASE WHEN g % 33 = 0 THEN NULL ELSE 'submit' END,
				CASE WHEN g % 33 = 0 THEN NULL ELSE w.username END,
				CASE WHEN g % 33 = 0 THEN NULL ELSE now() - (g % 700) * interval '1 day' END,
				now() - (g % 730) * interval '1 day'
			FROM generate_series($1::int, $2::int - 1) g
			JOIN unnest($4::int[], $5::int[], $6::text[], $7::text[]) AS w(ci, wi, username, centre) ON w.ci = g % $3 AND w.wi = (g / $3) % 20`,
			from, to, nc, wci, wwi, wname, wcentre)
		if err != nil {
			return fmt.Errorf("fill tasks: %w", err)
		}
	}
	for from := haveCases; from < caseRows; from += chunk {
		to := min(from+chunk, caseRows)
		_, err := pool.Exec(ctx, `INSERT INTO cases (number, procedure, version, centre_id, status, stage, manager, opened_by, opened_at, stage_due, closed_at, close_reason)
			SELECT 'B-' || lpad(g::text, 7, '0'), 'P' || lpad((1 + g % 42)::text, 2, '0'), 1, w.centre,
				CASE WHEN g % 5 = 0 THEN 'open' ELSE 'closed' END,
				CASE WHEN g % 5 = 0 THEN (ARRAY['opening','initial_assessment','detailed_assessment','plan','monitoring'])[1 + (g / 5) % 5] ELSE 'closing' END,
				w.username, w.username, now() - (g % 2000) * interval '1 day',
				CASE WHEN g % 5 = 0 THEN now() + ((g % 30) - 3) * interval '1 day' END,
				CASE WHEN g % 5 = 0 THEN NULL ELSE now() - (g % 500) * interval '1 day' END,
				CASE WHEN g % 5 = 0 THEN '' ELSE 'goals_achieved' END
			FROM generate_series($1::int, $2::int - 1) g
			JOIN unnest($4::int[], $5::int[], $6::text[], $7::text[]) AS w(ci, wi, username, centre) ON w.ci = g % $3 AND w.wi = (g / $3) % 20`,
			from, to, nc, wci, wwi, wname, wcentre)
		if err != nil {
			return fmt.Errorf("fill cases: %w", err)
		}
	}
	if err := fillAudit(ctx, s.DB, auditRows, wname, wcentre); err != nil {
		return err
	}
	// A table of years of tasks has long been vacuumed: do it now rather
	// than let autovacuum and the checkpoint after the bulk load run
	// under the measured load.
	for _, t := range []string{"tasks", "cases", "case_tracking", "audit_log"} {
		if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) "+t); err != nil {
			return err
		}
	}
	_, err := pool.Exec(ctx, "CHECKPOINT")
	return err
}

// fillAudit appends records to the audit log until it holds rows, through
// the store, chained as the API's are: a worker's reads of the inbox over
// the years before, each naming one or two persons. PostgreSQL's
// autovacuum comes round when a tenth (analyze) or a fifth (vacuum) of a
// table is new: with the hundred records of the cases opened before, the
// load's 500 records a second brought it to the audit log about once a
// minute, which a centre's log of millions of records sees in hours
// (issue 24).
func fillAudit(ctx context.Context, api *store.DB, rows int, workers, centres []string) error {
	// The records go through a pool of the fill's own, closed after it: a
	// batch of 20,000 grew its connection's write buffer to about 29 MB,
	// and in the API's pool that buffer stayed for the whole run, a third
	// of the process's live heap (-memprofile's .lists, in use). The
	// collector does not mark it, but it moved the heap's goal, so the
	// process collected less often under the load than a server whose
	// audit log grew one request at a time (issue 24).
	db, err := store.Open(ctx, api.Pool().Config().ConnString())
	if err != nil {
		return err
	}
	defer db.Close()
	var have int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&have); err != nil {
		return err
	}
	if have >= rows {
		return nil
	}
	found, err := db.Pool().Query(ctx, `SELECT id::text FROM persons ORDER BY id LIMIT 1000`)
	if err != nil {
		return err
	}
	persons, err := pgx.CollectRows(found, pgx.RowTo[domain.PersonID])
	if err != nil {
		return err
	}
	const batch = 20000
	start := time.Now().Add(-time.Duration(rows-have) * time.Minute)
	for from := have; from < rows; from += batch {
		recs := make([]store.AuditRecord, 0, batch)
		for i := from; i < min(from+batch, rows); i++ {
			var named []domain.PersonID
			if len(persons) > 0 {
				named = append(named, persons[i%len(persons)])
				if i%3 == 0 {
					named = append(named, persons[(i/3)%len(persons)])
				}
			}
			w := i % len(workers)
			recs = append(recs, store.AuditRecord{At: start.Add(time.Duration(i-have) * time.Minute), Username: workers[w], Role: "caseworker",
				CentreID: centres[w], Action: "GET /api/v1/tasks", Resource: "task", PersonIDs: named, TargetCentre: centres[w],
				Purpose: "work", RequestID: fmt.Sprintf("bench-history-%d", i), Status: http.StatusOK, Outcome: "allowed"})
		}
		if err := db.AppendAuditBatch(ctx, recs); err != nil {
			return fmt.Errorf("fill the audit log: %w", err)
		}
	}
	return nil
}

// warmUp sends a second of the route's load at the rate, not measured,
// and returns the client that sent it. It opens the connections the rate
// needs (HTTP and the pool's) and prepares and plans the route's
// statements on each, as a server that has been serving has done (issue
// 24: before, the slowest 1% of a route often all fell in its first
// second). A second at the rate uses only the few connections of the pool
// that its calm needs, so it ends with a burst of warmBurst requests at
// once, which takes every connection of the pool: the slowest seconds had
// still been the first, where a burst met connections running the route's
// statements for the first time (24–132 ms each, against 1 ms).
func warmUp(ctx context.Context, url, token string, rate int) (*http.Client, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}, Timeout: 10 * time.Second}
	if _, _, err := callWith(ctx, client, "GET", url, token, ""); err != nil {
		return nil, err
	}
	if _, _, errs := openLoop(ctx, client, url, token, rate, rate); errs > 0 {
		return nil, fmt.Errorf("%d requests of the warm-up second failed", errs)
	}
	var (
		wg     sync.WaitGroup
		failed atomic.Int64
	)
	for range warmBurst {
		wg.Go(func() {
			if code, err := hit(ctx, client, url, token); err != nil || code != http.StatusOK {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return nil, fmt.Errorf("%d requests of the warm-up burst failed", n)
	}
	return client, nil
}

// warmBurst is four times the connections of the API's pool.
var warmBurst = 4 * store.DefaultMaxConns()

// openLoop sends n requests at rate a second, each on its own schedule
// (open loop), and returns every latency and when each request began.
func openLoop(ctx context.Context, client *http.Client, url, token string, rate, n int) (lat, began []time.Duration, errs int) {
	lat, began = make([]time.Duration, n), make([]time.Duration, n)
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	jitter := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i)*interval + time.Duration(jitter.Int64N(int64(interval))))
		time.Sleep(time.Until(at))
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			t0 := time.Now()
			code, err := hit(ctx, client, url, token)
			lat[i], began[i] = time.Since(t0), t0.Sub(start)
			if err != nil || code != http.StatusOK {
				mu.Lock()
				errs++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return lat, began, errs
}

// hit is one request of the load. Its answer is read to the end, as a
// client reads it, but not kept: keeping 500 answers a second (io.ReadAll's
// growing buffers) cost 8% of the process's CPU, on the two cores the load
// generator shares with the server.
func hit(ctx context.Context, c *http.Client, url, token string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

func call(ctx context.Context, method, url, token, body string) (int, []byte, error) {
	return callWith(ctx, http.DefaultClient, method, url, token, body)
}

func callWith(ctx context.Context, c *http.Client, method, url, token, body string) (int, []byte, error) {
	var rdr io.Reader
	if body != "" {
		rdr = bytes.NewReader([]byte(body))
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, rdr)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		var e json.RawMessage = b
		return resp.StatusCode, b, fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, e)
	}
	return resp.StatusCode, b, nil
}

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
