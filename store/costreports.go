package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
)

// Monthly cost reports of the services providers deliver (issue 23 item
// 5, migration 00052): submitted by the provider and checked by Karton in
// one transaction, checked and approved by two finance officers, paid
// once by a payroll (PrepareCostReportPayments).

// CostReport is a cost report on record; Lines is filled by CostReportByID.
type CostReport struct {
	ID             int64
	ContractID     int64
	ContractNumber string
	Service        string
	CentreID       string
	ProviderPIB    string
	ProviderName   string
	Unit           services.Unit
	Rate           decimal.Decimal
	Capacity       int
	Month          time.Time
	Version        int
	Supersedes     *int64
	State          string
	Total          decimal.Decimal
	SubmittedBy    string
	SubmittedAt    time.Time
	CheckedBy      string
	CheckedAt      *time.Time
	ApprovedBy     string
	ApprovedAt     *time.Time
	RejectedBy     string
	RejectedAt     *time.Time
	RejectReason   string
	PaidAt         *time.Time
	FlaggedLines   int
	Lines          []CostReportLine
}

// CostReportLine is a line of a report with the person it names and
// Karton's flags.
type CostReportLine struct {
	Line          int
	ReferralID    int64
	CaseNumber    string
	PersonID      domain.PersonID
	PersonName    string
	DV            bool // the referral is from the DV compartment
	Units         decimal.Decimal
	Rate          decimal.Decimal
	Amount        decimal.Decimal
	UnitsRecorded decimal.Decimal
	Flags         []services.Flag
}

// CostReportInput is a provider's report as submitted.
type CostReportInput struct {
	ContractID int64
	Month      domain.Month
	Lines      []services.CostLine
	Total      decimal.Decimal
	By         string
}

const costReportColumns = `r.id, r.contract_id, c.number, c.service, c.centre_id, p.pib, p.name, c.unit, c.rate, c.capacity, r.month, r.version,
	r.supersedes, r.state, r.total, r.submitted_by, r.submitted_at, coalesce(r.checked_by, ''), r.checked_at, coalesce(r.approved_by, ''),
	r.approved_at, coalesce(r.rejected_by, ''), r.rejected_at, coalesce(r.reject_reason, ''), r.paid_at,
	(SELECT count(*) FROM service_cost_lines l WHERE l.report_id = r.id AND l.flags <> '[]'::jsonb)`

const costReportFrom = ` FROM service_cost_reports r JOIN service_contracts c ON c.id = r.contract_id JOIN providers p ON p.id = c.provider_id`

func scanCostReport(row pgx.Row) (CostReport, error) {
	var r CostReport
	err := row.Scan(&r.ID, &r.ContractID, &r.ContractNumber, &r.Service, &r.CentreID, &r.ProviderPIB, &r.ProviderName, &r.Unit, &r.Rate,
		&r.Capacity, &r.Month, &r.Version, &r.Supersedes, &r.State, &r.Total, &r.SubmittedBy, &r.SubmittedAt, &r.CheckedBy, &r.CheckedAt,
		&r.ApprovedBy, &r.ApprovedAt, &r.RejectedBy, &r.RejectedAt, &r.RejectReason, &r.PaidAt, &r.FlaggedLines)
	return r, err
}

// costReferral is a referral a line names, as the check needs it.
type costReferral struct {
	contractID int64
	person     domain.PersonID
	from, to   *time.Time
	diedOn     *time.Time
}

// SubmitCostReport records a provider's report for a contract's month
// once it adds up (services.CheckAddsUp: a 400 listing every line that
// does not, nothing recorded), the month has ended on at, and every line
// names a referral under the contract; Karton's check (services.CheckCosts
// against the month's effective service-use records, the referrals'
// dates, the persons' deaths and the contract's capacity) flags its lines,
// and the report is flagged or submitted. A report for a month on record
// already is superseded by this new version, unless approved or paid (a
// conflict).
func (db *DB) SubmitCostReport(ctx context.Context, in CostReportInput, at time.Time) (CostReport, error) {
	var id int64
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		c, err := scanServiceContract(tx.QueryRow(ctx, `SELECT `+serviceContractColumns+serviceContractFrom+` WHERE c.id = $1 FOR UPDATE OF c`,
			in.ContractID))
		if err != nil {
			return translate(err, fmt.Sprintf("contract %d", in.ContractID))
		}
		var errs []*domain.Error
		if e := services.CheckMonthEnded(in.Month, at); e != nil {
			errs = append(errs, e)
		}
		if in.Month.Last().Before(c.From) || in.Month.First().After(c.Until) {
			errs = append(errs, domain.FieldError("month", "contract %s runs from %s to %s, not in %s", c.Number, c.From.Format(time.DateOnly),
				c.Until.Format(time.DateOnly), in.Month))
		}
		report := services.CostReport{Month: in.Month, Lines: in.Lines, Total: in.Total}
		errs = append(errs, services.CheckAddsUp(report, c.Rate)...)
		refs, err := costReferrals(ctx, tx, in.Lines)
		if err != nil {
			return err
		}
		for i, l := range in.Lines {
			if r, ok := refs[l.ReferralID]; l.ReferralID > 0 && (!ok || r.contractID != c.ID) {
				errs = append(errs, domain.FieldError(fmt.Sprintf("lines[%d].referral_id", i), "line %d: referral %d is not under contract %s",
					i+1, l.ReferralID, c.Number))
			}
		}
		if len(errs) > 0 {
			return domain.Invalid(errs)
		}
		version, supersedes, err := supersedeCostReport(ctx, tx, c, in.Month)
		if err != nil {
			return err
		}
		recs, perDay, err := monthUse(ctx, tx, c.ID, in.Month)
		if err != nil {
			return err
		}
		lineRecs := map[int64]services.LineRecords{}
		for rid, r := range refs {
			lineRecs[rid] = services.LineRecords{From: r.from, Until: r.to, DiedOn: r.diedOn, Days: recs[rid]}
		}
		flags := services.CheckCosts(report, lineRecs, c.Capacity, perDay)
		state := services.CostSubmitted
		for _, f := range flags {
			if len(f) > 0 {
				state = services.CostFlagged
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO service_cost_reports (contract_id, month, version, supersedes, state, total, submitted_by, submitted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, c.ID, in.Month.First(), version, supersedes, state, in.Total, in.By, at).Scan(&id); err != nil {
			return translate(err, fmt.Sprintf("the report of contract %s for %s", c.Number, in.Month))
		}
		for i, l := range in.Lines {
			fl := flags[i]
			if fl == nil {
				fl = []services.Flag{}
			}
			raw, err := json.Marshal(fl)
			if err != nil {
				return fmt.Errorf("flags: %w", err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO service_cost_lines (report_id, line, referral_id, units, rate, amount, units_recorded, flags)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, i+1, l.ReferralID, l.Units, l.Rate, l.Amount, lineRecs[l.ReferralID].Recorded(), raw); err != nil {
				return fmt.Errorf("insert cost line %d: %w", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		return CostReport{}, err
	}
	return db.CostReportByID(ctx, id)
}

// supersedeCostReport marks the live report of the contract's month, if
// any, superseded and gives the new version's number and the one it
// supersedes; an approved or paid one is a conflict.
func supersedeCostReport(ctx context.Context, tx pgx.Tx, c ServiceContract, m domain.Month) (int, *int64, error) {
	var prev int64
	var version int
	var state string
	err := tx.QueryRow(ctx, `SELECT id, version, state FROM service_cost_reports WHERE contract_id = $1 AND month = $2
		AND state NOT IN ('superseded', 'rejected') FOR UPDATE`, c.ID, m.First()).Scan(&prev, &version, &state)
	if err == pgx.ErrNoRows {
		// A rejected month starts again after its last version.
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM service_cost_reports WHERE contract_id = $1 AND month = $2`,
			c.ID, m.First()).Scan(&version); err != nil {
			return 0, nil, fmt.Errorf("cost report versions: %w", err)
		}
		return version + 1, nil, nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("live cost report: %w", err)
	}
	if state == services.CostApproved || state == services.CostPaid {
		return 0, nil, domain.Errorf(domain.CodeConflict, "the report of contract %s for %s was %s already (report %d): a month is paid once",
			c.Number, m, state, prev)
	}
	if _, err := tx.Exec(ctx, `UPDATE service_cost_reports SET state = 'superseded' WHERE id = $1`, prev); err != nil {
		return 0, nil, fmt.Errorf("supersede cost report %d: %w", prev, err)
	}
	return version + 1, &prev, nil
}

// costReferrals reads the referrals the lines name, with the person's
// death: the earliest death a registry reported (change events) or the
// day a referral of theirs ended because they died.
func costReferrals(ctx context.Context, tx pgx.Tx, lines []services.CostLine) (map[int64]costReferral, error) {
	ids := make([]int64, 0, len(lines))
	for _, l := range lines {
		ids = append(ids, l.ReferralID)
	}
	rows, err := tx.Query(ctx, `SELECT r.id, r.contract_id, r.person_id, r.started_on, r.ended_on,
			(SELECT min(d) FROM (SELECT e.occurred_on AS d FROM change_events e WHERE e.person_id = r.person_id AND e.kind = 'death'
				UNION ALL SELECT x.ended_on FROM service_referrals x WHERE x.person_id = r.person_id AND x.end_reason = 'deceased') deaths)
		FROM service_referrals r WHERE r.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("referrals of the report: %w", err)
	}
	defer rows.Close()
	out := map[int64]costReferral{}
	for rows.Next() {
		var id int64
		var r costReferral
		if err := rows.Scan(&id, &r.contractID, &r.person, &r.from, &r.to, &r.diedOn); err != nil {
			return nil, fmt.Errorf("scan referral: %w", err)
		}
		out[id] = r
	}
	return out, rows.Err()
}

// monthUse reads the contract's effective service-use records of the
// month (not superseded, quantity above 0) by referral, and how many
// persons were recorded on each day.
func monthUse(ctx context.Context, tx pgx.Tx, contract int64, m domain.Month) (map[int64][]services.UseDay, map[time.Time]int, error) {
	rows, err := tx.Query(ctx, `SELECT u.referral_id, r.person_id, u.day, u.quantity
		FROM service_use u JOIN service_referrals r ON r.id = u.referral_id
		WHERE r.contract_id = $1 AND u.day BETWEEN $2 AND $3 AND u.quantity > 0
			AND NOT EXISTS (SELECT 1 FROM service_use s WHERE s.supersedes = u.id)
		ORDER BY u.referral_id, u.day, u.id`, contract, m.First(), m.Last())
	if err != nil {
		return nil, nil, fmt.Errorf("service use of contract %d: %w", contract, err)
	}
	defer rows.Close()
	recs := map[int64][]services.UseDay{}
	persons := map[time.Time]map[domain.PersonID]bool{}
	for rows.Next() {
		var rid int64
		var person domain.PersonID
		var d services.UseDay
		if err := rows.Scan(&rid, &person, &d.Day, &d.Quantity); err != nil {
			return nil, nil, fmt.Errorf("scan service use: %w", err)
		}
		recs[rid] = append(recs[rid], d)
		if persons[d.Day] == nil {
			persons[d.Day] = map[domain.PersonID]bool{}
		}
		persons[d.Day][person] = true
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("service use of contract %d: %w", contract, err)
	}
	perDay := make(map[time.Time]int, len(persons))
	for d, ps := range persons {
		perDay[d] = len(ps)
	}
	return recs, perDay, nil
}

// CostReportByID returns a report with its lines. Returns CodeNotFound if none.
func (db *DB) CostReportByID(ctx context.Context, id int64) (CostReport, error) {
	r, err := scanCostReport(db.pool.QueryRow(ctx, `SELECT `+costReportColumns+costReportFrom+` WHERE r.id = $1`, id))
	if err != nil {
		return CostReport{}, translate(err, fmt.Sprintf("cost report %d", id))
	}
	rows, err := db.pool.Query(ctx, `SELECT l.line, l.referral_id, s.case_number, s.person_id, p.given_name || ' ' || p.family_name, s.dv,
			l.units, l.rate, l.amount, l.units_recorded, l.flags
		FROM service_cost_lines l JOIN service_referrals s ON s.id = l.referral_id JOIN persons p ON p.id = s.person_id
		WHERE l.report_id = $1 ORDER BY l.line`, id)
	if err != nil {
		return CostReport{}, fmt.Errorf("lines of cost report %d: %w", id, err)
	}
	r.Lines, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (CostReportLine, error) {
		var l CostReportLine
		var raw []byte
		if err := row.Scan(&l.Line, &l.ReferralID, &l.CaseNumber, &l.PersonID, &l.PersonName, &l.DV, &l.Units, &l.Rate, &l.Amount,
			&l.UnitsRecorded, &raw); err != nil {
			return l, err
		}
		return l, json.Unmarshal(raw, &l.Flags)
	})
	if err != nil {
		return CostReport{}, fmt.Errorf("lines of cost report %d: %w", id, err)
	}
	return r, nil
}

// CostReportFilter selects reports: of a provider (PIB), a contract, a
// month, in a state; zero fields select all. Superseded versions are left
// out unless asked for by state.
type CostReportFilter struct {
	ProviderPIB string
	ContractID  int64
	Month       *domain.Month
	State       string
}

// CostReports lists reports without their lines, the newest month first.
func (db *DB) CostReports(ctx context.Context, f CostReportFilter) ([]CostReport, error) {
	var month *time.Time
	if f.Month != nil {
		m := f.Month.First()
		month = &m
	}
	rows, err := db.pool.Query(ctx, `SELECT `+costReportColumns+costReportFrom+`
		WHERE (@pib = '' OR p.pib = @pib) AND (@contract = 0 OR r.contract_id = @contract) AND (@month::date IS NULL OR r.month = @month)
			AND (r.state = @state OR (@state = '' AND r.state <> 'superseded'))
		ORDER BY r.month DESC, c.number, r.version DESC LIMIT 500`,
		pgx.NamedArgs{"pib": f.ProviderPIB, "contract": f.ContractID, "month": month, "state": f.State})
	if err != nil {
		return nil, fmt.Errorf("cost reports: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CostReport, error) { return scanCostReport(r) })
}

// CheckCostReport is a finance officer's check of a report Karton found
// nothing to flag in (the first pair of eyes). A flagged report is
// corrected by the provider (a new version) or rejected; any other state
// is a conflict naming it.
func (db *DB) CheckCostReport(ctx context.Context, id int64, by string, at time.Time) (CostReport, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		state, _, err := lockCostReport(ctx, tx, id)
		if err != nil {
			return err
		}
		switch state {
		case services.CostSubmitted:
		case services.CostFlagged:
			return domain.Errorf(domain.CodeConflict, "cost report %d has flagged lines: the provider corrects them in a new version, or it is rejected", id)
		default:
			return domain.Errorf(domain.CodeConflict, "cost report %d is %s: only a submitted report is checked", id, state)
		}
		_, err = tx.Exec(ctx, `UPDATE service_cost_reports SET state = 'checked', checked_by = $2, checked_at = $3 WHERE id = $1`, id, by, at)
		return err
	})
	if err != nil {
		return CostReport{}, err
	}
	return db.CostReportByID(ctx, id)
}

// ApproveCostReport is the second finance officer's approval of a checked
// report (four eyes): the officer who checked it may not approve it
// (CodeForbidden naming the rule). A month approved for the contract
// already is a conflict. The next payroll pays it.
func (db *DB) ApproveCostReport(ctx context.Context, id int64, by string, at time.Time) (CostReport, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		state, checkedBy, err := lockCostReport(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != services.CostChecked {
			return domain.Errorf(domain.CodeConflict, "cost report %d is %s: a finance officer checks it before another approves it", id, state)
		}
		if checkedBy == by {
			return domain.Errorf(domain.CodeForbidden, "four eyes: %s checked cost report %d, so another finance officer approves it", by, id)
		}
		_, err = tx.Exec(ctx, `UPDATE service_cost_reports SET state = 'approved', approved_by = $2, approved_at = $3 WHERE id = $1`, id, by, at)
		return translate(err, fmt.Sprintf("an approved report for the month of cost report %d", id))
	})
	if err != nil {
		return CostReport{}, err
	}
	return db.CostReportByID(ctx, id)
}

// RejectCostReport rejects a report not yet approved, with the reason the
// provider reads; the provider may submit the month again.
func (db *DB) RejectCostReport(ctx context.Context, id int64, reason, by string, at time.Time) (CostReport, error) {
	if reason == "" {
		return CostReport{}, domain.FieldError("reason", "a rejection says why, for the provider")
	}
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		state, _, err := lockCostReport(ctx, tx, id)
		if err != nil {
			return err
		}
		if state != services.CostSubmitted && state != services.CostFlagged && state != services.CostChecked {
			return domain.Errorf(domain.CodeConflict, "cost report %d is %s: only a report not yet approved is rejected", id, state)
		}
		_, err = tx.Exec(ctx, `UPDATE service_cost_reports SET state = 'rejected', rejected_by = $2, rejected_at = $3, reject_reason = $4
			WHERE id = $1`, id, by, at, reason)
		return err
	})
	if err != nil {
		return CostReport{}, err
	}
	return db.CostReportByID(ctx, id)
}

func lockCostReport(ctx context.Context, tx pgx.Tx, id int64) (state, checkedBy string, err error) {
	err = tx.QueryRow(ctx, `SELECT state, coalesce(checked_by, '') FROM service_cost_reports WHERE id = $1 FOR UPDATE`, id).Scan(&state, &checkedBy)
	return state, checkedBy, translate(err, fmt.Sprintf("cost report %d", id))
}

// CostDraftLine is a line the provider's page offers for a month: a
// referral under the contract with effective records in the month.
type CostDraftLine struct {
	ReferralID int64
	PersonID   domain.PersonID
	PersonName string
	DV         bool
	Units      decimal.Decimal
}

// CostReportDraft lists, for a contract's month, every referral with
// effective service-use records and their units: the lines a report
// pre-fills.
func (db *DB) CostReportDraft(ctx context.Context, contract int64, m domain.Month) ([]CostDraftLine, error) {
	rows, err := db.pool.Query(ctx, `SELECT r.id, r.person_id, p.given_name || ' ' || p.family_name, r.dv, sum(u.quantity)
		FROM service_use u JOIN service_referrals r ON r.id = u.referral_id JOIN persons p ON p.id = r.person_id
		WHERE r.contract_id = $1 AND u.day BETWEEN $2 AND $3 AND u.quantity > 0
			AND NOT EXISTS (SELECT 1 FROM service_use s WHERE s.supersedes = u.id)
		GROUP BY r.id, r.person_id, p.given_name, p.family_name, r.dv ORDER BY p.family_name, p.given_name, r.id`, contract, m.First(), m.Last())
	if err != nil {
		return nil, fmt.Errorf("draft of contract %d: %w", contract, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CostDraftLine, error) {
		var l CostDraftLine
		err := r.Scan(&l.ReferralID, &l.PersonID, &l.PersonName, &l.DV, &l.Units)
		return l, err
	})
}

// CostReportPayment is an approved report paid (or to be paid) by a payroll.
type CostReportPayment struct {
	ID             int64
	PayrollID      string
	ReportID       int64
	ContractID     int64
	ContractNumber string
	Month          time.Time
	ProviderPIB    string
	PayeeIBAN      string
	PayeeName      string
	Amount         decimal.Decimal
	FundingAccount string
	EndToEndID     string
	State          string
	Reason         string
}

const costPaymentColumns = `x.id, x.payroll_id, x.report_id, x.contract_id, c.number, x.month, x.provider_pib, x.payee_iban, x.payee_name, x.amount,
	x.funding_account, x.end_to_end_id, x.state, x.reason`

func scanCostPayment(r pgx.Row) (CostReportPayment, error) {
	var p CostReportPayment
	err := r.Scan(&p.ID, &p.PayrollID, &p.ReportID, &p.ContractID, &p.ContractNumber, &p.Month, &p.ProviderPIB, &p.PayeeIBAN, &p.PayeeName,
		&p.Amount, &p.FundingAccount, &p.EndToEndID, &p.State, &p.Reason)
	return p, err
}

// PrepareCostReportPayments adds to the payroll one payment for every
// approved report of a month up to through that no payment pays yet
// (none, or only ones the bank rejected or returned): to the contract's
// payee_iban, in the provider's name, from funding. id gives each
// payment's end-to-end id from the report, its month and the attempt.
// Run again (a retried payroll), it adds nothing: the unique index on the
// report's live payment holds it to once. It returns the cost-report
// payments the payroll holds and their total.
func (db *DB) PrepareCostReportPayments(ctx context.Context, payroll string, through time.Time, funding string,
	id func(report int64, month time.Time, attempt int) string) (int, decimal.Decimal, error) {
	n, total := 0, decimal.Zero
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT r.id, r.contract_id, r.month, r.total, c.payee_iban, p.name, p.pib,
				(SELECT count(*) FROM service_cost_payments x WHERE x.report_id = r.id)
			FROM service_cost_reports r JOIN service_contracts c ON c.id = r.contract_id JOIN providers p ON p.id = c.provider_id
			WHERE r.state = 'approved' AND r.month <= $1 AND r.total > 0
				AND NOT EXISTS (SELECT 1 FROM service_cost_payments x WHERE x.report_id = r.id AND x.state NOT IN ('rejected', 'returned'))
			ORDER BY r.month, r.id`, through)
		if err != nil {
			return fmt.Errorf("select cost reports to pay: %w", err)
		}
		type due struct {
			report, contract int64
			month            time.Time
			amount           decimal.Decimal
			iban, name, pib  string
			attempts         int
		}
		ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
			var x due
			err := r.Scan(&x.report, &x.contract, &x.month, &x.amount, &x.iban, &x.name, &x.pib, &x.attempts)
			return x, err
		})
		if err != nil {
			return err
		}
		for _, x := range ds {
			if _, err := tx.Exec(ctx, `INSERT INTO service_cost_payments (payroll_id, report_id, contract_id, month, provider_pib, payee_iban,
				payee_name, amount, funding_account, end_to_end_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
				payroll, x.report, x.contract, x.month, x.pib, x.iban, x.name, x.amount, funding, id(x.report, x.month, x.attempts)); err != nil {
				return fmt.Errorf("insert cost report payment: %w", err)
			}
		}
		return tx.QueryRow(ctx, `SELECT count(*), coalesce(sum(amount), 0) FROM service_cost_payments WHERE payroll_id = $1`, payroll).Scan(&n, &total)
	})
	return n, total, err
}

// CostReportPaymentsOf lists a payroll's cost-report payments in a state, by end-to-end id.
func (db *DB) CostReportPaymentsOf(ctx context.Context, payroll, state string) ([]CostReportPayment, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+costPaymentColumns+` FROM service_cost_payments x JOIN service_contracts c ON c.id = x.contract_id
		WHERE x.payroll_id = $1 AND x.state = $2 ORDER BY x.end_to_end_id`, payroll, state)
	if err != nil {
		return nil, fmt.Errorf("select cost report payments of %s: %w", payroll, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CostReportPayment, error) { return scanCostPayment(r) })
}

// CostReportPaymentsOfReport lists the payments of a report, by attempt.
func (db *DB) CostReportPaymentsOfReport(ctx context.Context, report int64) ([]CostReportPayment, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+costPaymentColumns+` FROM service_cost_payments x JOIN service_contracts c ON c.id = x.contract_id
		WHERE x.report_id = $1 ORDER BY x.id`, report)
	if err != nil {
		return nil, fmt.Errorf("select payments of cost report %d: %w", report, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (CostReportPayment, error) { return scanCostPayment(r) })
}

// applyCostPaymentAnswer sets a cost-report payment's state from the
// bank's answer (ApplyBankAnswer): once booked, its report's state paid;
// once returned (after the booking), the report approved and unpaid
// again. It returns how many payments changed.
func applyCostPaymentAnswer(ctx context.Context, tx pgx.Tx, payroll, id, state, reason string) (int, error) {
	var report int64
	err := tx.QueryRow(ctx, `UPDATE service_cost_payments SET state = $3, reason = $4 WHERE end_to_end_id = $1 AND payroll_id = $2
		AND state <> $3 RETURNING report_id`, id, payroll, state, reason).Scan(&report)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cost report payment %s: %w", id, err)
	}
	switch state {
	case "paid":
		if _, err := tx.Exec(ctx, `UPDATE service_cost_reports SET state = 'paid', paid_at = now() WHERE id = $1 AND state = 'approved'`,
			report); err != nil {
			return 0, fmt.Errorf("cost report %d paid: %w", report, err)
		}
	case "returned":
		// The money came back: the report is approved and unpaid again,
		// so the next payroll pays it (PrepareCostReportPayments).
		if _, err := tx.Exec(ctx, `UPDATE service_cost_reports SET state = 'approved', paid_at = NULL WHERE id = $1 AND state = 'paid'`,
			report); err != nil {
			return 0, fmt.Errorf("cost report %d returned: %w", report, err)
		}
	}
	return 1, nil
}

// ReferralPersons returns the person of each referral of ids on record
// (a referral not on record is left out).
func (db *DB) ReferralPersons(ctx context.Context, ids []int64) (map[int64]domain.PersonID, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, person_id FROM service_referrals WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("persons of referrals: %w", err)
	}
	defer rows.Close()
	out := map[int64]domain.PersonID{}
	for rows.Next() {
		var id int64
		var p domain.PersonID
		if err := rows.Scan(&id, &p); err != nil {
			return nil, fmt.Errorf("scan referral's person: %w", err)
		}
		out[id] = p
	}
	return out, rows.Err()
}
