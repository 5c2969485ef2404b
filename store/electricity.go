package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/electricity"
)

// ElectricityHoldings are the rights of the subsidy's benefits
// (electricity.Benefits) in force on day, each with its holder's household
// (the population register's, or "person:<id>" for a person registered
// without one) and address. The rights are read from the register of
// beneficiaries (BeneficiariesOn), so a right counts exactly when it
// counts there.
func (db *DB) ElectricityHoldings(ctx context.Context, day time.Time) ([]electricity.Holding, error) {
	var out []electricity.Holding
	var ids []string
	for _, code := range electricity.Benefits() {
		bs, err := db.BeneficiariesOn(ctx, string(code), day, "")
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			out = append(out, electricity.Holding{PersonID: b.PersonID, Benefit: code, JMBG: b.JMBG, GivenName: b.GivenName,
				FamilyName: b.FamilyName, Municipality: b.Municipality, Restricted: b.Restricted})
			ids = append(ids, b.PersonID)
		}
	}
	rows, err := db.pool.Query(ctx, `SELECT id::text, COALESCE(household_id::text, 'person:' || id::text), settlement, street
		FROM persons WHERE id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, fmt.Errorf("select households of holders: %w", err)
	}
	type place struct{ household, settlement, street string }
	where := map[string]place{}
	var id string
	var p place
	if _, err := pgx.ForEachRow(rows, []any{&id, &p.household, &p.settlement, &p.street}, func() error {
		where[id] = p
		return nil
	}); err != nil {
		return nil, fmt.Errorf("select households of holders: %w", err)
	}
	for i := range out {
		p := where[out[i].PersonID]
		out[i].HouseholdID, out[i].Settlement, out[i].Street = p.household, p.settlement, p.street
	}
	return out, nil
}

// ElectricityExport is a month's list for the power utility and where it
// stands (the workflow's state, mirrored for the API).
type ElectricityExport struct {
	Month        time.Time
	WorkflowID   string
	State        string
	ListKey      string // the list's object in the object store
	ListSHA256   string
	Households   int
	Counts       map[string]int // households by category
	PreparedAt   time.Time
	SubmittedBy  string
	ApprovedBy   string
	SentAt       *time.Time
	AnswerKey    string
	AnswerSHA256 string
	AnsweredAt   *time.Time
	AnsweredBy   string
}

const electricityColumns = `month, workflow_id, state, list_key, list_sha256, households, counts, prepared_at, submitted_by, approved_by,
	sent_at, answer_key, answer_sha256, answered_at, answered_by`

func scanElectricityExport(r pgx.Row) (ElectricityExport, error) {
	var e ElectricityExport
	var counts []byte
	err := r.Scan(&e.Month, &e.WorkflowID, &e.State, &e.ListKey, &e.ListSHA256, &e.Households, &counts, &e.PreparedAt, &e.SubmittedBy,
		&e.ApprovedBy, &e.SentAt, &e.AnswerKey, &e.AnswerSHA256, &e.AnsweredAt, &e.AnsweredBy)
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(counts, &e.Counts)
}

// SaveElectricityList records a month's list and its lines once: if the
// month has a list already, nothing is written and that list is returned
// (created false), so a retried preparation keeps the first file.
func (db *DB) SaveElectricityList(ctx context.Context, e ElectricityExport, lines []electricity.Line) (ElectricityExport, bool, error) {
	counts, err := json.Marshal(e.Counts)
	if err != nil {
		return ElectricityExport{}, false, err
	}
	created := false
	err = db.InTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO electricity_exports (month, workflow_id, state, list_key, list_sha256, households, counts, prepared_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (month) DO NOTHING`,
			e.Month, e.WorkflowID, e.State, e.ListKey, e.ListSHA256, len(lines), counts, e.PreparedAt)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		created = true
		rows := make([][]any, len(lines))
		for i, l := range lines {
			rows[i] = []any{e.Month, l.HouseholdID, l.PersonID, l.JMBG, l.Category}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"electricity_lines"}, []string{"month", "household_id", "person_id", "jmbg", "category"}, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return ElectricityExport{}, false, fmt.Errorf("insert electricity list %s: %w", e.Month.Format("2006-01"), err)
	}
	saved, err := db.ElectricityExportOf(ctx, e.Month)
	return saved, created, err
}

// ElectricityExportOf returns the month's list; CodeNotFound if there is none.
func (db *DB) ElectricityExportOf(ctx context.Context, month time.Time) (ElectricityExport, error) {
	e, err := scanElectricityExport(db.pool.QueryRow(ctx, `SELECT `+electricityColumns+` FROM electricity_exports WHERE month = $1`, month))
	return e, translate(err, "the electricity list of "+month.Format("2006-01"))
}

// ElectricityExports lists the months' lists, the latest first.
func (db *DB) ElectricityExports(ctx context.Context) ([]ElectricityExport, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+electricityColumns+` FROM electricity_exports ORDER BY month DESC LIMIT 120`)
	if err != nil {
		return nil, fmt.Errorf("select electricity lists: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ElectricityExport, error) { return scanElectricityExport(r) })
	if err != nil {
		return nil, fmt.Errorf("select electricity lists: %w", err)
	}
	return out, nil
}

// SetElectricityState records where the month's list stands and, when not
// empty, who submitted and who approved it.
func (db *DB) SetElectricityState(ctx context.Context, month time.Time, state, submittedBy, approvedBy string) error {
	tag, err := db.pool.Exec(ctx, `UPDATE electricity_exports SET state = $2,
			submitted_by = CASE WHEN $3 = '' THEN submitted_by ELSE $3 END,
			approved_by = CASE WHEN $4 = '' THEN approved_by ELSE $4 END
		WHERE month = $1`, month, state, submittedBy, approvedBy)
	if err != nil {
		return fmt.Errorf("update electricity list %s: %w", month.Format("2006-01"), err)
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.CodeNotFound, "the electricity list of %s not found", month.Format("2006-01"))
	}
	return nil
}

// MarkElectricitySent records when the list was first sent; a second call
// keeps the first time.
func (db *DB) MarkElectricitySent(ctx context.Context, month, at time.Time) error {
	_, err := db.pool.Exec(ctx, `UPDATE electricity_exports SET sent_at = COALESCE(sent_at, $2) WHERE month = $1`, month, at)
	if err != nil {
		return fmt.Errorf("mark electricity list %s sent: %w", month.Format("2006-01"), err)
	}
	return nil
}

// ElectricityLine is a household of a month's list as sent, with its
// holder as Karton has them now.
type ElectricityLine struct {
	electricity.Line
	CentreID string
}

// ElectricityLines are the month's list as sent, by household id: the
// JMBG and category as sent, the name and address as recorded now, and
// Restricted when the holder or a member of their household is named in
// the DV compartment.
func (db *DB) ElectricityLines(ctx context.Context, month time.Time) ([]ElectricityLine, error) {
	rows, err := db.pool.Query(ctx, `SELECT l.household_id, l.person_id::text, l.jmbg, p.given_name, p.family_name, p.municipality,
			p.settlement, p.street, l.category, `+electricityRestricted+`, p.centre_id
		FROM electricity_lines l JOIN persons p ON p.id = l.person_id
		WHERE l.month = $1 ORDER BY l.household_id`, month)
	if err != nil {
		return nil, fmt.Errorf("select electricity lines: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ElectricityLine, error) {
		var l ElectricityLine
		err := r.Scan(&l.HouseholdID, &l.PersonID, &l.JMBG, &l.GivenName, &l.FamilyName, &l.Municipality, &l.Settlement, &l.Street,
			&l.Category, &l.Restricted, &l.CentreID)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("select electricity lines: %w", err)
	}
	return out, nil
}

// electricityRestricted is true for a line of the list (l, its holder p)
// whose holder or a member of the holder's household is named in the DV
// compartment.
const electricityRestricted = `EXISTS (SELECT 1 FROM dv_persons dp JOIN persons m ON m.id = dp.person_id
	WHERE m.id = p.id OR (p.household_id IS NOT NULL AND m.household_id = p.household_id))`

// ElectricityRestrictedCounts are the households of the month's list, by
// category, that are Restricted (the DV compartment's): left out of the
// counts anyone outside the compartment is shown.
func (db *DB) ElectricityRestrictedCounts(ctx context.Context, month time.Time) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT l.category, count(*) FROM electricity_lines l JOIN persons p ON p.id = l.person_id
		WHERE l.month = $1 AND `+electricityRestricted+` GROUP BY l.category`, month)
	if err != nil {
		return nil, fmt.Errorf("count restricted electricity lines: %w", err)
	}
	out := map[string]int{}
	var cat string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&cat, &n}, func() error { out[cat] = n; return nil }); err != nil {
		return nil, fmt.Errorf("count restricted electricity lines: %w", err)
	}
	return out, nil
}

// ImportElectricityDiscounts records the company's answer for the month
// in one transaction: every discount and the answer's object and SHA-256,
// and the list's state becomes reconciled. The same answer again changes
// nothing (imported false); another answer for a month answered already,
// or an answer for a list not sent, is CodeConflict.
func (db *DB) ImportElectricityDiscounts(ctx context.Context, month time.Time, sha, key, by string, at time.Time, ds []electricity.Discount) (bool, error) {
	name := month.Format("2006-01")
	imported := false
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var sent *time.Time
		var prior string
		err := tx.QueryRow(ctx, `SELECT sent_at, answer_sha256 FROM electricity_exports WHERE month = $1 FOR UPDATE`, month).Scan(&sent, &prior)
		if err != nil {
			return translate(err, "the electricity list of "+name)
		}
		switch {
		case prior == sha:
			return nil
		case prior != "":
			return domain.Errorf(domain.CodeConflict, "the discounts of %s were imported already from another file (SHA-256 %s)", name, prior)
		case sent == nil:
			return domain.Errorf(domain.CodeConflict, "the list of %s has not been sent to the company", name)
		}
		rows := make([][]any, len(ds))
		for i, d := range ds {
			rows[i] = []any{month, d.HouseholdID, d.JMBG, d.Category, d.KWh, d.Bill, d.Amount}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"electricity_discounts"}, []string{"month", "household_id", "jmbg", "category", "kwh", "bill", "discount"},
			pgx.CopyFromRows(rows)); err != nil {
			return translate(err, "a discount of "+name)
		}
		imported = true
		_, err = tx.Exec(ctx, `UPDATE electricity_exports SET answer_sha256 = $2, answer_key = $3, answered_by = $4, answered_at = $5, state = 'reconciled'
			WHERE month = $1`, month, sha, key, by, at)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("import electricity discounts %s: %w", name, err)
	}
	return imported, nil
}

// ElectricityDiscounts are the discounts imported for the month, by household id.
func (db *DB) ElectricityDiscounts(ctx context.Context, month time.Time) ([]electricity.Discount, error) {
	rows, err := db.pool.Query(ctx, `SELECT household_id, jmbg, category, kwh, bill, discount FROM electricity_discounts
		WHERE month = $1 ORDER BY household_id`, month)
	if err != nil {
		return nil, fmt.Errorf("select electricity discounts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (electricity.Discount, error) {
		var d electricity.Discount
		err := r.Scan(&d.HouseholdID, &d.JMBG, &d.Category, &d.KWh, &d.Bill, &d.Amount)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("select electricity discounts: %w", err)
	}
	return out, nil
}
