package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
)

// The service-use records (issue 23 item 4, migration 00048's service_use,
// docs/service-use.md): a provider's staff record each day, visit or hour
// of service per referral; a correction is a new record superseding the
// one it corrects (quantity 0 cancels it). The effective records are those
// nobody superseded with quantity above 0: the cost reports count them.

// ServiceUse is a record on file.
type ServiceUse struct {
	ID, ReferralID int64
	Day            time.Time
	Quantity       decimal.Decimal
	Note           string
	Supersedes     *int64 // the record this one corrects
	SupersededBy   *int64 // the record that corrects this one
	Channel        string // page, csv, api
	Batch          string // the upload's id
	RecordedBy     string
	RecordedAt     time.Time
}

// Effective reports whether the record counts: nobody superseded it and
// its quantity is above 0.
func (u ServiceUse) Effective() bool { return u.SupersededBy == nil && u.Quantity.IsPositive() }

const serviceUseColumns = `u.id, u.referral_id, u.day, u.quantity, u.note, u.supersedes,
	(SELECT s.id FROM service_use s WHERE s.supersedes = u.id), u.channel, u.batch, u.recorded_by, u.recorded_at`

func scanServiceUse(r pgx.Row) (ServiceUse, error) {
	var u ServiceUse
	err := r.Scan(&u.ID, &u.ReferralID, &u.Day, &u.Quantity, &u.Note, &u.Supersedes, &u.SupersededBy, &u.Channel, &u.Batch, &u.RecordedBy, &u.RecordedAt)
	return u, err
}

// Service-use channels: how a record came.
const (
	UseByPage = "page"
	UseByCSV  = "csv"
	UseByAPI  = "api"
)

// ServiceUseReport is what RecordServiceUse did: the records written, and
// every person the rows named who is on the register (the audit names
// them, also when nothing was written).
type ServiceUseReport struct {
	Batch   string
	Written []ServiceUse
	Persons []domain.PersonID
	DV      bool // some person named is seen through a DV referral: the audit record is restricted
}

// useReferral is a referral a row may be recorded under.
type useReferral struct {
	services.UseReferral
	service string
}

// RecordServiceUse records the rows of a batch for provider pib in one
// transaction, or nothing: each row's person (by JMBG, or by the referral
// the row names) is resolved to the provider's referral for the row's
// service through DelegatedAccessTo (a person not referred to the provider
// reads as one not on the register, a referral not the provider's as one
// that is not),
// every row is checked (services.CheckUse) with the problems the batch
// brought already, and any problem is one invalid-input error listing
// them all. The referrals are locked while their records are read and
// written, so two batches cannot record the same day twice.
func (db *DB) RecordServiceUse(ctx context.Context, pib string, in services.UseBatch, channel, batch, by string, at time.Time) (ServiceUseReport, error) {
	report := ServiceUseReport{Batch: batch}
	if !slices.Contains([]string{UseByPage, UseByCSV, UseByAPI}, channel) {
		return report, fmt.Errorf("service use: channel %q", channel)
	}
	persons, err := db.useRowPersons(ctx, in.Rows)
	if err != nil {
		return report, err
	}
	byReferral, err := db.useRowReferrals(ctx, pib, in.Rows)
	if err != nil {
		return report, err
	}
	personOf := func(row services.UseRow) (domain.PersonID, bool) {
		if row.ReferralID != 0 {
			p, ok := byReferral[row.ReferralID]
			return p, ok
		}
		p, ok := persons[row.JMBG]
		return p, ok
	}
	candidates := map[domain.PersonID][]int64{}
	var ids []int64
	for _, row := range in.Rows {
		p, ok := personOf(row)
		if _, seen := candidates[p]; !ok || seen {
			continue
		}
		report.Persons = append(report.Persons, p)
		a, ok, err := db.DelegatedAccessTo(ctx, pib, p, at)
		if err != nil {
			return report, err
		}
		candidates[p] = nil
		if ok {
			candidates[p] = a.ReferralIDs
			ids = append(ids, a.ReferralIDs...)
			report.DV = report.DV || a.DV()
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	err = db.InTx(ctx, func(tx pgx.Tx) error {
		refs, err := lockUseReferrals(ctx, tx, ids)
		if err != nil {
			return err
		}
		problems := slices.Clone(in.Problems)
		resolved := make([]services.UseReferral, len(in.Rows))
		for i, row := range in.Rows {
			p, _ := personOf(row)
			cands := candidates[p]
			if row.ReferralID != 0 {
				cands = slices.DeleteFunc(slices.Clone(cands), func(id int64) bool { return id != row.ReferralID })
			}
			r, ok := pickReferral(refs, cands, row)
			if !ok && row.ReferralID != 0 {
				problems = append(problems, services.UseProblem{Line: row.Line, Where: row.Where,
					Message: fmt.Sprintf("no referral %d to you for %s", row.ReferralID, row.Service)})
				continue
			} else if !ok {
				problems = append(problems, services.UseProblem{Line: row.Line, Where: row.Where,
					Message: fmt.Sprintf("no referral of this person to you for %s", row.Service)})
				continue
			}
			resolved[i] = r
		}
		onFile, err := useOnFile(ctx, tx, ids, in.Rows)
		if err != nil {
			return err
		}
		problems = append(problems, services.CheckUse(in.Rows, resolved, onFile, at)...)
		if err := services.UseError(problems); err != nil {
			return err
		}
		report.Written, err = insertServiceUse(ctx, tx, in.Rows, resolved, channel, batch, by, at)
		return err
	})
	return report, err
}

// useRowPersons finds the persons the rows name on the register.
func (db *DB) useRowPersons(ctx context.Context, rows []services.UseRow) (map[domain.JMBG]domain.PersonID, error) {
	var jmbgs []string
	for _, r := range rows {
		if r.ReferralID == 0 {
			jmbgs = append(jmbgs, string(r.JMBG))
		}
	}
	out := map[domain.JMBG]domain.PersonID{}
	if len(jmbgs) == 0 {
		return out, nil
	}
	res, err := db.pool.Query(ctx, `SELECT DISTINCT ON (jmbg) jmbg, id FROM persons WHERE jmbg = ANY($1) ORDER BY jmbg, created_at`, jmbgs)
	if err != nil {
		return nil, fmt.Errorf("service use's persons: %w", err)
	}
	defer res.Close()
	for res.Next() {
		var j string
		var id domain.PersonID
		if err := res.Scan(&j, &id); err != nil {
			return nil, fmt.Errorf("scan service use's person: %w", err)
		}
		out[domain.JMBG(j)] = id
	}
	return out, res.Err()
}

// useRowReferrals finds the persons of the referrals the rows name, of
// those to provider pib (another's referral is as one that is not).
func (db *DB) useRowReferrals(ctx context.Context, pib string, rows []services.UseRow) (map[int64]domain.PersonID, error) {
	var ids []int64
	for _, r := range rows {
		if r.ReferralID != 0 {
			ids = append(ids, r.ReferralID)
		}
	}
	out := map[int64]domain.PersonID{}
	if len(ids) == 0 {
		return out, nil
	}
	res, err := db.pool.Query(ctx, `SELECT r.id, r.person_id`+useReferralFrom+` WHERE r.id = ANY($1) AND p.pib = $2`, ids, pib)
	if err != nil {
		return nil, fmt.Errorf("service use's referrals: %w", err)
	}
	defer res.Close()
	for res.Next() {
		var id int64
		var p domain.PersonID
		if err := res.Scan(&id, &p); err != nil {
			return nil, fmt.Errorf("scan service use's referral: %w", err)
		}
		out[id] = p
	}
	return out, res.Err()
}

// lockUseReferrals locks the referrals (in the order of their ids, so two
// batches never wait on each other in a circle) and reads what the rules
// need of them.
func lockUseReferrals(ctx context.Context, tx pgx.Tx, ids []int64) (map[int64]useReferral, error) {
	out := map[int64]useReferral{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `SELECT r.id, r.service, c.unit, r.started_on, r.ended_on
		FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id
		WHERE r.id = ANY($1) ORDER BY r.id FOR UPDATE OF r`, ids)
	if err != nil {
		return nil, fmt.Errorf("lock referrals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r useReferral
		if err := rows.Scan(&r.ID, &r.service, &r.Unit, &r.StartedOn, &r.EndedOn); err != nil {
			return nil, fmt.Errorf("scan referral: %w", err)
		}
		out[r.ID] = r
	}
	return out, rows.Err()
}

// pickReferral is the referral among the person's (ids) for the row's
// service whose days hold the row's day, or else the latest of them (the
// rules then say why the day does not fit it).
func pickReferral(refs map[int64]useReferral, ids []int64, row services.UseRow) (services.UseReferral, bool) {
	var best services.UseReferral
	found := false
	for _, id := range ids {
		r, ok := refs[id]
		if !ok || r.service != row.Service {
			continue
		}
		if r.StartedOn != nil && !row.Day.Before(*r.StartedOn) && (r.EndedOn == nil || !row.Day.After(*r.EndedOn)) {
			return r.UseReferral, true
		}
		if !found || r.ID > best.ID {
			best, found = r.UseReferral, true
		}
	}
	return best, found
}

// useOnFile reads the records of the referrals on the rows' days and the
// records the rows correct.
func useOnFile(ctx context.Context, tx pgx.Tx, ids []int64, rows []services.UseRow) ([]services.UseOnFile, error) {
	var days []string
	var corrects []int64
	for _, r := range rows {
		days = append(days, r.Day.Format(time.DateOnly))
		if r.Corrects != 0 {
			corrects = append(corrects, r.Corrects)
		}
	}
	res, err := tx.Query(ctx, `SELECT u.id, u.referral_id, u.day, u.quantity, coalesce((SELECT s.id FROM service_use s WHERE s.supersedes = u.id), 0)
		FROM service_use u WHERE (u.referral_id = ANY($1) AND u.day = ANY($2::date[])) OR u.id = ANY($3)`, ids, days, corrects)
	if err != nil {
		return nil, fmt.Errorf("service use on file: %w", err)
	}
	return pgx.CollectRows(res, func(r pgx.CollectableRow) (services.UseOnFile, error) {
		var u services.UseOnFile
		err := r.Scan(&u.ID, &u.ReferralID, &u.Day, &u.Quantity, &u.SupersededBy)
		return u, err
	})
}

func insertServiceUse(ctx context.Context, tx pgx.Tx, rows []services.UseRow, refs []services.UseReferral, channel, batch, by string, at time.Time) ([]ServiceUse, error) {
	n := len(rows)
	referral, corrects := make([]int64, n), make([]int64, n)
	days, quantities, notes := make([]string, n), make([]string, n), make([]string, n)
	for i, r := range rows {
		referral[i], corrects[i] = refs[i].ID, r.Corrects
		days[i], quantities[i], notes[i] = r.Day.Format(time.DateOnly), r.Quantity.String(), r.Note
	}
	res, err := tx.Query(ctx, `WITH written AS (
			INSERT INTO service_use (referral_id, day, quantity, note, supersedes, channel, batch, recorded_by, recorded_at)
			SELECT r, d, q, n, nullif(c, 0), $6, $7, $8, $9
			FROM unnest($1::bigint[], $2::date[], $3::numeric[], $4::text[], $5::bigint[]) WITH ORDINALITY AS t(r, d, q, n, c, i)
			ORDER BY i
			RETURNING id, referral_id, day, quantity, note, supersedes, channel, batch, recorded_by, recorded_at)
		SELECT id, referral_id, day, quantity, note, supersedes, NULL::bigint, channel, batch, recorded_by, recorded_at FROM written ORDER BY id`,
		referral, days, quantities, notes, corrects, channel, batch, by, at)
	if err != nil {
		return nil, fmt.Errorf("write service use: %w", err)
	}
	out, err := pgx.CollectRows(res, func(r pgx.CollectableRow) (ServiceUse, error) { return scanServiceUse(r) })
	if err != nil {
		return nil, translate(err, "a correction of this record")
	}
	return out, nil
}

// UseReferral is a referral as the service-use records need it: whose,
// from which centre, to which provider, for what and when.
type UseReferral struct {
	ID          int64
	PersonID    domain.PersonID
	CentreID    string
	CaseNumber  string
	ProviderPIB string
	Service     string
	Unit        services.Unit
	Rate        decimal.Decimal
	ContractID  int64
	State       string
	DV          bool
	StartedOn   *time.Time
	EndedOn     *time.Time
}

const useReferralColumns = `r.id, r.person_id, r.centre_id, r.case_number, p.pib, r.service, c.unit, c.rate, c.id, r.state, r.dv, r.started_on, r.ended_on`

const useReferralFrom = ` FROM service_referrals r JOIN service_contracts c ON c.id = r.contract_id JOIN providers p ON p.id = c.provider_id`

func scanUseReferral(r pgx.Row) (UseReferral, error) {
	var u UseReferral
	err := r.Scan(&u.ID, &u.PersonID, &u.CentreID, &u.CaseNumber, &u.ProviderPIB, &u.Service, &u.Unit, &u.Rate, &u.ContractID, &u.State, &u.DV, &u.StartedOn, &u.EndedOn)
	return u, err
}

// UseReferralByID returns a referral with its contract's unit and its
// provider. Returns CodeNotFound if there is none.
func (db *DB) UseReferralByID(ctx context.Context, id int64) (UseReferral, error) {
	r, err := scanUseReferral(db.pool.QueryRow(ctx, `SELECT `+useReferralColumns+useReferralFrom+` WHERE r.id = $1`, id))
	return r, translate(err, fmt.Sprintf("referral %d", id))
}

// ServiceUse lists a referral's records of a month, each with the record
// that corrects it, by day and in the order they were made.
func (db *DB) ServiceUse(ctx context.Context, referral int64, month domain.Month) ([]ServiceUse, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+serviceUseColumns+` FROM service_use u
		WHERE u.referral_id = $1 AND u.day BETWEEN $2 AND $3 ORDER BY u.day, u.id`, referral, month.First(), month.Last())
	if err != nil {
		return nil, fmt.Errorf("service use of referral %d: %w", referral, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceUse, error) { return scanServiceUse(r) })
}

// UseMonth is a referral's month: its effective records' days and their
// quantity in the contract's unit.
type UseMonth struct {
	UseReferral
	GivenName, FamilyName string
	JMBG                  domain.JMBG
	Days                  int             // days with an effective record
	Quantity              decimal.Decimal // the sum of the effective records' quantities
}

// UseByMonth lists the referrals to provider pib's contracts ("" every
// provider's) whose service ran in month (started, not cancelled, not
// ended before the month), each with the effective records of the month
// (nobody superseded them, quantity above 0), by person.
func (db *DB) UseByMonth(ctx context.Context, pib string, month domain.Month) ([]UseMonth, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+useReferralColumns+`, pe.given_name, pe.family_name, pe.jmbg,
			count(DISTINCT u.day), coalesce(sum(u.quantity), 0)`+useReferralFrom+`
		JOIN persons pe ON pe.id = r.person_id
		LEFT JOIN service_use u ON u.referral_id = r.id AND u.day BETWEEN @first AND @last AND u.quantity > 0
			AND NOT EXISTS (SELECT 1 FROM service_use s WHERE s.supersedes = u.id)
		WHERE (@pib = '' OR p.pib = @pib) AND r.state <> 'cancelled' AND r.started_on IS NOT NULL AND r.started_on <= @last
			AND (r.ended_on IS NULL OR r.ended_on >= @first)
		GROUP BY r.id, p.pib, c.unit, c.rate, c.id, pe.given_name, pe.family_name, pe.jmbg
		ORDER BY pe.family_name, pe.given_name, r.id`, pgx.NamedArgs{"pib": pib, "first": month.First(), "last": month.Last()})
	if err != nil {
		return nil, fmt.Errorf("service use by month: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (UseMonth, error) {
		var m UseMonth
		err := r.Scan(&m.ID, &m.PersonID, &m.CentreID, &m.CaseNumber, &m.ProviderPIB, &m.Service, &m.Unit, &m.Rate, &m.ContractID, &m.State, &m.DV,
			&m.StartedOn, &m.EndedOn, &m.GivenName, &m.FamilyName, &m.JMBG, &m.Days, &m.Quantity)
		return m, err
	})
}
