// Command revisions chooses between two ways of starting revisions on the
// real stack, at 84,000 and 1.7M rights (one MO right is revised every six
// months, so a right's revision dates spread over about 182 days):
//
//  1. one timer per right: a workflow per right that sleeps until its
//     revision is due. Measured: workflows started per second, the
//     process's memory and Temporal's database per open workflow, for a
//     sample of -timers workflows; extrapolated to every right.
//  2. the daily sweep (workflows.RevisionSweep): PostgreSQL holds every
//     right with its next_revision; once a day the sweep reads the rights
//     due a page of 500 at a time and starts their Revision workflows.
//     Measured: the seeding, the due query (keyset pages over the whole
//     table, the day's due rights) at each size, and a real sweep of one
//     day's due rights at the smaller size (revisions started per second,
//     against trivial workflows in the same run).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/karton-social/karton/bench"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

func main() {
	sizes := flag.String("rights", "84000,1700000", "numbers of rights, comma-separated (the sweep runs for real at the first)")
	timers := flag.Int("timers", 3000, "timer workflows started as the sample of one timer per right")
	inFlight := flag.Int("in-flight", 20, "starts at once")
	flag.Parse()
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 {
			fmt.Fprintln(os.Stderr, "bench: -rights: want numbers of at least 1000")
			os.Exit(2)
		}
		ns = append(ns, n)
	}
	if err := run(ns, *timers, *inFlight); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

const revisionDays = 182 // six months: the days a right's revision date falls on

func run(sizes []int, timers, inFlight int) error {
	ctx := context.Background()
	s, stop, dir, err := bench.StackIn(ctx, 10, 0)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("Karton benchmark: starting revisions, one timer per right or a daily sweep (embedded Temporal on SQLite, PostgreSQL, %d cores)\n", runtime.NumCPU())
	base, err := bench.Baseline(ctx, s, 300, inFlight)
	if err != nil {
		return err
	}
	fmt.Printf("baseline   trivial workflow (one no-op activity), %d in flight: %7.1f workflows/s\n", inFlight, base)

	perTimer, err := timerSample(ctx, s, dir, timers, inFlight, base)
	if err != nil {
		return err
	}
	fmt.Printf("\n2. daily sweep: rights in PostgreSQL, revision dates spread over %d days; open workflows = the revisions in progress\n", revisionDays)
	seeded := 0
	for i, n := range sizes {
		if err := seed(ctx, s, seeded, n); err != nil {
			return err
		}
		seeded = n
		if err := sweepAt(ctx, s, n, i == 0, base, perTimer); err != nil {
			return err
		}
	}
	return nil
}

// timerCost is what one open timer workflow costs, from the sample.
type timerCost struct {
	startsPerSec, heapKiB, temporalKiB float64
}

// benchTimer is one timer per right: it sleeps until the right is due.
func benchTimer(ctx workflow.Context, due time.Time) error {
	return workflow.Sleep(ctx, due.Sub(workflow.Now(ctx)))
}

func timerSample(ctx context.Context, s *system.System, dir string, n, inFlight int, base float64) (timerCost, error) {
	const queue = "bench-revision-timers"
	w := sdkworker.New(s.Temporal, queue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(benchTimer, workflow.RegisterOptions{Name: "BenchRevisionTimer"})
	if err := w.Start(); err != nil {
		return timerCost{}, err
	}
	defer w.Stop()
	heap0, _ := memory()
	disk0 := dirSize(filepath.Join(dir, "temporal"))
	stamp := time.Now().UnixNano()
	perSec, _, err := bench.Run(ctx, n, inFlight, func(ctx context.Context, i int) error {
		due := time.Now().Add(time.Duration(1+i%revisionDays) * 24 * time.Hour)
		_, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-timer-%d-%d", stamp, i), TaskQueue: queue},
			"BenchRevisionTimer", due)
		return err
	})
	if err != nil {
		return timerCost{}, err
	}
	time.Sleep(5 * time.Second) // the worker takes each one's first task and starts its timer
	heap1, rss := memory()
	c := timerCost{startsPerSec: perSec, heapKiB: (heap1 - heap0) * 1024 / float64(n),
		temporalKiB: float64(dirSize(filepath.Join(dir, "temporal"))-disk0) / 1024 / float64(n)}
	fmt.Printf("\n1. one timer per right: %d timer workflows started and left open (a sample; the rest extrapolated)\n", n)
	fmt.Printf("  started     %8.1f workflows/s (ratio to trivial %.2f)\n", perSec, perSec/base)
	fmt.Printf("  memory      %8.2f KiB of live heap per open workflow (process RSS now %.0f MiB; the worker caches %d)\n", c.heapKiB, rss, 2000)
	fmt.Printf("  Temporal    %8.2f KiB of its SQLite per open workflow\n", c.temporalKiB)
	return c, nil
}

// seed adds rights from..to: persons (one per ten rights), claims,
// decisions and MO rights whose next revision is spread over the next
// revisionDays days.
func seed(ctx context.Context, s *system.System, from, to int) error {
	t0 := time.Now()
	pool := s.DB.Pool()
	steps := []string{
		`INSERT INTO persons (id, jmbg, given_name, family_name, birth_date, sex, municipality, settlement, centre_id, registered_by)
		 SELECT gen_random_uuid(), '7' || lpad(i::text, 12, '0'), 'Bench', 'Korisnik ' || i, '1970-01-01', 'F', 'ME-16', 'Podgorica', 'csr-podgorica', 'bench'
		 FROM generate_series($1 / 10 + 1, $2 / 10) i`,
		`INSERT INTO claims (number, benefit, applicant_id, centre_id, consent, filed_by, period, state)
		 SELECT 'R-' || i, 'MO', p.id, 'csr-podgorica', true, 'bench', '2026-01-01', 'approved'
		 FROM generate_series($1 + 1, $2) i JOIN persons p ON p.jmbg = '7' || lpad(((i - 1) / 10 + 1)::text, 12, '0')`,
		`INSERT INTO decisions (id, claim_number, number, centre_id, year, seq, kind, benefit, amount, period_from, prepared_by, approved_by, issued_at)
		 SELECT gen_random_uuid(), 'R-' || i, 'bench/R-' || i, 'bench', 2026, i, 'grant', 'MO', 87.91, '2026-01-01', 'a', 'b', now()
		 FROM generate_series($1 + 1, $2) i`,
		`INSERT INTO entitlements (id, claim_number, decision_id, benefit, beneficiary_id, payee_iban, amount, periodicity, valid_from, next_revision)
		 SELECT gen_random_uuid(), d.claim_number, d.id, 'MO', c.applicant_id, 'ME25505000012345678951', 87.91, 'monthly', '2026-01-01',
		        current_date + (hashtext(d.claim_number) & 2147483647) % ` + strconv.Itoa(revisionDays) + `
		 FROM decisions d JOIN claims c ON c.number = d.claim_number
		 WHERE d.centre_id = 'bench' AND d.seq > $1 AND d.seq <= $2`,
		`ANALYZE`,
	}
	for i, q := range steps {
		var err error
		if i < len(steps)-1 {
			_, err = pool.Exec(ctx, q, from, to)
		} else {
			_, err = pool.Exec(ctx, q)
		}
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	fmt.Printf("\n  %d rights: seeded in %v\n", to, time.Since(t0).Round(time.Millisecond))
	return nil
}

// sweepAt measures the due query over n rights (the day's due rights, a
// page at a time) and, when real, a sweep of today's due rights.
func sweepAt(ctx context.Context, s *system.System, n int, real bool, base float64, timer timerCost) error {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	t0 := time.Now()
	due, pages := 0, 0
	for after := (store.DueRight{}); ; pages++ {
		page, err := s.DB.DueRevisions(ctx, today, after, workflows.DefaultSweepBatch)
		if err != nil {
			return err
		}
		due += len(page)
		if len(page) < workflows.DefaultSweepBatch {
			pages++
			break
		}
		after = page[len(page)-1]
	}
	query := time.Since(t0)
	fmt.Printf("  due today  %d rights (%.2f%%), read in %d pages of %d in %v (%.2f ms a page)\n", due, 100*float64(due)/float64(n), pages,
		workflows.DefaultSweepBatch, query.Round(time.Millisecond), float64(query.Microseconds())/1000/float64(pages))
	rate := 0.0
	if real {
		t1 := time.Now()
		run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-sweep-%d", n), TaskQueue: workflows.TaskQueue},
			workflows.NameRevisionSweep, workflows.RevisionSweepInput{})
		if err != nil {
			return err
		}
		var res workflows.RevisionSweepResult
		if err := run.Get(ctx, &res); err != nil {
			return err
		}
		took := time.Since(t1)
		rate = float64(res.Started) / took.Seconds()
		fmt.Printf("  sweep      started %d revisions (%d already) in %v over %d run(s): %.1f revisions/s (ratio to trivial %.2f)\n",
			res.Started, res.Already, took.Round(time.Millisecond), res.Runs, rate, rate/base)
		sweepRate = rate
	}
	perDay := float64(n) / revisionDays
	fmt.Printf("  per day    %.0f revisions due on an average day; the sweep starts them in about %.0f s at %.1f/s%s\n", perDay,
		perDay/sweepRate, sweepRate, map[bool]string{true: "", false: " (the rate measured at the first size: extrapolated)"}[real])
	fmt.Printf("  open       sweep: the revisions in progress, about %.0f (a day's due x 5 days of review and approval, GUESS); one timer per right: %d\n",
		perDay*5, n)
	fmt.Printf("  timers     would take %.0f s to start at %.1f/s, hold %.0f MiB of Temporal SQLite and up to %.0f MiB of heap uncached (extrapolated)\n",
		float64(n)/timer.startsPerSec, timer.startsPerSec, timer.temporalKiB*float64(n)/1024, timer.heapKiB*float64(n)/1024)
	return nil
}

var sweepRate float64

// memory is the process's live heap after a collection and its RSS, MiB.
func memory() (liveMiB, rssMiB float64) {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	liveMiB = float64(m.HeapAlloc) / (1 << 20)
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmRSS:") {
				var kb float64
				if _, err := fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:")), "%f", &kb); err == nil {
					rssMiB = kb / 1024
				}
			}
		}
	}
	return liveMiB, rssMiB
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
