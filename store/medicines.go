package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
)

// The medicines of a residential institution (issue 22): the pharmacy's
// catalogue and stock by batch, the residents' prescriptions and every
// dose given. Everything is scoped by the institution: another
// institution's medicine, batch or resident is not found. A dose and a
// write-off take their stock under the batch's row lock (SELECT ... FOR
// UPDATE) in one transaction, and the table's CHECK keeps a batch from
// going below zero even so.

// Medicine is an entry of an institution's catalogue with its batches.
type Medicine struct {
	ID            int64
	InstitutionID string
	institutions.Medicine
	Batches   []MedicineBatch // by expiry, first expiring first
	CreatedBy string
	CreatedAt time.Time
}

// MedicineBatch is a batch received, with what is left of it.
type MedicineBatch struct {
	institutions.Batch
	SupplierNote string
	ReceivedOn   time.Time
	ReceivedBy   string
}

// BatchesOf is the batches as the domain's rules take them.
func (m Medicine) BatchesOf() []institutions.Batch {
	out := make([]institutions.Batch, len(m.Batches))
	for i, b := range m.Batches {
		out[i] = b.Batch
	}
	return out
}

// Label is the medicine as the staff name it: "Metformin 500 mg".
func (m Medicine) Label() string { return m.Name + " " + m.Strength }

// CreateMedicine adds a medicine to institution inst's catalogue; the same
// name, form and strength twice is a conflict.
func (db *DB) CreateMedicine(ctx context.Context, inst string, m institutions.Medicine, by string) (Medicine, error) {
	out := Medicine{InstitutionID: inst, Medicine: m, Batches: []MedicineBatch{}, CreatedBy: by}
	err := db.pool.QueryRow(ctx, `INSERT INTO medicines (institution_id, name, form, strength, unit, low_stock, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
		inst, m.Name, m.Form, m.Strength, m.Unit, m.LowStock, by).Scan(&out.ID, &out.CreatedAt)
	if err != nil {
		if domain.ErrorCode(translate(err, "medicine")) == domain.CodeConflict {
			return Medicine{}, domain.Errorf(domain.CodeConflict, "%s %s (%s) is already in the catalogue", m.Name, m.Strength, m.Form)
		}
		if foreignKeyViolation(err) { // a token naming an institution not on record
			return Medicine{}, domain.Errorf(domain.CodeNotFound, "institution %s is not on record", inst)
		}
		return Medicine{}, fmt.Errorf("insert medicine: %w", err)
	}
	return out, nil
}

const medicineColumns = `id, institution_id, name, form, strength, unit, low_stock, created_by, created_at`

func scanMedicine(r pgx.Row) (Medicine, error) {
	var m Medicine
	err := r.Scan(&m.ID, &m.InstitutionID, &m.Name, &m.Form, &m.Strength, &m.Unit, &m.LowStock, &m.CreatedBy, &m.CreatedAt)
	m.Batches = []MedicineBatch{}
	return m, err
}

const batchColumns = `id, number, expires_on, received, dispensed, written_off, supplier_note, received_on, received_by`

func scanBatch(r pgx.Row) (MedicineBatch, error) {
	var b MedicineBatch
	err := r.Scan(&b.ID, &b.Number, &b.ExpiresOn, &b.Received, &b.Dispensed, &b.WrittenOff, &b.SupplierNote, &b.ReceivedOn, &b.ReceivedBy)
	return b, err
}

// Medicines lists institution inst's catalogue by name, each medicine with
// its batches, first expiring first.
func (db *DB) Medicines(ctx context.Context, inst string) ([]Medicine, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+medicineColumns+` FROM medicines WHERE institution_id = $1 ORDER BY name, strength, form, id`, inst)
	if err != nil {
		return nil, fmt.Errorf("medicines: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Medicine, error) { return scanMedicine(r) })
	if err != nil {
		return nil, fmt.Errorf("scan medicine: %w", err)
	}
	at := map[int64]int{}
	for i, m := range list {
		at[m.ID] = i
	}
	rows, err = db.pool.Query(ctx, `SELECT b.medicine_id, `+prefixed("b.", batchColumns)+` FROM medicine_batches b
		JOIN medicines m ON m.id = b.medicine_id WHERE m.institution_id = $1 ORDER BY b.expires_on, b.id`, inst)
	if err != nil {
		return nil, fmt.Errorf("medicine batches: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var med int64
		var b MedicineBatch
		if err := rows.Scan(&med, &b.ID, &b.Number, &b.ExpiresOn, &b.Received, &b.Dispensed, &b.WrittenOff, &b.SupplierNote, &b.ReceivedOn, &b.ReceivedBy); err != nil {
			return nil, fmt.Errorf("scan batch: %w", err)
		}
		list[at[med]].Batches = append(list[at[med]].Batches, b)
	}
	return list, rows.Err()
}

// prefixed qualifies each of a list of columns with p ("b.").
func prefixed(p, columns string) string { return p + strings.ReplaceAll(columns, " ", " "+p) }

// MedicineByID returns a medicine of institution inst with its batches;
// another institution's is not found.
func (db *DB) MedicineByID(ctx context.Context, inst string, id int64) (Medicine, error) {
	return medicineIn(ctx, db.pool, inst, id, false)
}

// stockQuerier is the pool or a transaction.
type stockQuerier interface {
	querier
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// medicineIn reads a medicine and its batches; lock takes the batches'
// row locks (FOR UPDATE) in the caller's transaction.
func medicineIn(ctx context.Context, q stockQuerier, inst string, id int64, lock bool) (Medicine, error) {
	m, err := scanMedicine(q.QueryRow(ctx, `SELECT `+medicineColumns+` FROM medicines WHERE id = $1 AND institution_id = $2`, id, inst))
	if err != nil {
		return Medicine{}, translate(err, fmt.Sprintf("medicine %d", id))
	}
	sql := `SELECT ` + batchColumns + ` FROM medicine_batches WHERE medicine_id = $1 ORDER BY expires_on, id`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return Medicine{}, fmt.Errorf("batches of medicine %d: %w", id, err)
	}
	m.Batches, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (MedicineBatch, error) { return scanBatch(r) })
	if err != nil {
		return Medicine{}, fmt.Errorf("scan batch: %w", err)
	}
	return m, nil
}

// ReceiveBatch records a batch of medicine id received on day; a batch
// number the medicine has already is a conflict.
func (db *DB) ReceiveBatch(ctx context.Context, inst string, id int64, r institutions.Receipt, day time.Time, by string) (MedicineBatch, error) {
	m, err := db.MedicineByID(ctx, inst, id)
	if err != nil {
		return MedicineBatch{}, err
	}
	b, err := scanBatch(db.pool.QueryRow(ctx, `INSERT INTO medicine_batches (medicine_id, number, expires_on, received, supplier_note, received_on, received_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+batchColumns,
		id, r.Number, domain.CalendarDay(r.ExpiresOn), r.Quantity, r.SupplierNote, domain.CalendarDay(day), by))
	if err != nil {
		if domain.ErrorCode(translate(err, "batch")) == domain.CodeConflict {
			return MedicineBatch{}, domain.Errorf(domain.CodeConflict, "batch %s of %s is already in stock", r.Number, m.Label())
		}
		return MedicineBatch{}, fmt.Errorf("insert batch: %w", err)
	}
	return b, nil
}

// WriteOff is stock taken out of a batch other than by a dose.
type WriteOff struct {
	Batch     string
	Quantity  decimal.Decimal
	Reason    string
	Note      string
	WrittenBy string
}

// WriteOffStock takes w.Quantity out of a batch of medicine id, with its
// reason, under the batch's lock: more than is left is a conflict saying
// what is left. It returns the batch as it is after.
func (db *DB) WriteOffStock(ctx context.Context, inst string, id int64, w WriteOff) (MedicineBatch, error) {
	var out MedicineBatch
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		m, err := medicineIn(ctx, tx, inst, id, true)
		if err != nil {
			return err
		}
		var b *MedicineBatch
		for i := range m.Batches {
			if m.Batches[i].Number == w.Batch {
				b = &m.Batches[i]
			}
		}
		if b == nil {
			return domain.Errorf(domain.CodeNotFound, "batch %s of %s not found", w.Batch, m.Label())
		}
		if b.Stock().LessThan(w.Quantity) {
			return domain.Errorf(domain.CodeConflict, "batch %s of %s has %s left; %s cannot be written off", b.Number, m.Label(), b.Stock(), w.Quantity)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO medicine_write_offs (batch_id, quantity, reason, note, written_by) VALUES ($1, $2, $3, $4, $5)`,
			b.ID, w.Quantity, w.Reason, w.Note, w.WrittenBy); err != nil {
			return fmt.Errorf("insert write-off: %w", err)
		}
		out, err = scanBatch(tx.QueryRow(ctx, `UPDATE medicine_batches SET written_off = written_off + $2 WHERE id = $1 RETURNING `+batchColumns, b.ID, w.Quantity))
		return stockError(err, b.Number)
	})
	return out, err
}

// stockError is a conflict where the CHECK that keeps a batch from going
// below zero refused an update (it cannot, under the lock; a backstop).
func stockError(err error, batch string) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23514" {
		return domain.Errorf(domain.CodeConflict, "batch %s has not enough left", batch)
	}
	if err != nil {
		return fmt.Errorf("update batch %s: %w", batch, err)
	}
	return nil
}

// Prescription is a resident's prescription.
type Prescription struct {
	ID          int64
	PlacementID int64
	MedicineID  int64
	Medicine    string // its name and strength
	Unit        string
	institutions.Prescription
	PrescribedBy string
	StoppedBy    string
	CreatedBy    string
	CreatedAt    time.Time
}

const prescriptionColumns = `p.id, p.placement_id, p.medicine_id, m.name || ' ' || m.strength, m.unit, p.dose, p.times, p.from_on, p.until_on,
	p.stopped_on, p.prescribed_by, p.stopped_by, p.created_by, p.created_at`

func scanPrescription(r pgx.Row) (Prescription, error) {
	var p Prescription
	err := r.Scan(&p.ID, &p.PlacementID, &p.MedicineID, &p.Medicine, &p.Unit, &p.Dose, &p.Times, &p.From, &p.Until,
		&p.StoppedOn, &p.PrescribedBy, &p.StoppedBy, &p.CreatedBy, &p.CreatedAt)
	return p, err
}

// CreatePrescription records a prescription for resident placement of
// institution inst; its medicine must be in inst's catalogue (a field
// error otherwise).
func (db *DB) CreatePrescription(ctx context.Context, inst string, p Prescription) (Prescription, error) {
	if _, err := db.ResidentOf(ctx, inst, p.PlacementID); err != nil {
		return Prescription{}, err
	}
	if _, err := db.MedicineByID(ctx, inst, p.MedicineID); domain.ErrorCode(err) == domain.CodeNotFound {
		return Prescription{}, domain.FieldError("medicine_id", "medicine %d is not in the catalogue of %s", p.MedicineID, inst)
	} else if err != nil {
		return Prescription{}, err
	}
	var id int64
	if err := db.pool.QueryRow(ctx, `INSERT INTO prescriptions (placement_id, medicine_id, dose, times, from_on, until_on, prescribed_by, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		p.PlacementID, p.MedicineID, p.Dose, p.Times, domain.CalendarDay(p.From), dateOrNil(p.Until), p.PrescribedBy, p.CreatedBy).Scan(&id); err != nil {
		return Prescription{}, fmt.Errorf("insert prescription: %w", err)
	}
	return db.prescriptionOf(ctx, db.pool, p.PlacementID, id)
}

func (db *DB) prescriptionOf(ctx context.Context, q querier, placement, id int64) (Prescription, error) {
	p, err := scanPrescription(q.QueryRow(ctx, `SELECT `+prescriptionColumns+` FROM prescriptions p JOIN medicines m ON m.id = p.medicine_id
		WHERE p.id = $1 AND p.placement_id = $2`, id, placement))
	if err != nil {
		return Prescription{}, translate(err, fmt.Sprintf("prescription %d", id))
	}
	return p, nil
}

// Prescriptions lists a resident's prescriptions, newest first.
func (db *DB) Prescriptions(ctx context.Context, placement int64) ([]Prescription, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+prescriptionColumns+` FROM prescriptions p JOIN medicines m ON m.id = p.medicine_id
		WHERE p.placement_id = $1 ORDER BY p.from_on DESC, p.id DESC`, placement)
	if err != nil {
		return nil, fmt.Errorf("prescriptions: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Prescription, error) { return scanPrescription(r) })
	if err != nil {
		return nil, fmt.Errorf("scan prescription: %w", err)
	}
	return list, nil
}

// StopPrescription stops a resident's prescription from day on (no dose
// is due on it or after); one stopped already is a conflict.
func (db *DB) StopPrescription(ctx context.Context, placement, id int64, day time.Time, by string) (Prescription, error) {
	p, err := db.prescriptionOf(ctx, db.pool, placement, id)
	if err != nil {
		return Prescription{}, err
	}
	if p.StoppedOn != nil {
		return Prescription{}, domain.Errorf(domain.CodeConflict, "prescription %d was stopped on %s", id, p.StoppedOn.Format(time.DateOnly))
	}
	tag, err := db.pool.Exec(ctx, `UPDATE prescriptions SET stopped_on = $3, stopped_by = $4 WHERE id = $1 AND placement_id = $2 AND stopped_on IS NULL`,
		id, placement, domain.CalendarDay(day), by)
	if err != nil {
		return Prescription{}, fmt.Errorf("stop prescription %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return Prescription{}, domain.Errorf(domain.CodeConflict, "prescription %d is already stopped", id)
	}
	return db.prescriptionOf(ctx, db.pool, placement, id)
}

// Dose is a dose given.
type Dose struct {
	ID             int64
	PrescriptionID int64
	Medicine       string
	Unit           string
	Batch          string
	BatchExpiresOn time.Time
	Quantity       decimal.Decimal
	DueOn          time.Time
	DueTime        string // the prescription's time of day it was given for; empty for one outside them
	GivenAt        time.Time
	GivenBy        string
}

// GiveDoseInput is a dose to give: the nurse may name the batch (else
// first expiring first) and the quantity (else the prescription's dose).
type GiveDoseInput struct {
	Institution    string
	Placement      int64
	PrescriptionID int64
	Batch          string
	Quantity       decimal.Decimal // zero: the prescribed dose
	DueTime        string          // one of the prescription's times, or empty
	At             time.Time
	By             string
}

// GiveDose records a dose of a resident's prescription in force on the
// day of in.At, taking its stock from the batch chosen (PickBatch) under
// the locks of the medicine's batches, in one transaction: two nurses
// giving at once never take more than a batch holds; the second sees what
// the first left. A time of day given already is a conflict.
func (db *DB) GiveDose(ctx context.Context, in GiveDoseInput) (Dose, error) {
	if _, err := db.ResidentOf(ctx, in.Institution, in.Placement); err != nil {
		return Dose{}, err
	}
	day := domain.CalendarDay(in.At)
	var out Dose
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		p, err := db.prescriptionOf(ctx, tx, in.Placement, in.PrescriptionID)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return domain.FieldError("prescription_id", "prescription %d is not one of this resident's", in.PrescriptionID)
		} else if err != nil {
			return err
		}
		if !p.InForce(day) {
			return domain.Errorf(domain.CodeConflict, "prescription %d is not in force on %s", p.ID, day.Format(time.DateOnly))
		}
		if in.DueTime != "" && !slices.Contains(p.Times, in.DueTime) {
			return domain.FieldError("time", "%s is not a time of prescription %d (%s)", in.DueTime, p.ID, strings.Join(p.Times, ", "))
		}
		qty := in.Quantity
		if qty.IsZero() {
			qty = p.Dose
		}
		m, err := medicineIn(ctx, tx, in.Institution, p.MedicineID, true)
		if err != nil {
			return err
		}
		b, err := institutions.PickBatch(m.Label(), m.BatchesOf(), qty, day, in.Batch)
		if err != nil {
			return err
		}
		if err := stockError(tx.QueryRow(ctx, `UPDATE medicine_batches SET dispensed = dispensed + $2 WHERE id = $1 RETURNING id`, b.ID, qty).Scan(new(int64)), b.Number); err != nil {
			return err
		}
		out = Dose{PrescriptionID: p.ID, Medicine: p.Medicine, Unit: p.Unit, Batch: b.Number, BatchExpiresOn: b.ExpiresOn, Quantity: qty,
			DueOn: day, DueTime: in.DueTime, GivenAt: in.At, GivenBy: in.By}
		err = tx.QueryRow(ctx, `INSERT INTO doses (prescription_id, batch_id, quantity, due_on, due_time, given_at, given_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, p.ID, b.ID, qty, day, in.DueTime, in.At, in.By).Scan(&out.ID)
		if domain.ErrorCode(translate(err, "dose")) == domain.CodeConflict {
			return domain.Errorf(domain.CodeConflict, "the dose of %s at %s on %s is already given", p.Medicine, in.DueTime, day.Format(time.DateOnly))
		} else if err != nil {
			return fmt.Errorf("insert dose: %w", err)
		}
		return nil
	})
	return out, err
}

// Doses lists the doses given to resident placement on day, by time.
func (db *DB) Doses(ctx context.Context, placement int64, day time.Time) ([]Dose, error) {
	rows, err := db.pool.Query(ctx, `SELECT d.id, d.prescription_id, m.name || ' ' || m.strength, m.unit, b.number, b.expires_on, d.quantity,
			d.due_on, d.due_time, d.given_at, d.given_by
		FROM doses d JOIN prescriptions p ON p.id = d.prescription_id JOIN medicines m ON m.id = p.medicine_id
		JOIN medicine_batches b ON b.id = d.batch_id
		WHERE p.placement_id = $1 AND d.due_on = $2 ORDER BY d.given_at, d.id`, placement, domain.CalendarDay(day))
	if err != nil {
		return nil, fmt.Errorf("doses: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Dose, error) {
		var d Dose
		err := r.Scan(&d.ID, &d.PrescriptionID, &d.Medicine, &d.Unit, &d.Batch, &d.BatchExpiresOn, &d.Quantity, &d.DueOn, &d.DueTime, &d.GivenAt, &d.GivenBy)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("scan dose: %w", err)
	}
	return list, nil
}

// DueDose is one time of day of a prescription in force on a day, and the
// dose given for it if one was.
type DueDose struct {
	PlacementID    int64
	Resident       string // the resident's name, for the nurse's round
	PrescriptionID int64
	Medicine       string
	Unit           string
	Dose           decimal.Decimal
	Time           string
	Given          *Dose
}

// DueDoses is the nurse's round of institution inst on day: every time of
// day of every prescription in force for its residents (placement 0: all
// of them), by time and resident, given or not.
func (db *DB) DueDoses(ctx context.Context, inst string, placement int64, day time.Time) ([]DueDose, error) {
	residents, err := db.Residents(ctx, inst)
	if err != nil {
		return nil, err
	}
	var out []DueDose
	for _, r := range residents {
		if placement != 0 && r.PlacementID != placement {
			continue
		}
		list, err := db.Prescriptions(ctx, r.PlacementID)
		if err != nil {
			return nil, err
		}
		given, err := db.Doses(ctx, r.PlacementID, day)
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			if !p.InForce(day) {
				continue
			}
			for _, tm := range p.Times {
				d := DueDose{PlacementID: r.PlacementID, Resident: r.Name, PrescriptionID: p.ID, Medicine: p.Medicine, Unit: p.Unit, Dose: p.Dose, Time: tm}
				for i := range given {
					if given[i].PrescriptionID == p.ID && given[i].DueTime == tm {
						d.Given = &given[i]
					}
				}
				out = append(out, d)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b DueDose) int { return strings.Compare(a.Time, b.Time) })
	return out, nil
}
