// Package activation holds what Karton knows of labour activation
// (DOMAIN.md §2(b), §5.2): the messages exchanged with the Employment
// Agency as published JSON Schemas, the steps the agency reports, and the
// rules that turn a centre's decision into a change of the financial
// assistance from the next month. It knows nothing of Temporal, SQL or HTTP.
package activation

import (
	"embed"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/schema"
)

//go:embed schemas/*.json
var files embed.FS

// Schemas are the referral and message Karton sends, the step the agency
// reports and the caseworker's decision form, by name.
var Schemas = func() *schema.Set {
	s, err := schema.Load(files, "schemas")
	if err != nil {
		panic("activation schemas: " + err.Error()) // embedded and tested: a build defect
	}
	return s
}()

// Benefit is the right whose recipients go through activation: financial
// assistance (materijalno obezbjeđenje).
const Benefit = "MO"

// Step kinds the agency reports.
const (
	StepAcknowledged   = "acknowledged"
	StepPlanCreated    = "plan_created"
	StepMissed         = "missed_without_reason"
	StepOfferRefused   = "job_offer_refused"
	StepEmployed       = "employed"
	StepDeregistered   = "deregistered"
	StatusNotEligible  = "not_eligible"
	MeasureReduce      = "reduce"
	MeasureSuspend     = "suspend"
	MeasureTerminate   = "terminate"
	MeasureNone        = "none"
	MaxReductionShare  = 50 // percent (GUESS: the law's scale was not retrieved)
	MinReductionShare  = 10
	DefaultStepsWithin = 30 * 24 * time.Hour
)

// NonCompliance reports whether a step is a failure to take part that the
// centre must weigh a sanction for.
func NonCompliance(kind string) bool { return kind == StepMissed || kind == StepOfferRefused }

// StepNames are the steps in Montenegrin and English, for pages and decisions.
var StepNames = map[string][2]string{
	"acknowledged":          {"Potvrda prijema uputa", "Referral acknowledged"},
	"plan_created":          {"Individualni plan zapošljavanja", "Individual employment plan"},
	"measure_offered":       {"Ponuđena mjera", "Measure offered"},
	"attended":              {"Odazvao/la se", "Attended"},
	"missed_without_reason": {"Neopravdano se nije odazvao/la", "Missed without reason"},
	"job_offer_refused":     {"Odbio/la ponudu posla", "Job offer refused"},
	"training_started":      {"Započeta obuka", "Training started"},
	"training_finished":     {"Završena obuka", "Training finished"},
	"employed":              {"Zaposlen/a", "Employed"},
	"deregistered":          {"Brisan/a sa evidencije", "Deregistered"},
}

// Change is what a decision does to a monthly right from a month on.
type Change struct {
	Measure string
	From    domain.Month
	// Deduction is withheld from every monthly payment from From on
	// (reduce); zero for the others.
	Deduction decimal.Decimal
	Lines     []domain.PaymentLine
}

// Decide turns a centre's decision into the change of a right paying
// monthly, from the month after the decision (a decision never reaches back
// into months already paid or being paid). A reduction withholds percent
// of the monthly amount, rounded to the cent half away from zero.
func Decide(measure string, percent int, monthly decimal.Decimal, decided time.Time) (Change, error) {
	c := Change{Measure: measure, From: domain.MonthOf(decided).Next(), Deduction: decimal.Zero}
	c.Lines = append(c.Lines, domain.PaymentLine{What: "monthly amount", Value: monthly.StringFixed(2)})
	switch measure {
	case MeasureReduce:
		if percent < MinReductionShare || percent > MaxReductionShare {
			return Change{}, domain.FieldError("percent", "a reduction is %d to %d percent, not %d", MinReductionShare, MaxReductionShare, percent)
		}
		c.Deduction = monthly.Mul(decimal.NewFromInt(int64(percent))).Div(decimal.NewFromInt(100)).Round(2)
		c.Lines = append(c.Lines,
			domain.PaymentLine{What: fmt.Sprintf("reduction %d%% from %s", percent, c.From), Value: "-" + c.Deduction.StringFixed(2)},
			domain.PaymentLine{What: "monthly payment after the reduction", Value: monthly.Sub(c.Deduction).StringFixed(2)})
	case MeasureSuspend, MeasureTerminate:
		c.Lines = append(c.Lines, domain.PaymentLine{What: measure + " from " + c.From.String(), Value: "0.00"})
	case MeasureNone:
		c.Lines = append(c.Lines, domain.PaymentLine{What: "no change", Value: monthly.StringFixed(2)})
	default:
		return Change{}, domain.FieldError("measure", "%q is not reduce, suspend, terminate or none", measure)
	}
	return c, nil
}

// MeasureNames are the decisions' titles.
var MeasureNames = map[string][2]string{
	MeasureReduce:    {"Rješenje o smanjenju materijalnog obezbjeđenja", "Reduction of financial assistance"},
	MeasureSuspend:   {"Rješenje o obustavi isplate materijalnog obezbjeđenja", "Suspension of financial assistance"},
	MeasureTerminate: {"Rješenje o prestanku prava na materijalno obezbjeđenje", "End of the right to financial assistance"},
}
