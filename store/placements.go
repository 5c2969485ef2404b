package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/institutions"
)

// The Placement workflow's steps (issue 22): each moves a placement from
// the states it may be in to the next, checks them (409 naming the state),
// and writes a case event on the centre's case in the same transaction
// (event_key placement/<id>/<step>). A step the placement has taken
// already (a retried activity: its number is not above the placement's
// steps) changes nothing.

// PlacementStep is who takes a step, when, and its number in the
// placement's life (the workflow counts them).
type PlacementStep struct {
	Seq int
	By  string
	At  time.Time
}

// PlacementProposal is a centre's proposal of a placement from a case.
type PlacementProposal struct {
	CaseNumber string
	PersonID   domain.PersonID
	CentreID   string
	Needs      string // what the institution reads of the person's needs
	CareLevel  int    // the care the person needs (0: not said)
	By         string
}

// PlacementDraft is the centre's decision as a caseworker drafted it.
type PlacementDraft struct {
	MonthlyCost decimal.Decimal             `json:"monthly_cost"`
	BudgetLine  string                      `json:"budget_line"`
	Input       institutions.CoPaymentInput `json:"input"`
	CoPayment   institutions.CoPayment      `json:"copayment"`
	Reasoning   string                      `json:"reasoning"`
}

// PlacementBudgetLines are the budget lines a placement's decision may
// name (DOMAIN.md §7.1; the placements table's check).
var PlacementBudgetLines = []string{"maintenance_in_homes", "outside_montenegro", "family_placement"}

// PlacementReferral is one referral of a placement to an institution and its
// answer.
type PlacementReferral struct {
	ID            int64
	InstitutionID string
	Institution   string // its name
	BedID         int64
	ReferredBy    string
	ReferredAt    time.Time
	Answer        string // "", accepted, refused
	Reason        string
	AnsweredBy    string
	AnsweredAt    *time.Time
}

// PlacementReview is a periodic review of a placement.
type PlacementReview struct {
	Day     time.Time
	By      string
	Notes   string
	Outcome string // continue, transfer, discharge
}

// Review outcomes.
var ReviewOutcomes = []string{"continue", "transfer", "discharge"}

// PlacementFile is a placement with everything its pages show: the
// person's name, birth date and sex (all the institution sees of them
// with the needs), the institution and bed, the decision, the referrals
// and the reviews.
type PlacementFile struct {
	Placement
	PersonName      string
	BirthDate       time.Time
	Sex             domain.Sex
	Needs           string
	CareLevel       int
	Steps           int
	InstitutionName string
	UnitName        string
	RoomName        string
	BedLabel        string
	BedKind         institutions.Kind
	MonthlyCost     *decimal.Decimal
	CoPayment       *decimal.Decimal
	BudgetLine      string
	DecidedOn       *time.Time
	Draft           *PlacementDraft
	DraftedBy       string
	ApprovedBy      string
	Lines           []institutions.Line
	DecisionKey     string
	DecisionSHA256  string
	TransferredTo   int64
	Referrals       []PlacementReferral
	Reviews         []PlacementReview
}

func conflictf(format string, args ...any) error {
	return domain.Errorf(domain.CodeConflict, format, args...)
}

// ProposePlacement records a centre's proposal (step 1): the case must be
// the centre's and name the person.
func (db *DB) ProposePlacement(ctx context.Context, in PlacementProposal, at time.Time) (int64, error) {
	var id int64
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var centre string
		if err := tx.QueryRow(ctx, `SELECT centre_id FROM cases WHERE number = $1`, in.CaseNumber).Scan(&centre); err != nil {
			return translate(err, "case "+in.CaseNumber)
		}
		if centre != in.CentreID {
			return domain.Errorf(domain.CodeNotFound, "case %s not found", in.CaseNumber)
		}
		var inCase bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM case_persons WHERE case_number = $1 AND person_id = $2)`,
			in.CaseNumber, string(in.PersonID)).Scan(&inCase); err != nil {
			return fmt.Errorf("case person: %w", err)
		}
		if !inCase {
			return &domain.Error{Code: domain.CodeInvalid, Field: "person_id", Message: fmt.Sprintf("the person is not in case %s", in.CaseNumber)}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO placements (case_number, person_id, centre_id, state, needs, care_level, created_by, steps)
			VALUES ($1, $2, $3, 'proposed', $4, $5, $6, 1) RETURNING id`,
			in.CaseNumber, string(in.PersonID), in.CentreID, in.Needs, in.CareLevel, in.By).Scan(&id); err != nil {
			return fmt.Errorf("insert placement: %w", err)
		}
		return placementEvent(ctx, tx, id, PlacementStep{Seq: 1, By: in.By, At: at}, "proposed", fmt.Sprintf("Predložen smještaj u ustanovu (smještaj %d)", id))
	})
	return id, err
}

// placementEvent writes step s of placement id on its case's timeline
// (nothing for a placement without a case): what happened (a state, or
// drafted, reviewed) in its data for the pages to say in their language,
// and a Montenegrin summary.
func placementEvent(ctx context.Context, tx pgx.Tx, id int64, s PlacementStep, what, summary string) error {
	data, _ := json.Marshal(map[string]any{"placement_id": id, "step": s.Seq, "what": what})
	_, err := tx.Exec(ctx, `INSERT INTO case_events (case_number, event_key, at, kind, by_user, summary, data)
		SELECT case_number, $2, $3, 'placement', $4, $5, $6 FROM placements WHERE id = $1 AND case_number IS NOT NULL
		ON CONFLICT (event_key) DO NOTHING`,
		id, fmt.Sprintf("placement/%d/%d", id, s.Seq), s.At, s.By, summary, string(data))
	if err != nil {
		return fmt.Errorf("placement event: %w", err)
	}
	return nil
}

// placementTx locks placement id, reports whether step s was taken
// already, and checks that its state is one of from.
func placementTx(ctx context.Context, tx pgx.Tx, id int64, s PlacementStep, from ...string) (Placement, bool, error) {
	p, err := scanPlacement(tx.QueryRow(ctx, `SELECT `+placementColumns+` FROM placements WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return Placement{}, false, translate(err, fmt.Sprintf("placement %d", id))
	}
	var steps int
	if err := tx.QueryRow(ctx, `SELECT steps FROM placements WHERE id = $1`, id).Scan(&steps); err != nil {
		return Placement{}, false, fmt.Errorf("placement steps: %w", err)
	}
	if s.Seq > 0 && s.Seq <= steps {
		return p, true, nil
	}
	for _, f := range from {
		if p.State == f {
			return p, false, nil
		}
	}
	return p, false, conflictf("placement %d is %s; this step is for a placement that is %s", id, p.State, strings.Join(from, " or "))
}

// stepDone moves placement id to state and counts step s.
func stepDone(ctx context.Context, tx pgx.Tx, id int64, s PlacementStep, state string) error {
	if _, err := tx.Exec(ctx, `UPDATE placements SET state = $2, steps = greatest(steps, $3), updated_at = now() WHERE id = $1`, id, state, s.Seq); err != nil {
		return fmt.Errorf("placement state: %w", err)
	}
	return nil
}

// bedFacts is what a referral checks of a bed.
type bedFacts struct {
	institution, institutionName string
	provider                     int64
	outOfService, held           bool
	bed                          institutions.Bed
}

// CheckReferral lists every rule a referral of placement id to bed of
// institution on day breaks: a bed of another institution or out of
// service, held by another placement, an institution without a licence in
// force for the bed's kind, a bed of the wrong kind, gender or care level
// for the person. Nil when the referral may go.
func (db *DB) CheckReferral(ctx context.Context, id int64, institution string, bed int64, day time.Time) error {
	return db.InTx(ctx, func(tx pgx.Tx) error { return checkReferral(ctx, tx, id, institution, bed, day) })
}

func checkReferral(ctx context.Context, tx pgx.Tx, id int64, institution string, bed int64, day time.Time) error {
	var f bedFacts
	err := tx.QueryRow(ctx, `SELECT i.id, i.name, i.provider_id, b.out_of_service, u.kind, r.gender, u.care_level,
			EXISTS (SELECT 1 FROM placements p WHERE p.bed_id = b.id AND p.id <> $2 AND p.state IN ('accepted', 'decided', 'admitted'))
		FROM institution_beds b JOIN institution_rooms r ON r.id = b.room_id JOIN institution_units u ON u.id = r.unit_id
		JOIN institutions i ON i.id = u.institution_id WHERE b.id = $1`, bed, id).
		Scan(&f.institution, &f.institutionName, &f.provider, &f.outOfService, &f.bed.Kind, &f.bed.Gender, &f.bed.CareLevel, &f.held)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && f.institution != institution) {
		return &domain.Error{Code: domain.CodeInvalid, Field: "bed_id", Message: fmt.Sprintf("bed %d is not a bed of institution %s", bed, institution)}
	}
	if err != nil {
		return fmt.Errorf("referral's bed: %w", err)
	}
	var born time.Time
	var sex domain.Sex
	var care int
	if err := tx.QueryRow(ctx, `SELECT pe.birth_date, pe.sex, p.care_level FROM placements p JOIN persons pe ON pe.id = p.person_id WHERE p.id = $1`, id).
		Scan(&born, &sex, &care); err != nil {
		return translate(err, fmt.Sprintf("placement %d", id))
	}
	var licensed bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM provider_licences l WHERE l.provider_id = @id AND l.service = @service AND `+inForce+`)`,
		pgx.NamedArgs{"id": f.provider, "service": f.bed.Kind.Service(), "day": domain.CalendarDay(day)}).Scan(&licensed); err != nil {
		return fmt.Errorf("licence in force: %w", err)
	}
	var problems []*domain.Error
	add := func(field, format string, args ...any) {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if !licensed {
		add("institution_id", "%s holds no licence in force for %s", f.institutionName, f.bed.Kind.Service())
	}
	if f.outOfService {
		add("bed_id", "bed %d is out of service", bed)
	}
	if f.held {
		add("bed_id", "bed %d is held by another placement: the institution has no free bed there", bed)
	}
	for _, e := range f.bed.Check(institutions.Age(born, day), sex, care) {
		add("bed_id", "%v", e)
	}
	return problemsError(problems)
}

// problemsError is one invalid-input error listing every problem, nil for
// none.
func problemsError(problems []*domain.Error) error {
	switch len(problems) {
	case 0:
		return nil
	case 1:
		return problems[0]
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Field + ": " + p.Message
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: strings.Join(msgs, "; "), Fields: problems}
}

// ReferPlacement refers a proposed (or refused) placement to a bed of an
// institution, after CheckReferral's rules.
func (db *DB) ReferPlacement(ctx context.Context, id int64, institution string, bed int64, s PlacementStep) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		_, done, err := placementTx(ctx, tx, id, s, PlacementProposed, PlacementRefused)
		if err != nil || done {
			return err
		}
		if err := checkReferral(ctx, tx, id, institution, bed, s.At); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO placement_referrals (placement_id, institution_id, bed_id, referred_by, referred_at) VALUES ($1, $2, $3, $4, $5)`,
			id, institution, bed, s.By, s.At); err != nil {
			return fmt.Errorf("insert referral: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE placements SET institution_id = $2, bed_id = $3 WHERE id = $1`, id, institution, bed); err != nil {
			return fmt.Errorf("refer placement: %w", err)
		}
		if err := stepDone(ctx, tx, id, s, PlacementReferred); err != nil {
			return err
		}
		return placementEvent(ctx, tx, id, s, "referred", fmt.Sprintf("Smještaj %d: uputnica poslata ustanovi %s", id, institutionName(ctx, tx, institution)))
	})
}

func institutionName(ctx context.Context, tx pgx.Tx, id string) string {
	var name string
	if err := tx.QueryRow(ctx, `SELECT name FROM institutions WHERE id = $1`, id).Scan(&name); err != nil {
		return id
	}
	return name
}

// AnswerPlacement records institution's answer to the referral: accepted
// (the bed held: another placement holding it is a conflict naming it) or
// refused with a reason. Another institution's placement is not found.
func (db *DB) AnswerPlacement(ctx context.Context, id int64, institution string, accept bool, reason string, s PlacementStep) error {
	if !accept && strings.TrimSpace(reason) == "" {
		return &domain.Error{Code: domain.CodeInvalid, Field: "reason", Message: "a refusal must give its reason"}
	}
	return db.InTx(ctx, func(tx pgx.Tx) error {
		p, done, err := placementTx(ctx, tx, id, s, PlacementReferred)
		if done { // a retry of this very step (its institution may be cleared by a refusal)
			return err
		}
		if p.ID != 0 && p.InstitutionID != institution {
			return domain.Errorf(domain.CodeNotFound, "placement %d not found", id)
		}
		if err != nil {
			return err
		}
		answer, state, summary := "refused", PlacementRefused, fmt.Sprintf("Smještaj %d: ustanova %s je odbila uputnicu", id, institutionName(ctx, tx, institution))
		if accept {
			answer, state, summary = "accepted", PlacementAccepted, fmt.Sprintf("Smještaj %d: ustanova %s je prihvatila uputnicu", id, institutionName(ctx, tx, institution))
		}
		if _, err := tx.Exec(ctx, `UPDATE placement_referrals SET answer = $2, reason = $3, answered_by = $4, answered_at = $5
			WHERE id = (SELECT max(id) FROM placement_referrals WHERE placement_id = $1)`, id, answer, reason, s.By, s.At); err != nil {
			return fmt.Errorf("answer referral: %w", err)
		}
		// A refusal lets the institution go: the person's placement is no
		// longer its business (its answer stays in placement_referrals).
		if _, err := tx.Exec(ctx, `UPDATE placements SET state = $2, steps = greatest(steps, $3), updated_at = now(),
			institution_id = CASE WHEN $2 = 'refused' THEN NULL ELSE institution_id END,
			bed_id = CASE WHEN $2 = 'refused' THEN NULL ELSE bed_id END WHERE id = $1`, id, state, s.Seq); err != nil {
			if domain.ErrorCode(translate(err, "bed")) == domain.CodeConflict {
				return &domain.Error{Code: domain.CodeConflict, Field: "bed_id", Message: fmt.Sprintf("bed %d is held by another placement", p.BedID)}
			}
			return fmt.Errorf("answer placement: %w", err)
		}
		return placementEvent(ctx, tx, id, s, answer, summary)
	})
}

// maxMonthlyCost bounds a placement's monthly cost: far above any
// institution's price, well inside the column's numeric(12,2).
var maxMonthlyCost = decimal.NewFromInt(100000)

// CheckDraft lists every problem of a decision's draft.
func CheckDraft(d PlacementDraft) error {
	var problems []*domain.Error
	if !d.MonthlyCost.IsPositive() {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "monthly_cost", Message: "must be more than 0"})
	} else if d.MonthlyCost.Exponent() < -2 {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "monthly_cost", Message: "has more than two decimals"})
	} else if d.MonthlyCost.GreaterThan(maxMonthlyCost) {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "monthly_cost", Message: "is more than EUR 100,000.00 a month"})
	}
	ok := false
	for _, b := range PlacementBudgetLines {
		ok = ok || b == d.BudgetLine
	}
	if !ok {
		problems = append(problems, &domain.Error{Code: domain.CodeInvalid, Field: "budget_line",
			Message: fmt.Sprintf("%q is not a budget line (%s)", d.BudgetLine, strings.Join(PlacementBudgetLines, ", "))})
	}
	return problemsError(problems)
}

// DraftPlacementDecision keeps the centre's decision as drafted by s.By
// (an accepted placement; a new draft replaces the last).
func (db *DB) DraftPlacementDecision(ctx context.Context, id int64, d PlacementDraft, s PlacementStep) error {
	if err := CheckDraft(d); err != nil {
		return err
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx pgx.Tx) error {
		_, done, err := placementTx(ctx, tx, id, s, PlacementAccepted)
		if err != nil || done {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE placements SET draft = $2, drafted_by = $3, steps = greatest(steps, $4), updated_at = now() WHERE id = $1`,
			id, string(raw), s.By, s.Seq); err != nil {
			return fmt.Errorf("draft decision: %w", err)
		}
		return placementEvent(ctx, tx, id, s, "drafted", fmt.Sprintf("Smještaj %d: pripremljen nacrt rješenja o smještaju (cijena %s €, participacija %s €)",
			id, d.MonthlyCost.StringFixed(2), d.CoPayment.Total().StringFixed(2)))
	})
}

// DecidePlacement approves the draft (four eyes: not its drafter) and
// issues the decision: the cost, co-payment, budget line and day set on
// the placement, its lines kept, the PDF kept by keep (called in the
// transaction: a failure keeps nothing).
func (db *DB) DecidePlacement(ctx context.Context, id int64, s PlacementStep, keep func(PlacementFile) (key, sha string, err error)) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		_, done, err := placementTx(ctx, tx, id, s, PlacementAccepted)
		if err != nil || done {
			return err
		}
		f, err := placementFile(ctx, tx, id)
		if err != nil {
			return err
		}
		if f.Draft == nil {
			return conflictf("placement %d has no decision drafted to approve", id)
		}
		if f.DraftedBy == s.By {
			return domain.Errorf(domain.CodeForbidden, "four eyes: %s drafted this decision and may not approve it", s.By)
		}
		f.ApprovedBy, f.DecidedOn = s.By, &s.At
		key, sha, err := keep(f)
		if err != nil {
			return err
		}
		lines, _ := json.Marshal(f.Draft.CoPayment.Lines)
		d := f.Draft
		if _, err := tx.Exec(ctx, `UPDATE placements SET monthly_cost = $2, copayment = $3, budget_line = $4, decided_on = $5, approved_by = $6,
			copayment_lines = $7, decision_key = $8, decision_sha256 = $9, resident_share = $10 WHERE id = $1`,
			id, d.MonthlyCost, d.CoPayment.Total(), d.BudgetLine, domain.CalendarDay(s.At), s.By, string(lines), key, sha, d.CoPayment.Resident); err != nil {
			return fmt.Errorf("decide placement: %w", err)
		}
		if err := stepDone(ctx, tx, id, s, PlacementDecided); err != nil {
			return err
		}
		if err := refreshPlacementMonths(ctx, tx, id, s.At); err != nil { // the statistics' facts (store/bi_placements.go)
			return err
		}
		return placementEvent(ctx, tx, id, s, "decided", fmt.Sprintf("Smještaj %d: donijeto rješenje o smještaju (cijena %s €, participacija %s €)",
			id, d.MonthlyCost.StringFixed(2), d.CoPayment.Total().StringFixed(2)))
	})
}

// AdmitPlacement records the resident's arrival at institution on day.
func (db *DB) AdmitPlacement(ctx context.Context, id int64, institution string, day time.Time, s PlacementStep) error {
	return db.InTx(ctx, func(tx pgx.Tx) error {
		p, done, err := placementTx(ctx, tx, id, s, PlacementDecided)
		if p.ID != 0 && p.InstitutionID != institution {
			return domain.Errorf(domain.CodeNotFound, "placement %d not found", id)
		}
		if err != nil || done {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE placements SET admitted_on = $2 WHERE id = $1`, id, domain.CalendarDay(day)); err != nil {
			return fmt.Errorf("admit: %w", err)
		}
		if err := stepDone(ctx, tx, id, s, PlacementAdmitted); err != nil {
			return err
		}
		if err := refreshPlacementMonths(ctx, tx, id, s.At); err != nil {
			return err
		}
		return placementEvent(ctx, tx, id, s, "admitted", fmt.Sprintf("Smještaj %d: korisnik primljen u ustanovu %s %s", id,
			institutionName(ctx, tx, institution), day.Format("02.01.2006.")))
	})
}

// CheckReview lists the problems of a review.
func CheckReview(r PlacementReview) error {
	for _, o := range ReviewOutcomes {
		if o == r.Outcome {
			return nil
		}
	}
	return &domain.Error{Code: domain.CodeInvalid, Field: "outcome", Message: fmt.Sprintf("%q is not an outcome (%s)", r.Outcome, strings.Join(ReviewOutcomes, ", "))}
}

// ReviewPlacement records a periodic review of an admitted placement.
func (db *DB) ReviewPlacement(ctx context.Context, id int64, r PlacementReview, s PlacementStep) error {
	if err := CheckReview(r); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx pgx.Tx) error {
		_, done, err := placementTx(ctx, tx, id, s, PlacementAdmitted)
		if err != nil || done {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO placement_reviews (placement_id, day, by_user, notes, outcome) VALUES ($1, $2, $3, $4, $5)`,
			id, domain.CalendarDay(r.Day), s.By, r.Notes, r.Outcome); err != nil {
			return fmt.Errorf("insert review: %w", err)
		}
		if err := stepDone(ctx, tx, id, s, PlacementAdmitted); err != nil {
			return err
		}
		words := map[string]string{"continue": "smještaj se nastavlja", "transfer": "predlaže se premještaj", "discharge": "predlaže se otpust"}
		return placementEvent(ctx, tx, id, s, "reviewed", fmt.Sprintf("Smještaj %d: periodična revizija %s, %s", id, r.Day.Format("02.01.2006."), words[r.Outcome]))
	})
}

// EndPlacement discharges an admitted placement, or transfers it: the bed
// freed, and for a transfer a new placement proposed from the same case
// for the same person, whose id it returns.
func (db *DB) EndPlacement(ctx context.Context, id int64, transfer bool, day time.Time, reason string, s PlacementStep) (int64, error) {
	var next int64
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		_, done, err := placementTx(ctx, tx, id, s, PlacementAdmitted)
		if err != nil {
			return err
		}
		if done {
			return tx.QueryRow(ctx, `SELECT coalesce(transferred_to, 0) FROM placements WHERE id = $1`, id).Scan(&next)
		}
		state, summary := PlacementDischarged, fmt.Sprintf("Smještaj %d: korisnik otpušten iz ustanove %s", id, day.Format("02.01.2006."))
		if transfer {
			state = PlacementTransferred
			if err := tx.QueryRow(ctx, `INSERT INTO placements (case_number, person_id, centre_id, state, needs, care_level, created_by, steps)
				SELECT case_number, person_id, centre_id, 'proposed', needs, care_level, $2, 1 FROM placements WHERE id = $1 RETURNING id`,
				id, s.By).Scan(&next); err != nil {
				return fmt.Errorf("transfer: %w", err)
			}
			summary = fmt.Sprintf("Smještaj %d: korisnik premješten %s; novi smještaj %d", id, day.Format("02.01.2006."), next)
			if err := placementEvent(ctx, tx, next, PlacementStep{Seq: 1, By: s.By, At: s.At}, "proposed",
				fmt.Sprintf("Predložen smještaj u ustanovu (smještaj %d, premještaj iz smještaja %d)", next, id)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE placements SET ended_on = $2, end_reason = $3, transferred_to = $4 WHERE id = $1`,
			id, domain.CalendarDay(day), reason, nilIfZero(next)); err != nil {
			return fmt.Errorf("end placement: %w", err)
		}
		if err := stepDone(ctx, tx, id, s, state); err != nil {
			return err
		}
		if err := refreshPlacementMonths(ctx, tx, id, s.At); err != nil {
			return err
		}
		return placementEvent(ctx, tx, id, s, state, summary)
	})
	return next, err
}

func nilIfZero(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// PlacementFileOf returns placement id with everything its pages show.
func (db *DB) PlacementFileOf(ctx context.Context, id int64) (PlacementFile, error) {
	var f PlacementFile
	err := db.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		f, err = placementFile(ctx, tx, id)
		return err
	})
	return f, err
}

func placementFile(ctx context.Context, tx pgx.Tx, id int64) (PlacementFile, error) {
	var f PlacementFile
	p, err := scanPlacement(tx.QueryRow(ctx, `SELECT `+placementColumns+` FROM placements WHERE id = $1`, id))
	if err != nil {
		return f, translate(err, fmt.Sprintf("placement %d", id))
	}
	f.Placement = p
	var draft, lines []byte
	var transferred *int64
	err = tx.QueryRow(ctx, `SELECT pe.given_name || ' ' || pe.family_name, pe.birth_date, pe.sex, p.needs, p.care_level, p.steps,
			coalesce(i.name, ''), coalesce(u.name, ''), coalesce(r.name, ''), coalesce(b.label, ''), coalesce(u.kind, ''),
			p.monthly_cost, p.copayment, coalesce(p.budget_line, ''), p.decided_on, p.draft, p.drafted_by, p.approved_by, p.copayment_lines,
			p.decision_key, p.decision_sha256, p.transferred_to
		FROM placements p JOIN persons pe ON pe.id = p.person_id LEFT JOIN institutions i ON i.id = p.institution_id
		LEFT JOIN institution_beds b ON b.id = p.bed_id LEFT JOIN institution_rooms r ON r.id = b.room_id LEFT JOIN institution_units u ON u.id = r.unit_id
		WHERE p.id = $1`, id).Scan(&f.PersonName, &f.BirthDate, &f.Sex, &f.Needs, &f.CareLevel, &f.Steps, &f.InstitutionName, &f.UnitName,
		&f.RoomName, &f.BedLabel, &f.BedKind, &f.MonthlyCost, &f.CoPayment, &f.BudgetLine, &f.DecidedOn, &draft, &f.DraftedBy, &f.ApprovedBy,
		&lines, &f.DecisionKey, &f.DecisionSHA256, &transferred)
	if err != nil {
		return f, fmt.Errorf("placement file: %w", err)
	}
	if transferred != nil {
		f.TransferredTo = *transferred
	}
	if len(draft) > 0 {
		f.Draft = &PlacementDraft{}
		if err := json.Unmarshal(draft, f.Draft); err != nil {
			return f, fmt.Errorf("placement draft: %w", err)
		}
	}
	if len(lines) > 0 {
		if err := json.Unmarshal(lines, &f.Lines); err != nil {
			return f, fmt.Errorf("placement lines: %w", err)
		}
	}
	rows, err := tx.Query(ctx, `SELECT f.id, f.institution_id, i.name, f.bed_id, f.referred_by, f.referred_at, f.answer, f.reason, f.answered_by, f.answered_at
		FROM placement_referrals f JOIN institutions i ON i.id = f.institution_id WHERE f.placement_id = $1 ORDER BY f.id`, id)
	if err != nil {
		return f, fmt.Errorf("referrals: %w", err)
	}
	if f.Referrals, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlacementReferral, error) {
		var x PlacementReferral
		err := r.Scan(&x.ID, &x.InstitutionID, &x.Institution, &x.BedID, &x.ReferredBy, &x.ReferredAt, &x.Answer, &x.Reason, &x.AnsweredBy, &x.AnsweredAt)
		return x, err
	}); err != nil {
		return f, fmt.Errorf("scan referral: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT day, by_user, notes, outcome FROM placement_reviews WHERE placement_id = $1 ORDER BY day, id`, id)
	if err != nil {
		return f, fmt.Errorf("reviews: %w", err)
	}
	if f.Reviews, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlacementReview, error) {
		var x PlacementReview
		err := r.Scan(&x.Day, &x.By, &x.Notes, &x.Outcome)
		return x, err
	}); err != nil {
		return f, fmt.Errorf("scan review: %w", err)
	}
	return f, nil
}

// PlacementFilter narrows a list of placements: a centre's (CentreID), an
// institution's (InstitutionID: those referred to it now or held there),
// a case's.
type PlacementFilter struct {
	CentreID      string
	InstitutionID string
	CaseNumber    string
	State         string
}

// PlacementSummary is a placement as a list shows it.
type PlacementSummary struct {
	ID              int64
	CaseNumber      string
	PersonID        domain.PersonID
	PersonName      string
	BirthDate       time.Time
	Sex             domain.Sex
	CentreID        string
	InstitutionID   string
	InstitutionName string
	State           string
	UpdatedAt       time.Time
}

// Placements lists the placements f matches, newest first. An empty
// filter lists nothing: every caller names whose.
func (db *DB) Placements(ctx context.Context, f PlacementFilter) ([]PlacementSummary, error) {
	if f.CentreID == "" && f.InstitutionID == "" && f.CaseNumber == "" {
		return []PlacementSummary{}, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT p.id, coalesce(p.case_number, ''), p.person_id, pe.given_name || ' ' || pe.family_name, pe.birth_date, pe.sex,
			p.centre_id, coalesce(p.institution_id, ''), coalesce(i.name, ''), p.state, p.updated_at
		FROM placements p JOIN persons pe ON pe.id = p.person_id LEFT JOIN institutions i ON i.id = p.institution_id
		WHERE (@centre = '' OR p.centre_id = @centre) AND (@inst = '' OR p.institution_id = @inst)
		AND (@case = '' OR p.case_number = @case) AND (@state = '' OR p.state = @state)
		ORDER BY p.updated_at DESC, p.id DESC LIMIT 500`,
		pgx.NamedArgs{"centre": f.CentreID, "inst": f.InstitutionID, "case": f.CaseNumber, "state": f.State})
	if err != nil {
		return nil, fmt.Errorf("placements: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlacementSummary, error) {
		var s PlacementSummary
		err := r.Scan(&s.ID, &s.CaseNumber, &s.PersonID, &s.PersonName, &s.BirthDate, &s.Sex, &s.CentreID, &s.InstitutionID, &s.InstitutionName, &s.State, &s.UpdatedAt)
		return s, err
	})
}

// StagePlacementInput keeps what by typed for a step of kind on
// placement id (a refusal, a draft, a review, an end) and returns its id:
// the workflow's history carries the id, never the text.
func (db *DB) StagePlacementInput(ctx context.Context, id int64, kind string, payload any, by string) (int64, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	var in int64
	if err := db.pool.QueryRow(ctx, `INSERT INTO placement_inputs (placement_id, kind, payload, by_user) VALUES ($1, $2, $3, $4) RETURNING id`,
		id, kind, string(raw), by).Scan(&in); err != nil {
		return 0, translate(err, fmt.Sprintf("placement %d", id))
	}
	return in, nil
}

// PlacementInputOf decodes into dst the staged input in of kind for
// placement id; another placement's or kind's is not found.
func (db *DB) PlacementInputOf(ctx context.Context, id, in int64, kind string, dst any) error {
	var raw []byte
	if err := db.pool.QueryRow(ctx, `SELECT payload FROM placement_inputs WHERE id = $1 AND placement_id = $2 AND kind = $3`, in, id, kind).Scan(&raw); err != nil {
		return translate(err, fmt.Sprintf("input %d of placement %d", in, id))
	}
	return json.Unmarshal(raw, dst)
}
