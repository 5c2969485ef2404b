package bench

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresSampler is PostgreSQL's side of a profile: every interval it
// reads pg_stat_activity and counts, for each active backend (the clients'
// and autovacuum's), what it runs (the statement's first words) and what it
// waits on. Each sample stands
// for one interval of one backend's time, so the counts say where the
// database's time goes while a benchmark runs.
type PostgresSampler struct {
	counts  map[string]int
	samples int
	stop    context.CancelFunc
	done    chan struct{}
}

// SamplePostgres starts sampling the database pool reaches every interval,
// on one of the pool's connections (left out of the samples), until Stop.
func SamplePostgres(ctx context.Context, pool *pgxpool.Pool, every time.Duration) *PostgresSampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &PostgresSampler{counts: map[string]int{}, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			rows, err := pool.Query(ctx, `SELECT left(regexp_replace(query, '\s+', ' ', 'g'), 70), coalesce(wait_event_type || ':' || wait_event, 'CPU')
				FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type IN ('client backend', 'autovacuum worker')`)
			if err != nil {
				continue
			}
			for rows.Next() {
				var q, wait string
				if rows.Scan(&q, &wait) == nil {
					s.counts[strings.TrimSpace(q)+" | "+wait]++
				}
			}
			rows.Close()
			s.samples++
		}
	}()
	return s
}

// Stop ends the sampling and writes its top lines to w: each statement and
// wait with its share of the samples, as active backends at a time.
func (s *PostgresSampler) Stop(w io.Writer, top int) {
	s.stop()
	<-s.done
	type line struct {
		what string
		n    int
	}
	var ls []line
	for k, n := range s.counts {
		ls = append(ls, line{k, n})
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].n > ls[j].n || ls[i].n == ls[j].n && ls[i].what < ls[j].what })
	fmt.Fprintf(w, "postgres   %d samples of pg_stat_activity; busy backends on average, by statement | wait:\n", s.samples)
	for i, l := range ls {
		if i == top {
			break
		}
		fmt.Fprintf(w, "  %5.2f  %s\n", float64(l.n)/float64(max(s.samples, 1)), l.what)
	}
}
