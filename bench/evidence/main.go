// Command evidence benchmarks RefreshEvidence on the real stack (file-backed
// Temporal, PostgreSQL, MinIO, simulators at 20 ms, worker) against the
// baseline of a trivial one-activity workflow measured in the same run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/bench"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/workflows"
)

func main() {
	trivialN := flag.Int("trivial", 400, "trivial workflows for the baseline")
	refreshN := flag.Int("refreshes", 200, "refreshes for the throughput figure")
	serialN := flag.Int("serial", 40, "refreshes one at a time for the latency figures")
	inFlight := flag.Int("in-flight", 10, "workflows in flight for the throughput figures")
	latency := flag.Duration("latency", 20*time.Millisecond, "simulated registry latency")
	flag.Parse()
	if err := run(*trivialN, *refreshN, *serialN, *inFlight, *latency); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(trivialN, refreshN, serialN, inFlight int, latency time.Duration) error {
	ctx := context.Background()
	households := (refreshN+serialN)/2 + 10
	s, stop, err := bench.Stack(ctx, households, latency)
	if err != nil {
		return err
	}
	defer stop()
	var persons []domain.PersonID
	for i := 0; i < households; i++ {
		for _, m := range s.Population.Household(i).Members {
			p, err := s.DB.PersonByJMBG(ctx, m.JMBG)
			if err != nil {
				return err
			}
			persons = append(persons, p.ID)
		}
	}
	if len(persons) < refreshN+serialN {
		return fmt.Errorf("only %d demo persons for %d refreshes", len(persons), refreshN+serialN)
	}
	refresh := func(p domain.PersonID) error {
		run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.RefreshEvidenceID(p), TaskQueue: workflows.TaskQueue},
			workflows.NameRefreshEvidence, workflows.RefreshEvidenceInput{PersonID: p, Issue: "BENCH"})
		if err != nil {
			return err
		}
		var res workflows.RefreshEvidenceResult
		if err := run.Get(ctx, &res); err != nil {
			return err
		}
		if len(res.Answered) != len(domain.Institutions()) {
			return fmt.Errorf("refresh of %s: %d sources answered", p, len(res.Answered))
		}
		return nil
	}

	fmt.Printf("Karton benchmark: RefreshEvidence on the real stack (embedded Temporal on SQLite WAL, PostgreSQL, MinIO, 10 registry simulators at %v)\n", latency)
	basePerSec, err := bench.Baseline(ctx, s, trivialN, inFlight)
	if err != nil {
		return err
	}
	fmt.Printf("baseline   trivial workflow (one no-op activity), %d in flight: %7.1f workflows/s\n", inFlight, basePerSec)

	refreshPerSec, lat10, err := bench.Run(ctx, refreshN, inFlight, func(ctx context.Context, i int) error { return refresh(persons[i]) })
	if err != nil {
		return err
	}
	fmt.Printf("refresh    RefreshEvidence (10 registries), %d in flight:   %7.1f refreshes/s  (p50 %v, p95 %v, max %v)\n",
		inFlight, refreshPerSec, bench.Percentile(lat10, 50).Round(time.Millisecond), bench.Percentile(lat10, 95).Round(time.Millisecond),
		bench.Percentile(lat10, 100).Round(time.Millisecond))
	fmt.Printf("ratio      refreshes/s ÷ trivial workflows/s:             %7.2f\n", refreshPerSec/basePerSec)

	_, lat1, err := bench.Run(ctx, serialN, 1, func(ctx context.Context, i int) error { return refresh(persons[refreshN+i]) })
	if err != nil {
		return err
	}
	fmt.Printf("latency    one refresh at a time (%d runs):                p50 %v  p95 %v  (simulated registry latency %v)\n",
		serialN, bench.Percentile(lat1, 50).Round(time.Millisecond), bench.Percentile(lat1, 95).Round(time.Millisecond), latency)
	return nil
}
