// Command reassess benchmarks the bulk reassessment after a new value of a
// parameter of the law (issue 16) on the real stack: MO rights seeded in
// bulk with their basis, a new threshold published and approved, and the
// Reassessment workflow (chunks of 5,000 rights through Temporal, each
// recalculated, a version and a notice per right, the amounts updated)
// timed against a plain SQL UPDATE of the same rows measured in the same
// run. By default 84,000 rights; -rights 1700000 (or KARTON_BENCH_FULL=1
// for both sizes) for the national scale.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/bench"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

func main() {
	rights := flag.Int("rights", 0, "MO rights to reassess (0: 84,000, and 1,700,000 too when KARTON_BENCH_FULL=1)")
	chunk := flag.Int("chunk", activities.DefaultReassessChunk, "rights per chunk")
	parts := flag.Int("parts", workflows.DefaultReassessmentParts, "ranges of the rights walked at once")
	flag.Parse()
	sizes := []int{*rights}
	if *rights == 0 {
		sizes = []int{84000}
		if os.Getenv("KARTON_BENCH_FULL") == "1" {
			sizes = append(sizes, 1700000)
		}
	}
	for _, n := range sizes {
		if err := run(n, *chunk, *parts); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
}

func run(n, chunk, parts int) error {
	ctx := context.Background()
	s, stop, err := bench.Stack(ctx, 10, 20*time.Millisecond)
	if err != nil {
		return err
	}
	defer stop()
	pool := s.DB.Pool()
	t0 := time.Now()
	// MO rights of households of one without income, granted at the 2024
	// threshold from March 2024, each with its basis and its grant version.
	seed := []string{
		`INSERT INTO persons (id, jmbg, given_name, family_name, birth_date, sex, municipality, settlement, centre_id, registered_by)
		 SELECT gen_random_uuid(), '8' || lpad(i::text, 12, '0'), 'Bench', 'Primalac ' || i, '1970-01-01', 'F', 'ME-16', 'Podgorica', 'csr-podgorica', 'bench'
		 FROM generate_series(1, $1) i`,
		`INSERT INTO claims (number, benefit, applicant_id, centre_id, consent, filed_by, period, state)
		 SELECT 'B-' || jmbg, 'MO', id, 'csr-podgorica', true, 'bench', '2024-03-01', 'approved' FROM persons WHERE registered_by = 'bench'`,
		`INSERT INTO decisions (id, claim_number, number, centre_id, year, seq, kind, benefit, amount, period_from, prepared_by, approved_by, issued_at)
		 SELECT gen_random_uuid(), number, 'bench/' || number, 'bench', 2024, row_number() OVER (), 'grant', 'MO', 87.91, '2024-03-01', 'a', 'b', now()
		 FROM claims WHERE filed_by = 'bench'`,
		`INSERT INTO entitlements (id, claim_number, decision_id, benefit, beneficiary_id, payee_iban, amount, periodicity, valid_from, basis)
		 SELECT gen_random_uuid(), d.claim_number, d.id, 'MO', c.applicant_id, 'ME25505000012345678951', 87.91, 'monthly', '2024-03-01',
		        jsonb_build_object('Period', '2024-03-01T00:00:00Z', 'Members', jsonb_build_array(jsonb_build_object('ID', c.applicant_id::text,
		          'Name', 'Bench Primalac', 'BirthDate', '1970-01-01T00:00:00Z', 'Relation', 'head')))
		 FROM decisions d JOIN claims c ON c.number = d.claim_number WHERE d.centre_id = 'bench'`,
		`INSERT INTO entitlement_versions (entitlement_id, seq, valid_from, amount, state, reason, decision_id, ref, source, created_by)
		 SELECT e.id, 1, e.valid_from, e.amount, 'active', 'grant', e.decision_id, 'bench', 'grant', 'bench' FROM entitlements e
		 WHERE NOT EXISTS (SELECT 1 FROM entitlement_versions v WHERE v.entitlement_id = e.id)`,
		`ANALYZE`,
	}
	for i, q := range seed {
		args := []any{}
		if i == 0 {
			args = append(args, n)
		}
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	fmt.Printf("Karton benchmark: reassessment of %d MO rights after a new threshold, on the real stack (PostgreSQL, Temporal); seeded in %v\n",
		n, time.Since(t0).Round(time.Millisecond))

	// Baseline: a plain UPDATE of the same rows' amounts (rolled back).
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	t1 := time.Now()
	tag, err := tx.Exec(ctx, `UPDATE entitlements SET amount = amount + 7.09 WHERE benefit = 'MO'`)
	if err != nil {
		return err
	}
	update := time.Since(t1)
	if err := tx.Rollback(ctx); err != nil {
		return err
	}

	// The ministry publishes 95.00 from 1 December 2026; another officer approves.
	v, err := s.DB.ProposeParameterValue(ctx, store.ParameterValue{Name: "mo.threshold.size_1", ValidFrom: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Value: decimal.RequireFromString("95.00"), LegalRef: "bench decision", ProposedBy: "goran.ministry"})
	if err != nil {
		return err
	}
	var affected []string
	for _, b := range benefits.Affects(v.Name) {
		affected = append(affected, string(b))
	}
	_, r, err := s.DB.ApproveParameterValue(ctx, v.ID, "jovana.ministry", affected)
	if err != nil {
		return err
	}
	t2 := time.Now()
	wf, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.ReassessmentID(r.ID), TaskQueue: workflows.TaskQueue},
		workflows.NameReassessment, workflows.ReassessmentInput{ReassessmentID: r.ID, ChunkSize: chunk, Parts: parts})
	if err != nil {
		return err
	}
	if err := wf.Get(ctx, nil); err != nil {
		return err
	}
	took := time.Since(t2)
	got, err := s.DB.ReassessmentByID(ctx, r.ID)
	if err != nil {
		return err
	}
	var versions, notices int
	_ = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM entitlement_versions WHERE source = $1), (SELECT count(*) FROM notices WHERE source = $1)`,
		activities.ReassessmentSource(r.ID)).Scan(&versions, &notices)
	if got.Rerated != n || versions != n || notices != n {
		return fmt.Errorf("re-rated %d rights, %d versions, %d notices; want %d of each (%+v)", got.Rerated, versions, notices, n, got)
	}
	ratio := took.Seconds() / update.Seconds()
	goal := 10 * time.Minute * time.Duration(n) / 1700000
	fmt.Printf("baseline     plain UPDATE of the %d rows' amounts:                        %v\n", tag.RowsAffected(), update.Round(time.Millisecond))
	fmt.Printf("reassessment %d rights re-rated in %d chunks of %s, %d at once (version + notice + amount each): %v  (%.0f rights/s; goal for 1.7M <= 10 min, here <= %v) %s\n",
		got.Rerated, got.Chunks, strconv.Itoa(chunk), parts, took.Round(time.Millisecond), float64(n)/took.Seconds(), goal.Round(time.Second), bench.Verdict(took <= goal))
	fmt.Printf("ratio        reassessment ÷ plain UPDATE:                                    %.2f  (goal <= 5) %s\n", ratio, bench.Verdict(ratio <= 5))
	return nil
}
