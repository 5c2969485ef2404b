package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
)

// Institution is a residential institution (issue 22): a provider of the
// register with its units, rooms and beds.
type Institution struct {
	ID           string
	Name         string
	ProviderID   int64
	Street       string
	Municipality string
	Units        []Unit
}

// Unit is a part of an institution for one kind of resident at one care
// level.
type Unit struct {
	ID        int64
	Name      string
	Kind      institutions.Kind
	CareLevel int
	Rooms     []Room
}

// Room is a room of a unit, for residents of one gender (or any).
type Room struct {
	ID     int64
	Name   string
	Gender string
	Beds   []Bed
}

// Bed is a bed of a room.
type Bed struct {
	ID           int64
	Label        string
	OutOfService bool
}

// CreateInstitution records an institution with its units, rooms and beds
// in one transaction; an id on record already is a conflict.
func (db *DB) CreateInstitution(ctx context.Context, in Institution) (Institution, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO institutions (id, name, provider_id, street, municipality) VALUES ($1, $2, $3, $4, $5)`,
			in.ID, in.Name, in.ProviderID, in.Street, in.Municipality); err != nil {
			return translate(err, "institution "+in.ID)
		}
		for i := range in.Units {
			u := &in.Units[i]
			if err := tx.QueryRow(ctx, `INSERT INTO institution_units (institution_id, name, kind, care_level) VALUES ($1, $2, $3, $4) RETURNING id`,
				in.ID, u.Name, string(u.Kind), u.CareLevel).Scan(&u.ID); err != nil {
				return translate(err, "unit "+u.Name)
			}
			for j := range u.Rooms {
				r := &u.Rooms[j]
				if err := tx.QueryRow(ctx, `INSERT INTO institution_rooms (unit_id, name, gender) VALUES ($1, $2, $3) RETURNING id`,
					u.ID, r.Name, r.Gender).Scan(&r.ID); err != nil {
					return translate(err, "room "+r.Name)
				}
				for k := range r.Beds {
					b := &r.Beds[k]
					if err := tx.QueryRow(ctx, `INSERT INTO institution_beds (room_id, label, out_of_service) VALUES ($1, $2, $3) RETURNING id`,
						r.ID, b.Label, b.OutOfService).Scan(&b.ID); err != nil {
						return translate(err, "bed "+b.Label)
					}
				}
			}
		}
		return nil
	})
	return in, err
}

// InstitutionByID returns an institution with its units, rooms and beds in
// their order.
func (db *DB) InstitutionByID(ctx context.Context, id string) (Institution, error) {
	var in Institution
	if err := db.pool.QueryRow(ctx, `SELECT id, name, provider_id, street, municipality FROM institutions WHERE id = $1`, id).
		Scan(&in.ID, &in.Name, &in.ProviderID, &in.Street, &in.Municipality); err != nil {
		return Institution{}, translate(err, "institution "+id)
	}
	rows, err := db.pool.Query(ctx, `SELECT u.id, u.name, u.kind, u.care_level, r.id, r.name, r.gender, b.id, b.label, b.out_of_service
		FROM institution_units u JOIN institution_rooms r ON r.unit_id = u.id JOIN institution_beds b ON b.room_id = r.id
		WHERE u.institution_id = $1 ORDER BY u.name, u.id, r.name, r.id, b.label, b.id`, id)
	if err != nil {
		return Institution{}, fmt.Errorf("institution's beds: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u Unit
		var r Room
		var b Bed
		if err := rows.Scan(&u.ID, &u.Name, &u.Kind, &u.CareLevel, &r.ID, &r.Name, &r.Gender, &b.ID, &b.Label, &b.OutOfService); err != nil {
			return Institution{}, fmt.Errorf("scan bed: %w", err)
		}
		if n := len(in.Units); n == 0 || in.Units[n-1].ID != u.ID {
			in.Units = append(in.Units, u)
		}
		cu := &in.Units[len(in.Units)-1]
		if n := len(cu.Rooms); n == 0 || cu.Rooms[n-1].ID != r.ID {
			cu.Rooms = append(cu.Rooms, r)
		}
		cr := &cu.Rooms[len(cu.Rooms)-1]
		cr.Beds = append(cr.Beds, b)
	}
	return in, rows.Err()
}

// InstitutionSummary is an institution as a list shows it.
type InstitutionSummary struct {
	ID, Name, Municipality string
	Beds, Held             int // beds in service; held by a placement now
}

// ListInstitutions lists every institution by name with its beds in
// service and how many a placement holds now.
func (db *DB) ListInstitutions(ctx context.Context) ([]InstitutionSummary, error) {
	rows, err := db.pool.Query(ctx, `SELECT i.id, i.name, i.municipality,
			count(b.id) FILTER (WHERE NOT b.out_of_service),
			count(p.id)
		FROM institutions i
		LEFT JOIN institution_units u ON u.institution_id = i.id
		LEFT JOIN institution_rooms r ON r.unit_id = u.id
		LEFT JOIN institution_beds b ON b.room_id = r.id
		LEFT JOIN placements p ON p.bed_id = b.id AND p.state IN ('accepted', 'decided', 'admitted')
		GROUP BY i.id ORDER BY i.name, i.id`)
	if err != nil {
		return nil, fmt.Errorf("list institutions: %w", err)
	}
	defer rows.Close()
	out := []InstitutionSummary{}
	for rows.Next() {
		var s InstitutionSummary
		if err := rows.Scan(&s.ID, &s.Name, &s.Municipality, &s.Beds, &s.Held); err != nil {
			return nil, fmt.Errorf("scan institution: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// FreeBedFilter narrows a search of free capacity; zero fields match any.
type FreeBedFilter struct {
	Kind      institutions.Kind
	Gender    string // a room's gender the person fits: rooms of this gender or "any"
	CareLevel int    // at least this level
	Day       time.Time
}

// FreeBed is a bed no placement holds, in an institution whose licence for
// the bed's kind of care is in force on the filter's day.
type FreeBed struct {
	InstitutionID, InstitutionName, Municipality string
	UnitID                                       int64
	UnitName                                     string
	Kind                                         institutions.Kind
	CareLevel                                    int
	RoomName, Gender                             string
	BedID                                        int64
	BedLabel                                     string
}

// FreeBeds lists the free beds across institutions matching f, by
// institution, unit, room and bed: what a centre's case manager chooses
// from. Beds out of service and institutions without a licence in force
// for the kind are not free.
func (db *DB) FreeBeds(ctx context.Context, f FreeBedFilter) ([]FreeBed, error) {
	rows, err := db.pool.Query(ctx, `SELECT i.id, i.name, i.municipality, u.id, u.name, u.kind, u.care_level, r.name, r.gender, b.id, b.label
		FROM institution_beds b JOIN institution_rooms r ON r.id = b.room_id JOIN institution_units u ON u.id = r.unit_id
		JOIN institutions i ON i.id = u.institution_id
		WHERE NOT b.out_of_service
		AND (@kind = '' OR u.kind = @kind) AND (@gender = '' OR r.gender IN (@gender, 'any')) AND u.care_level >= @care
		AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.bed_id = b.id AND p.state IN ('accepted', 'decided', 'admitted'))
		AND EXISTS (SELECT 1 FROM provider_licences l WHERE l.provider_id = i.provider_id
			AND l.service = CASE WHEN u.kind IN ('children', 'youth') THEN 'residential_children' ELSE 'residential_elderly' END AND `+inForce+`)
		ORDER BY i.name, u.name, r.name, b.label, b.id`,
		pgx.NamedArgs{"kind": string(f.Kind), "gender": f.Gender, "care": f.CareLevel, "day": domain.CalendarDay(f.Day)})
	if err != nil {
		return nil, fmt.Errorf("free beds: %w", err)
	}
	defer rows.Close()
	out := []FreeBed{}
	for rows.Next() {
		var b FreeBed
		if err := rows.Scan(&b.InstitutionID, &b.InstitutionName, &b.Municipality, &b.UnitID, &b.UnitName, &b.Kind, &b.CareLevel,
			&b.RoomName, &b.Gender, &b.BedID, &b.BedLabel); err != nil {
			return nil, fmt.Errorf("scan free bed: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Placement is one person's stay in an institution, from the centre's
// proposal to its end (the Placement workflow moves it along).
type Placement struct {
	ID            int64
	CaseNumber    string // empty for a resident loaded as they were
	PersonID      domain.PersonID
	CentreID      string
	InstitutionID string // empty until the referral names one
	BedID         int64  // 0 until the institution accepts
	State         string
	AdmittedOn    *time.Time
	EndedOn       *time.Time
	EndReason     string
	CreatedBy     string
	CreatedAt     time.Time
	// Decided is what the placement's decision set, when one did (a demo
	// resident carried over with their decision; the Placement workflow
	// writes its own through DecidePlacement).
	Decided *DecisionFigures
}

// DecisionFigures is a placement decision's figures: the monthly cost, the
// co-payment with the lines that explain it, the budget line, the day.
type DecisionFigures struct {
	MonthlyCost decimal.Decimal
	CoPayment   institutions.CoPayment
	BudgetLine  string
	On          time.Time
}

// Placement states.
const (
	PlacementProposed    = "proposed"
	PlacementReferred    = "referred"
	PlacementRefused     = "refused"
	PlacementAccepted    = "accepted"
	PlacementDecided     = "decided"
	PlacementAdmitted    = "admitted"
	PlacementDischarged  = "discharged"
	PlacementTransferred = "transferred"
	PlacementCancelled   = "cancelled"
)

// InsertPlacement records a placement as it is (demo residents, tests, and
// the Placement workflow's first step); a bed another placement holds is a
// conflict naming the bed.
func (db *DB) InsertPlacement(ctx context.Context, p Placement) (Placement, error) {
	var inst, bed, cs any
	if p.InstitutionID != "" {
		inst = p.InstitutionID
	}
	if p.BedID != 0 {
		bed = p.BedID
	}
	if p.CaseNumber != "" {
		cs = p.CaseNumber
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO placements (case_number, person_id, centre_id, institution_id, bed_id, state, admitted_on, ended_on, end_reason, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, created_at`,
		cs, p.PersonID, p.CentreID, inst, bed, p.State, dateOrNil(p.AdmittedOn), dateOrNil(p.EndedOn), p.EndReason, p.CreatedBy).Scan(&p.ID, &p.CreatedAt)
	if err == nil && p.Decided != nil {
		d := p.Decided
		var lines []byte
		if lines, err = json.Marshal(d.CoPayment.Lines); err == nil {
			_, err = db.pool.Exec(ctx, `UPDATE placements SET monthly_cost = $2, copayment = $3, budget_line = $4, decided_on = $5, copayment_lines = $6,
				resident_share = $7 WHERE id = $1`, p.ID, d.MonthlyCost, d.CoPayment.Total(), d.BudgetLine, domain.CalendarDay(d.On), lines, d.CoPayment.Resident)
		}
	}
	if err != nil {
		if e := translate(err, "placement"); domain.ErrorCode(e) == domain.CodeConflict {
			return Placement{}, &domain.Error{Code: domain.CodeConflict, Field: "bed_id", Message: fmt.Sprintf("bed %d is held by another placement", p.BedID)}
		}
		return Placement{}, fmt.Errorf("insert placement: %w", err)
	}
	return p, nil
}

func dateOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return domain.CalendarDay(*t)
}

const placementColumns = `id, coalesce(case_number, ''), person_id, centre_id, coalesce(institution_id, ''), coalesce(bed_id, 0), state,
	admitted_on, ended_on, end_reason, created_by, created_at`

func scanPlacement(r pgx.Row) (Placement, error) {
	var p Placement
	err := r.Scan(&p.ID, &p.CaseNumber, &p.PersonID, &p.CentreID, &p.InstitutionID, &p.BedID, &p.State,
		&p.AdmittedOn, &p.EndedOn, &p.EndReason, &p.CreatedBy, &p.CreatedAt)
	return p, err
}

// PlacementByID returns a placement.
func (db *DB) PlacementByID(ctx context.Context, id int64) (Placement, error) {
	p, err := scanPlacement(db.pool.QueryRow(ctx, `SELECT `+placementColumns+` FROM placements WHERE id = $1`, id))
	if err != nil {
		return Placement{}, translate(err, fmt.Sprintf("placement %d", id))
	}
	return p, nil
}

// Resident is a person admitted to an institution, as its staff list them:
// the name and the bed, nothing else of the e-file.
type Resident struct {
	PlacementID int64
	PersonID    domain.PersonID
	Name        string // given and family name
	BirthDate   time.Time
	UnitName    string
	RoomName    string
	BedLabel    string
	AdmittedOn  time.Time
}

// Residents lists the residents admitted to institution id now, by name.
func (db *DB) Residents(ctx context.Context, id string) ([]Resident, error) {
	rows, err := db.pool.Query(ctx, `SELECT p.id, p.person_id, pe.given_name || ' ' || pe.family_name, pe.birth_date,
			u.name, r.name, b.label, p.admitted_on
		FROM placements p JOIN persons pe ON pe.id = p.person_id
		JOIN institution_beds b ON b.id = p.bed_id JOIN institution_rooms r ON r.id = b.room_id JOIN institution_units u ON u.id = r.unit_id
		WHERE p.institution_id = $1 AND p.state = 'admitted'
		ORDER BY pe.family_name, pe.given_name, p.id`, id)
	if err != nil {
		return nil, fmt.Errorf("residents: %w", err)
	}
	defer rows.Close()
	out := []Resident{}
	for rows.Next() {
		var x Resident
		if err := rows.Scan(&x.PlacementID, &x.PersonID, &x.Name, &x.BirthDate, &x.UnitName, &x.RoomName, &x.BedLabel, &x.AdmittedOn); err != nil {
			return nil, fmt.Errorf("scan resident: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ResidentOf returns the resident of placement id if it is admitted to
// institution inst now; not found otherwise (for the institution's staff
// another institution's resident does not exist).
func (db *DB) ResidentOf(ctx context.Context, inst string, id int64) (Resident, error) {
	list, err := db.Residents(ctx, inst)
	if err != nil {
		return Resident{}, err
	}
	for _, r := range list {
		if r.PlacementID == id {
			return r, nil
		}
	}
	return Resident{}, domain.Errorf(domain.CodeNotFound, "resident %d not found", id)
}

// VisitRule is who may, or may not, visit a resident.
type VisitRule struct {
	ID          int64
	PlacementID int64
	VisitorName string
	VisitorJMBG string
	Allowed     bool
	Reason      string
	SetBy       string
	SetAt       time.Time
}

// VisitRules lists the visit rules of a placement, oldest first.
func (db *DB) VisitRules(ctx context.Context, placement int64) ([]VisitRule, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, placement_id, visitor_name, visitor_jmbg, allowed, reason, set_by, set_at
		FROM visit_rules WHERE placement_id = $1 ORDER BY set_at, id`, placement)
	if err != nil {
		return nil, fmt.Errorf("visit rules: %w", err)
	}
	defer rows.Close()
	out := []VisitRule{}
	for rows.Next() {
		var v VisitRule
		if err := rows.Scan(&v.ID, &v.PlacementID, &v.VisitorName, &v.VisitorJMBG, &v.Allowed, &v.Reason, &v.SetBy, &v.SetAt); err != nil {
			return nil, fmt.Errorf("scan visit rule: %w", err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ReplaceVisitRules sets a placement's visit rules to rules in one
// transaction (the individual plan's list, as saved).
func (db *DB) ReplaceVisitRules(ctx context.Context, placement int64, rules []VisitRule, by string) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM visit_rules WHERE placement_id = $1`, placement); err != nil {
			return fmt.Errorf("clear visit rules: %w", err)
		}
		for _, v := range rules {
			if _, err := tx.Exec(ctx, `INSERT INTO visit_rules (placement_id, visitor_name, visitor_jmbg, allowed, reason, set_by) VALUES ($1, $2, $3, $4, $5, $6)`,
				placement, v.VisitorName, v.VisitorJMBG, v.Allowed, v.Reason, by); err != nil {
				return fmt.Errorf("insert visit rule: %w", err)
			}
		}
		return nil
	})
}

// PersonsBornBetween lists up to limit persons born between from and to
// (inclusive) who hold no placement, oldest first: the demo data's
// residents.
func (db *DB) PersonsBornBetween(ctx context.Context, from, to time.Time, limit int) ([]domain.PersonID, error) {
	rows, err := db.pool.Query(ctx, `SELECT id FROM persons pe WHERE birth_date BETWEEN $1 AND $2
		AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.person_id = pe.id) ORDER BY birth_date, id LIMIT $3`,
		domain.CalendarDay(from), domain.CalendarDay(to), limit)
	if err != nil {
		return nil, fmt.Errorf("persons born between: %w", err)
	}
	defer rows.Close()
	var out []domain.PersonID
	for rows.Next() {
		var id domain.PersonID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan person: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
