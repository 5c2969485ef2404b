// Command audit measures the audit log's appends under an open-loop load,
// as the audited requests wait for them: each record names -persons
// persons drawn from a pool of -pool, as a centre's case lists and inboxes
// name different persons for different caseworkers (bench/cases asks the
// same lists over and over, so its records name the same persons). Three
// databases of one private PostgreSQL take the same load in turn:
//
//   - baseline: the same records naming no person: the chain and its
//     commit, no entry in the index of persons;
//   - the index as Karton keeps it (migration 00056): new entries wait in
//     its pending list, merged each second by the store off the appends;
//   - as before 00056: every entry put into the index as it comes
//     (fastupdate off).
//
// Each prints the p50 and p99 of an append, and its p99 against the
// baseline's from the same run.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/karton-social/karton/bench"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/ports"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

func main() {
	rate := flag.Int("rate", 500, "appends a second, open loop")
	seconds := flag.Int("seconds", 20, "seconds of load per database")
	persons := flag.Int("persons", 150, "persons each record names (a case list's page names about 150)")
	pool := flag.Int("pool", 20000, "persons the records draw from")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err := run(context.Background(), *rate, *seconds, *persons, *pool); err != nil {
		fmt.Fprintln(os.Stderr, "bench/audit:", err)
		os.Exit(1)
	}
}

// variant is one database's index of persons, and how many persons its
// records name.
type variant struct {
	name    string
	db      string
	setup   string // SQL run after the migrations
	persons bool
}

func run(ctx context.Context, rate, seconds, persons, pool int) error {
	dir, err := os.MkdirTemp("", "karton-bench-audit-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	port, err := ports.Free("127.0.0.1")
	if err != nil {
		return err
	}
	pg := &devstack.Postgres{Dir: dir + "/pg", Port: port}
	if err := pg.Start(ctx); err != nil {
		return err
	}
	defer func() { _ = pg.Stop() }()
	ids := make([]domain.PersonID, pool)
	for i := range ids {
		ids[i] = domain.PersonID(uuid.NewString())
	}
	fmt.Printf("audit appends: %d a second for %ds, open loop; each record names %d of %d persons\n", rate, seconds, persons, pool)
	var base time.Duration
	for i, v := range []variant{
		{name: "baseline: records naming no person", db: "baseline"},
		{name: "pending list merged by the store", db: "merged", persons: true},
		{name: "entries as they come (before 00056)", db: "direct", setup: `ALTER INDEX audit_log_persons SET (fastupdate = off)`, persons: true},
	} {
		n := 0
		if v.persons {
			n = persons
		}
		lat, use, err := measure(ctx, pg, v, ids, n, rate, seconds)
		if err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		p50, p99 := bench.Percentile(lat, 50), bench.Percentile(lat, 99)
		if i == 0 {
			base = p99
			fmt.Printf("  %-38s p50 %7v  p99 %7v\n", v.name, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
		} else {
			fmt.Printf("  %-38s p50 %7v  p99 %7v  p99 ratio %5.1f\n", v.name, p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond),
				float64(p99)/float64(base))
		}
		fmt.Printf("  %-38s %v\n  %-38s the others: %s\n", "", use, "", use.Breakdown(3))
	}
	return nil
}

// measure appends rate records a second for seconds to a database of its
// own and returns each append's latency and the machine's CPU meanwhile.
func measure(ctx context.Context, pg *devstack.Postgres, v variant, ids []domain.PersonID, persons, rate, seconds int) ([]time.Duration, bench.CPUUse, error) {
	if err := pg.CreateDatabase(ctx, v.db); err != nil {
		return nil, bench.CPUUse{}, err
	}
	db, err := store.Open(ctx, pg.URL(v.db))
	if err != nil {
		return nil, bench.CPUUse{}, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, bench.CPUUse{}, err
	}
	if v.setup != "" {
		if _, err := db.Pool().Exec(ctx, v.setup); err != nil {
			return nil, bench.CPUUse{}, err
		}
	}
	draw := rand.New(rand.NewPCG(7, 11))
	record := func() store.AuditRecord {
		named := make([]domain.PersonID, persons)
		for i := range named {
			named[i] = ids[draw.IntN(len(ids))]
		}
		return store.AuditRecord{At: time.Now(), Username: "ana.caseworker", Role: "caseworker", CentreID: "csr-podgorica",
			Action: "GET /api/v1/cases", Resource: "case", PersonIDs: named, Purpose: "case_work", Status: 200, Outcome: "allowed"}
	}
	if _, err := openLoop(ctx, db, record, rate, rate); err != nil { // a second's warm-up, not measured
		return nil, bench.CPUUse{}, err
	}
	meter := bench.StartCPU()
	lat, err := openLoop(ctx, db, record, rate, rate*seconds)
	return lat, meter.Stop(), err
}

// openLoop appends n records at rate a second, each when its time comes
// whether the ones before it are done or not, and returns each one's wait.
func openLoop(ctx context.Context, db *store.DB, record func() store.AuditRecord, rate, n int) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; i < n; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		r := record()
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			t0 := time.Now()
			err := db.AppendAudit(ctx, r)
			lat[i] = time.Since(t0)
			if err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return lat, firstErr
}
