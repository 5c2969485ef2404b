// Command bi benchmarks the statistics' pivot (issue 19) on a private
// PostgreSQL: 36 months of payments for 280,000 rights (about 10 million
// payment lines) generated into the facts, each month's cube built from
// them; then 100 varied pivots of month × benefit × municipality and drills
// to the settlements of a municipality, through store.Pivot (the cube, the
// suppression), timed against a plain GROUP BY over the raw payment lines
// measured in the same run. -rights and -months scale it down.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"time"

	"github.com/karton-social/karton/bench"
	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/bi"
	"github.com/karton-social/karton/store"
)

func main() {
	rights := flag.Int("rights", 280000, "rights paid every month")
	months := flag.Int("months", 36, "months of payments, ending with 2026-12")
	queries := flag.Int("queries", 100, "pivots timed")
	flag.Parse()
	if err := run(*rights, *months, *queries); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(rights, months, queries int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "karton-bench-bi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pg := &devstack.Postgres{Dir: dir, Fast: true}
	if err := pg.Start(ctx); err != nil {
		return err
	}
	defer pg.Stop()
	db, err := store.Open(ctx, pg.URL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	first := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1-months, 0)
	t0 := time.Now()
	lines, err := generate(ctx, db, rights, first, months)
	if err != nil {
		return err
	}
	generated := time.Since(t0)
	t1 := time.Now()
	for m := 0; m < months; m++ {
		if err := db.RebuildStatistics(ctx, first.AddDate(0, m, 0)); err != nil {
			return err
		}
	}
	cubed := time.Since(t1)
	if _, err := db.Pool().Exec(ctx, `ANALYZE`); err != nil {
		return err
	}
	var cells int64
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM bi_payment_cube`).Scan(&cells); err != nil {
		return err
	}
	fmt.Printf("Karton benchmark: statistics' pivot over %d payment lines (%d rights × %d months), private PostgreSQL (fsync off)\n", lines, rights, months)
	fmt.Printf("facts      lines generated in %v; %d cube cells built from them in %v (%v a month)\n",
		generated.Round(time.Millisecond), cells, cubed.Round(time.Millisecond), (cubed / time.Duration(months)).Round(time.Millisecond))

	// The baseline: the same pivot (a year's months × benefit ×
	// municipality, persons and amounts) as a plain GROUP BY over the raw
	// lines, the fastest of three.
	year := first.AddDate(0, months-1, 0).Year()
	var baseline time.Duration
	for i := 0; i < 3; i++ {
		t := time.Now()
		rows, err := db.Pool().Query(ctx, `SELECT to_char(month, 'YYYY-MM'), benefit, municipality, count(DISTINCT person_id), sum(amount)
			FROM bi_payment_lines WHERE month >= $1 AND month < $2 GROUP BY 1, 2, 3`,
			time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year+1, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if d := time.Since(t); i == 0 || d < baseline {
			baseline = d
		}
	}

	// 100 varied pivots: a year's month × benefit × municipality (all
	// benefits, or a group's); a drill into a municipality's settlements
	// (all benefits, or one); a quarter's months of one benefit by centre.
	rng := rand.New(rand.NewPCG(19, 2026))
	ms := domain.Municipalities()
	groups := []string{"social", "child", "veterans"}
	var lat []time.Duration
	byKind := make([][]time.Duration, 5)
	names := []string{"a year: month × benefit × municipality", "the same, one group of benefits", "drill: a year of a municipality's settlements × benefit",
		"drill: a quarter of one benefit in a municipality's settlements", "trend: a year's persons and amounts over every benefit"}
	for i := 0; i < queries; i++ {
		y := first.Year() + rng.IntN(year-first.Year()+1)
		m := ms[rng.IntN(len(ms))].Code
		var axes string
		var filters []string
		switch i % 5 {
		case 0:
			axes, filters = "time.month,benefit.benefit,geography.municipality", []string{fmt.Sprintf("time.year=%d", y)}
		case 1:
			axes, filters = "time.month,benefit.benefit,geography.municipality", []string{fmt.Sprintf("time.year=%d", y), "benefit.group=" + groups[rng.IntN(3)]}
		case 2:
			axes, filters = "time.month,benefit.benefit,geography.settlement", []string{fmt.Sprintf("time.year=%d", y), "geography.municipality=" + m}
		case 3:
			axes, filters = "time.month,geography.settlement", []string{fmt.Sprintf("time.quarter=%d-Q%d", y, 1+rng.IntN(4)), "geography.municipality=" + m, "benefit.benefit=MO"}
		case 4:
			axes, filters = "time.month", []string{fmt.Sprintf("time.year=%d", y)}
		}
		q, err := bi.ParseQuery(bi.PaymentFact, axes, filters, "persons,amount")
		if err != nil {
			return err
		}
		t := time.Now()
		cells, err := db.Pivot(ctx, q)
		if err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		lat = append(lat, time.Since(t))
		byKind[i%5] = append(byKind[i%5], time.Since(t))
		_ = cells
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p95 := bench.Percentile(lat, 95)
	fmt.Printf("baseline   plain GROUP BY of a year's months × benefit × municipality over the lines: %v\n", baseline.Round(time.Millisecond))
	fmt.Printf("pivot      %d varied pivots (month × benefit × municipality; drills to settlements): p50 %v, p95 %v, max %v  (goal p95 <= 1s: %s)\n",
		queries, bench.Percentile(lat, 50).Round(time.Millisecond), p95.Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond), bench.Verdict(p95 <= time.Second))
	for k, ds := range byKind {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		fmt.Printf("           %-66s p95 %v\n", names[k]+":", bench.Percentile(ds, 95).Round(time.Millisecond))
	}
	fmt.Printf("ratio      pivot p95 ÷ plain GROUP BY: %.3f\n", p95.Seconds()/baseline.Seconds())
	return nil
}

// generate writes the payment lines of rights paid every month from a
// month of their own (a tenth start within the period), the persons spread
// over the municipalities and their settlements, both sexes, every age.
func generate(ctx context.Context, db *store.DB, rights int, first time.Time, months int) (int64, error) {
	pool := db.Pool()
	steps := []string{
		`CREATE TEMP TABLE bench_munis (n int, code text, centre text)`,
		`CREATE TEMP TABLE bench_rights AS
		 SELECT i, gen_random_uuid() AS person, gen_random_uuid() AS entitlement, gen_random_uuid() AS household,
			(ARRAY['MO','MO','MO','DD','DD','DD','DD','DNJP','LI','NNJ','B-LI','B-PI','MO-RL','PUI'])[(1 + i % 14)::int] AS benefit,
			(1 + (i * 7919) % 25)::int AS muni, 'Naselje ' || ((i * 104729) % 12) AS settlement,
			CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END AS sex, date '1930-01-01' + ((i * 3371) % 33000)::int AS birth,
			(CASE WHEN i % 10 = 0 THEN (i / 10) % $2 ELSE 0 END)::int AS start, (40 + (i % 400))::numeric(14, 2) AS amount
		 FROM generate_series(1::bigint, $1::bigint) i`,
	}
	if _, err := pool.Exec(ctx, steps[0]); err != nil {
		return 0, err
	}
	for i, m := range domain.Municipalities() {
		c, _ := domain.CentreFor(m.Code)
		if _, err := pool.Exec(ctx, `INSERT INTO bench_munis VALUES ($1, $2, $3)`, i+1, m.Code, c.ID); err != nil {
			return 0, err
		}
	}
	if _, err := pool.Exec(ctx, steps[1], rights, months); err != nil {
		return 0, err
	}
	codes, groups := store.BenefitGroups()
	tag, err := pool.Exec(ctx, `INSERT INTO bi_payment_lines (payment_id, month, period, benefit, benefit_group, payment_type, municipality,
			settlement, household_id, centre, person_id, entitlement_id, sex, age_band, amount)
		SELECT row_number() OVER (), mo, mo, r.benefit, coalesce(g.grp, ''), 'regular', b.code, r.settlement, r.household, b.centre,
			r.person, r.entitlement, r.sex, bi_age_band(r.birth, mo), r.amount
		FROM bench_rights r JOIN bench_munis b ON b.n = r.muni
		LEFT JOIN unnest($3::text[], $4::text[]) AS g(code, grp) ON g.code = r.benefit
		CROSS JOIN LATERAL (SELECT ($1::date + make_interval(months => k))::date AS mo FROM generate_series(r.start, $2 - 1) k) months`,
		first, months, codes, groups)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}
