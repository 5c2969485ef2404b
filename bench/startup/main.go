// Command startup measures a warm start of the whole system, as `make run`
// does it when nothing changed: PostgreSQL, Temporal's server (SQLite),
// MinIO, the simulators, the issuer, the API and the worker, on a data
// folder that already holds the demo data. It prints how long each part
// took, so that the slowest is seen (issue 24's `make run` row).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/devstack/system"
)

func main() {
	runs := flag.Int("runs", 5, "warm starts measured")
	households := flag.Int("households", 1000, "demo households loaded by the first (cold) start")
	flag.Parse()
	if err := run(*runs, *households); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(runs, households int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "karton-bench-start-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	opts := options(dir)
	fmt.Printf("Karton benchmark: a warm start of the whole system (as `make run` when nothing changed), %d demo households\n", households)
	cold := time.Now()
	s, err := system.Start(ctx, opts)
	if err != nil {
		return err
	}
	if err := devstack.LoadDemo(ctx, s.DB, s.Population, households, nil); err != nil {
		s.Stop()
		return err
	}
	s.Stop()
	fmt.Printf("cold       first start and demo data:  %v\n", time.Since(cold).Round(time.Millisecond))
	var totals []time.Duration
	for i := range runs {
		t := time.Now()
		s, err := system.Start(ctx, opts)
		if err != nil {
			return err
		}
		took := time.Since(t)
		s.Stop()
		totals = append(totals, took)
		fmt.Printf("warm %d     ready in %v: %s\n", i+1, took.Round(time.Millisecond), s.StartupSummary())
	}
	sort.Slice(totals, func(i, j int) bool { return totals[i] < totals[j] })
	med := totals[len(totals)/2]
	verdict := "NOT met"
	if med <= 3*time.Second {
		verdict = "met"
	}
	fmt.Printf("warm       median of %d: %v (goal <= 3s: %s)\n", runs, med.Round(time.Millisecond), verdict)
	return nil
}

// options are karton dev's, on ports of their own beside its (fixed as
// karton dev's are: ports picked free one by one can be handed out twice
// while the services start at once) and the given folder.
func options(dir string) system.Options {
	return system.Options{DataDir: dir, HTTPAddr: "127.0.0.1:18080", PGPort: 15432, TemporalPort: 17233, TemporalUI: 18233,
		MinIOAddr: "127.0.0.1:19000", SimAddr: "127.0.0.1:18081", IssuerAddr: "127.0.0.1:18082",
		RevisionSweep: true, PayrollDay: 10, ChangesPoll: time.Minute,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
}
