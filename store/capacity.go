package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
)

// An institution's capacity (issue 22 items 1 and 6): who holds each bed,
// the director's changes to units, rooms and beds, occupancy by day, and
// the month's statistics and placement costs as budget lines.

// heldStates are the states of a placement that holds its bed.
const heldStates = `('accepted', 'decided', 'admitted')`

// BedHolder is the placement holding a bed now: admitted (occupied), or
// accepted or decided (reserved for a person not yet admitted).
type BedHolder struct {
	PlacementID int64
	State       string
	PersonID    domain.PersonID
	Name        string // given and family name
}

// BedHolders maps each bed of institution id a placement holds now to
// its holder.
func (db *DB) BedHolders(ctx context.Context, id string) (map[int64]BedHolder, error) {
	rows, err := db.pool.Query(ctx, `SELECT p.bed_id, p.id, p.state, p.person_id, pe.given_name || ' ' || pe.family_name
		FROM placements p JOIN persons pe ON pe.id = p.person_id
		WHERE p.institution_id = $1 AND p.bed_id IS NOT NULL AND p.state IN `+heldStates, id)
	if err != nil {
		return nil, fmt.Errorf("bed holders: %w", err)
	}
	defer rows.Close()
	out := map[int64]BedHolder{}
	for rows.Next() {
		var bed int64
		var h BedHolder
		if err := rows.Scan(&bed, &h.PlacementID, &h.State, &h.PersonID, &h.Name); err != nil {
			return nil, fmt.Errorf("scan bed holder: %w", err)
		}
		out[bed] = h
	}
	return out, rows.Err()
}

// AddUnit records a new unit of institution inst (without rooms); a name
// the institution has already is a conflict.
func (db *DB) AddUnit(ctx context.Context, inst string, u Unit) (Unit, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		if err := institutionExists(ctx, tx, inst); err != nil {
			return err
		}
		return translate(tx.QueryRow(ctx, `INSERT INTO institution_units (institution_id, name, kind, care_level) VALUES ($1, $2, $3, $4) RETURNING id`,
			inst, u.Name, string(u.Kind), u.CareLevel).Scan(&u.ID), fmt.Sprintf("unit %q", u.Name))
	})
	return u, err
}

// AddRoom records a new room of unit unit of institution inst (without
// beds); a unit of another institution is not found.
func (db *DB) AddRoom(ctx context.Context, inst string, unit int64, r Room) (Room, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM institution_units WHERE id = $1 AND institution_id = $2`, unit, inst).Scan(&n); err != nil {
			return fmt.Errorf("unit: %w", err)
		}
		if n == 0 {
			return domain.Errorf(domain.CodeNotFound, "unit %d of institution %s not found", unit, inst)
		}
		return translate(tx.QueryRow(ctx, `INSERT INTO institution_rooms (unit_id, name, gender) VALUES ($1, $2, $3) RETURNING id`,
			unit, r.Name, r.Gender).Scan(&r.ID), fmt.Sprintf("room %q", r.Name))
	})
	return r, err
}

// AddBed records a new bed of room room of institution inst; a room of
// another institution is not found.
func (db *DB) AddBed(ctx context.Context, inst string, room int64, b Bed) (Bed, error) {
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM institution_rooms r JOIN institution_units u ON u.id = r.unit_id
			WHERE r.id = $1 AND u.institution_id = $2`, room, inst).Scan(&n); err != nil {
			return fmt.Errorf("room: %w", err)
		}
		if n == 0 {
			return domain.Errorf(domain.CodeNotFound, "room %d of institution %s not found", room, inst)
		}
		return translate(tx.QueryRow(ctx, `INSERT INTO institution_beds (room_id, label, out_of_service) VALUES ($1, $2, $3) RETURNING id`,
			room, b.Label, b.OutOfService).Scan(&b.ID), fmt.Sprintf("bed %q", b.Label))
	})
	return b, err
}

// SetBedOutOfService takes bed bed of institution inst out of service, or
// back into it, on day, and records the change with who made it (the history
// occupancy by day reads). A bed a placement holds cannot go out of
// service: a conflict naming the placement's state. The bed is locked
// while it is checked, so a placement cannot take it meanwhile.
func (db *DB) SetBedOutOfService(ctx context.Context, inst string, bed int64, out bool, day time.Time, by string) (Bed, error) {
	var b Bed
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT b.id, b.label, b.out_of_service FROM institution_beds b JOIN institution_rooms r ON r.id = b.room_id
			JOIN institution_units u ON u.id = r.unit_id WHERE b.id = $1 AND u.institution_id = $2 FOR UPDATE OF b`, bed, inst).
			Scan(&b.ID, &b.Label, &b.OutOfService)
		if err != nil {
			return translate(err, fmt.Sprintf("bed %d of institution %s", bed, inst))
		}
		if out {
			var state string
			err := tx.QueryRow(ctx, `SELECT state FROM placements WHERE bed_id = $1 AND state IN `+heldStates, bed).Scan(&state)
			if err == nil {
				return domain.Errorf(domain.CodeConflict, "bed %s is held by a placement (%s): it cannot go out of service until the placement ends", b.Label, state)
			}
			if err != pgx.ErrNoRows {
				return fmt.Errorf("bed's placement: %w", err)
			}
		}
		if b.OutOfService == out {
			return nil // as it is already
		}
		if _, err := tx.Exec(ctx, `UPDATE institution_beds SET out_of_service = $2 WHERE id = $1`, bed, out); err != nil {
			return fmt.Errorf("bed out of service: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO institution_bed_service (bed_id, out_of_service, changed_on, changed_by) VALUES ($1, $2, $3, $4)`,
			bed, out, domain.CalendarDay(day), by); err != nil {
			return fmt.Errorf("bed's service history: %w", err)
		}
		b.OutOfService = out
		return nil
	})
	return b, err
}

func institutionExists(ctx context.Context, tx pgx.Tx, id string) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM institutions WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("institution: %w", err)
	}
	if n == 0 {
		return domain.Errorf(domain.CodeNotFound, "institution %s not found", id)
	}
	return nil
}

// DayOccupancy is an institution's beds on one day.
type DayOccupancy struct {
	Day       time.Time
	InService int // beds in service that day
	Occupied  int // residents admitted that day (admitted on or before it, not ended by it)
	Reserved  int // beds held for a person not yet admitted, recorded by that day
	Free      int // in service, neither occupied nor reserved
}

// bedsInServiceOn counts the beds of institution @inst in service on day
// d.day: as the last change of service on or before that day left it
// (institution_bed_service); with none, the opposite of the first change
// after it; with no change at all, as the bed is now.
const bedsInServiceOn = `(SELECT count(*) FROM institution_beds b JOIN institution_rooms r ON r.id = b.room_id
	JOIN institution_units u ON u.id = r.unit_id
	WHERE u.institution_id = @inst AND NOT coalesce(
		(SELECT s.out_of_service FROM institution_bed_service s WHERE s.bed_id = b.id AND s.changed_on <= d.day ORDER BY s.changed_on DESC, s.id DESC LIMIT 1),
		(SELECT NOT s.out_of_service FROM institution_bed_service s WHERE s.bed_id = b.id AND s.changed_on > d.day ORDER BY s.changed_on, s.id LIMIT 1),
		b.out_of_service))`

// Occupancy is institution inst's beds for each day from from to to
// (inclusive): in service, occupied by admitted residents (a resident
// occupies the days from the admission up to the day before the placement
// ended: the day of discharge is not a bed-day), reserved, and free.
func (db *DB) Occupancy(ctx context.Context, inst string, from, to time.Time) ([]DayOccupancy, error) {
	rows, err := db.pool.Query(ctx, `SELECT d.day::date, `+bedsInServiceOn+`,
		(SELECT count(*) FROM placements p WHERE p.institution_id = @inst AND p.admitted_on IS NOT NULL AND p.admitted_on <= d.day
			AND (p.ended_on IS NULL OR p.ended_on > d.day)),
		(SELECT count(*) FROM placements p WHERE p.institution_id = @inst AND p.bed_id IS NOT NULL AND p.state IN ('accepted', 'decided')
			AND p.created_at::date <= d.day)
		FROM generate_series(@from::date, @to::date, interval '1 day') AS d(day) ORDER BY d.day`,
		pgx.NamedArgs{"inst": inst, "from": domain.CalendarDay(from), "to": domain.CalendarDay(to)})
	if err != nil {
		return nil, fmt.Errorf("occupancy: %w", err)
	}
	defer rows.Close()
	out := []DayOccupancy{}
	for rows.Next() {
		var o DayOccupancy
		if err := rows.Scan(&o.Day, &o.InService, &o.Occupied, &o.Reserved); err != nil {
			return nil, fmt.Errorf("scan occupancy: %w", err)
		}
		o.Free = max(0, o.InService-o.Occupied-o.Reserved)
		out = append(out, o)
	}
	return out, rows.Err()
}

// Budget lines placements are paid from (DOMAIN.md §7.1).
const (
	BudgetMaintenanceInHomes = "maintenance_in_homes"
	BudgetOutsideMontenegro  = "outside_montenegro"
	BudgetFamilyPlacement    = "family_placement"
)

// BudgetLines lists the budget lines in their order.
func BudgetLines() []string {
	return []string{BudgetMaintenanceInHomes, BudgetOutsideMontenegro, BudgetFamilyPlacement}
}

// InstitutionMonth is one institution's month: its bed-days available (in
// service) and occupied, and its admissions and discharges.
type InstitutionMonth struct {
	ID, Name            string
	BedDaysAvailable    int
	BedDaysOccupied     int
	Admissions          int
	Discharges          int // discharged or transferred out, the placement ended in the month
	ResidentsAtMonthEnd int
}

// BudgetLineCost is the month's cost of the placements paid from one
// budget line: each placement's monthly cost and co-payment times the days
// of the month it ran over the days of the month, rounded to the cent,
// then summed.
type BudgetLineCost struct {
	Line       string
	Placements int
	Days       int // placement-days in the month
	Cost       decimal.Decimal
	Copayment  decimal.Decimal
	Net        decimal.Decimal // cost less co-payment: what the budget pays
}

// MonthStatistics is the month's statistics of one institution or all.
type MonthStatistics struct {
	Month        time.Time // the first day
	DaysInMonth  int
	Institutions []InstitutionMonth
	Costs        []BudgetLineCost // every budget line, in BudgetLines' order
}

// PlacementCost is a placement's part of a month's cost.
type PlacementCost struct {
	PlacementID   int64
	InstitutionID string
	Line          string
	Days          int
	MonthlyCost   decimal.Decimal
	Copayment     decimal.Decimal
}

// ProRata is amount for days of a month of daysInMonth days, rounded to
// the cent (half away from zero): days / daysInMonth × amount.
func ProRata(amount decimal.Decimal, days, daysInMonth int) decimal.Decimal {
	if days >= daysInMonth {
		return amount.Round(2)
	}
	return amount.Mul(decimal.NewFromInt(int64(days))).Div(decimal.NewFromInt(int64(daysInMonth))).Round(2)
}

// DaysIn is the number of days of month's month.
func DaysIn(month time.Time) int {
	return time.Date(month.Year(), month.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Statistics is month's statistics of institution inst ("" for every
// institution): occupancy, admissions and discharges of each institution
// and the placement costs by budget line (the costs of placements outside
// an institution, family placements, only when inst is "").
func (db *DB) Statistics(ctx context.Context, month time.Time, inst string) (MonthStatistics, error) {
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	st := MonthStatistics{Month: first, DaysInMonth: DaysIn(first)}
	args := pgx.NamedArgs{"inst": inst, "first": first, "next": first.AddDate(0, 1, 0)}
	rows, err := db.pool.Query(ctx, `SELECT i.id, i.name,
		(SELECT coalesce(sum(`+bedsInServiceOnDay+`), 0) FROM generate_series(@first::date, @next::date - 1, interval '1 day') AS d(day)),
		(SELECT coalesce(sum(greatest(0, least(coalesce(p.ended_on, @next::date), @next::date) - greatest(p.admitted_on, @first::date))), 0)
			FROM placements p WHERE p.institution_id = i.id AND p.admitted_on IS NOT NULL),
		(SELECT count(*) FROM placements p WHERE p.institution_id = i.id AND p.admitted_on >= @first AND p.admitted_on < @next),
		(SELECT count(*) FROM placements p WHERE p.institution_id = i.id AND p.state IN ('discharged', 'transferred')
			AND p.ended_on >= @first AND p.ended_on < @next),
		(SELECT count(*) FROM placements p WHERE p.institution_id = i.id AND p.admitted_on < @next AND (p.ended_on IS NULL OR p.ended_on >= @next))
		FROM institutions i WHERE @inst = '' OR i.id = @inst ORDER BY i.name, i.id`, args)
	if err != nil {
		return st, fmt.Errorf("institution statistics: %w", err)
	}
	st.Institutions = []InstitutionMonth{}
	for rows.Next() {
		var m InstitutionMonth
		if err := rows.Scan(&m.ID, &m.Name, &m.BedDaysAvailable, &m.BedDaysOccupied, &m.Admissions, &m.Discharges, &m.ResidentsAtMonthEnd); err != nil {
			rows.Close()
			return st, fmt.Errorf("scan institution statistics: %w", err)
		}
		st.Institutions = append(st.Institutions, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("institution statistics: %w", err)
	}
	costs, err := db.PlacementCosts(ctx, first, inst)
	if err != nil {
		return st, err
	}
	st.Costs = SumCosts(costs, st.DaysInMonth)
	return st, nil
}

// bedsInServiceOnDay is bedsInServiceOn of the institution i of the outer
// query.
var bedsInServiceOnDay = strings.ReplaceAll(bedsInServiceOn, "@inst", "i.id")

// PlacementCosts lists the placements with a monthly cost that ran in
// month (of institution inst, or every placement when inst is ""), each
// with the days of the month it ran: from its admission (or, for a
// placement never admitted to an institution, its decision) up to the
// day before it ended.
func (db *DB) PlacementCosts(ctx context.Context, month time.Time, inst string) ([]PlacementCost, error) {
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	rows, err := db.pool.Query(ctx, `SELECT id, coalesce(institution_id, ''), budget_line, monthly_cost, coalesce(copayment, 0),
			least(coalesce(ended_on, @next::date), @next::date) - greatest(coalesce(admitted_on, decided_on), @first::date)
		FROM placements
		WHERE monthly_cost IS NOT NULL AND budget_line IS NOT NULL AND coalesce(admitted_on, decided_on) < @next
			AND (ended_on IS NULL OR ended_on > @first) AND state IN ('decided', 'admitted', 'discharged', 'transferred')
			AND (@inst = '' OR institution_id = @inst)
		ORDER BY id`, pgx.NamedArgs{"inst": inst, "first": first, "next": first.AddDate(0, 1, 0)})
	if err != nil {
		return nil, fmt.Errorf("placement costs: %w", err)
	}
	defer rows.Close()
	out := []PlacementCost{}
	for rows.Next() {
		var p PlacementCost
		if err := rows.Scan(&p.PlacementID, &p.InstitutionID, &p.Line, &p.MonthlyCost, &p.Copayment, &p.Days); err != nil {
			return nil, fmt.Errorf("scan placement cost: %w", err)
		}
		if p.Days > 0 {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// SumCosts sums placements' costs of a month of daysInMonth days by budget
// line, every line present (zero when no placement is paid from it).
func SumCosts(costs []PlacementCost, daysInMonth int) []BudgetLineCost {
	out := []BudgetLineCost{}
	for _, line := range BudgetLines() {
		l := BudgetLineCost{Line: line, Cost: decimal.Zero, Copayment: decimal.Zero, Net: decimal.Zero}
		for _, p := range costs {
			if p.Line != line {
				continue
			}
			cost, co := ProRata(p.MonthlyCost, p.Days, daysInMonth), ProRata(p.Copayment, p.Days, daysInMonth)
			l.Placements++
			l.Days += p.Days
			l.Cost = l.Cost.Add(cost)
			l.Copayment = l.Copayment.Add(co)
			l.Net = l.Net.Add(cost.Sub(co))
		}
		out = append(out, l)
	}
	return out
}

// ValidUnit lists what is wrong with a new unit.
func ValidUnit(u Unit) []*domain.Error {
	var errs []*domain.Error
	if u.Name == "" {
		errs = append(errs, domain.FieldError("name", "is required"))
	}
	if !u.Kind.Valid() {
		errs = append(errs, domain.FieldError("kind", "%q is not a kind of bed: send elderly, children, youth or disabled_adults", string(u.Kind)))
	}
	if !institutions.ValidCareLevel(u.CareLevel) {
		errs = append(errs, domain.FieldError("care_level", "%d is not a care level: send 1, 2 or 3", u.CareLevel))
	}
	return errs
}
