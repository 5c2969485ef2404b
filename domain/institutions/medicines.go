package institutions

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// The medicines of an institution (issue 22, the resident's care): the
// pharmacy's catalogue and its stock by batch, the warnings it reads first,
// the prescriptions of the medical staff, and which batch a dose is taken
// from. A batch's stock is what it received less what was dispensed and
// written off; it never goes below zero.

// Forms of a medicine.
var medicineForms = []string{"tablet", "capsule", "syrup", "drops", "injection", "ointment", "inhaler", "patch", "suppository", "powder"}

// Units a medicine is counted and dosed in.
var medicineUnits = []string{"piece", "ml", "g", "ampoule", "drop", "dose"}

// Reasons stock is written off.
var writeOffReasons = []string{"expired", "damaged", "lost", "returned"}

// MedicineForms lists the forms of a medicine.
func MedicineForms() []string { return slices.Clone(medicineForms) }

// MedicineUnits lists the units a medicine is counted in.
func MedicineUnits() []string { return slices.Clone(medicineUnits) }

// WriteOffReasons lists why stock may be written off.
func WriteOffReasons() []string { return slices.Clone(writeOffReasons) }

// ExpiryWarningDays is how far ahead a batch's expiry is warned of.
const ExpiryWarningDays = 30

// Medicine is an entry of an institution's catalogue.
type Medicine struct {
	Name     string
	Form     string
	Strength string // "500 mg", "5 mg/ml"
	Unit     string
	LowStock decimal.Decimal // a warning when the stock falls below it
}

// CheckMedicine lists every fault of a catalogue entry.
func CheckMedicine(m Medicine) []*domain.Error {
	var errs []*domain.Error
	errs = append(errs, checkText("name", m.Name, 100)...)
	errs = append(errs, checkText("strength", m.Strength, 40)...)
	if !slices.Contains(medicineForms, m.Form) {
		errs = append(errs, domain.FieldError("form", "%q is not a form of medicine: one of %s", printable(m.Form), strings.Join(medicineForms, ", ")))
	}
	if !slices.Contains(medicineUnits, m.Unit) {
		errs = append(errs, domain.FieldError("unit", "%q is not a unit: one of %s", printable(m.Unit), strings.Join(medicineUnits, ", ")))
	}
	if m.LowStock.IsNegative() {
		errs = append(errs, domain.FieldError("low_stock", "may not be negative (%s)", m.LowStock))
	}
	if !m.LowStock.Equal(m.LowStock.Round(2)) || m.LowStock.GreaterThan(decimal.NewFromInt(1_000_000)) {
		errs = append(errs, domain.FieldError("low_stock", "%s is not a quantity of at most two decimals under a million", m.LowStock))
	}
	return errs
}

func checkText(field, s string, max int) []*domain.Error {
	switch n := utf8.RuneCountInString(s); {
	case strings.TrimSpace(s) == "":
		return []*domain.Error{domain.FieldError(field, "is required")}
	case n > max:
		return []*domain.Error{domain.FieldError(field, "is longer than %d characters (%d)", max, n)}
	}
	return nil
}

func printable(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return s
}

// CheckQuantity lists the fault of a quantity of stock or a dose: more
// than zero, at most two decimals, under a million.
func CheckQuantity(field string, q decimal.Decimal) []*domain.Error {
	if !q.IsPositive() {
		return []*domain.Error{domain.FieldError(field, "must be more than 0 (%s)", q)}
	}
	if !q.Equal(q.Round(2)) || q.GreaterThanOrEqual(decimal.NewFromInt(1_000_000)) {
		return []*domain.Error{domain.FieldError(field, "%s is not a quantity of at most two decimals under a million", q)}
	}
	return nil
}

// Receipt is a batch as the pharmacy receives it.
type Receipt struct {
	Number       string
	ExpiresOn    time.Time
	Quantity     decimal.Decimal
	SupplierNote string
}

// CheckReceipt lists every fault of a batch received on day today: a batch
// past its expiry is not taken into stock.
func CheckReceipt(r Receipt, today time.Time) []*domain.Error {
	var errs []*domain.Error
	if errs = append(errs, checkText("batch", r.Number, 40)...); len(errs) == 0 && !batchNumber.MatchString(r.Number) {
		errs = append(errs, domain.FieldError("batch", "%q is not a batch number: letters, digits, '.', '-' and '_' only", printable(r.Number)))
	}
	if r.ExpiresOn.IsZero() {
		errs = append(errs, domain.FieldError("expires_on", "is required"))
	} else if r.ExpiresOn.Before(domain.CalendarDay(today)) {
		errs = append(errs, domain.FieldError("expires_on", "batch %s expired on %s; an expired batch is not taken into stock",
			printable(r.Number), r.ExpiresOn.Format(time.DateOnly)))
	}
	errs = append(errs, CheckQuantity("quantity", r.Quantity)...)
	if utf8.RuneCountInString(r.SupplierNote) > 500 {
		errs = append(errs, domain.FieldError("supplier_note", "is longer than 500 characters"))
	}
	return errs
}

// Batch is a batch of a medicine in stock.
type Batch struct {
	ID         int64
	Number     string
	ExpiresOn  time.Time
	Received   decimal.Decimal
	Dispensed  decimal.Decimal
	WrittenOff decimal.Decimal
}

// Stock is what is left of the batch.
func (b Batch) Stock() decimal.Decimal { return b.Received.Sub(b.Dispensed).Sub(b.WrittenOff) }

// Expired reports whether the batch may no longer be given on day: it may
// be given up to and on its expiry date.
func (b Batch) Expired(day time.Time) bool { return b.ExpiresOn.Before(domain.CalendarDay(day)) }

// Expiring reports whether the batch expires within ExpiryWarningDays of
// day (and has not yet).
func (b Batch) Expiring(day time.Time) bool {
	d := domain.CalendarDay(day)
	return !b.Expired(d) && !b.ExpiresOn.After(d.AddDate(0, 0, ExpiryWarningDays))
}

// Warning kinds, in the order the pharmacy reads them.
const (
	WarnExpired  = "expired"   // a batch past its expiry still holds stock: write it off
	WarnExpiring = "expiring"  // a batch expires within ExpiryWarningDays
	WarnLowStock = "low_stock" // the medicine's usable stock is below its threshold
)

// Warning is one thing the pharmacy should act on.
type Warning struct {
	Kind      string
	Batch     string // the batch's number; empty for low stock
	ExpiresOn time.Time
	Stock     decimal.Decimal // the batch's stock, or the medicine's usable stock
}

// UsableStock is the stock of the batches not expired on day.
func UsableStock(batches []Batch, day time.Time) decimal.Decimal {
	sum := decimal.Zero
	for _, b := range batches {
		if !b.Expired(day) {
			sum = sum.Add(b.Stock())
		}
	}
	return sum
}

// Warnings lists a medicine's warnings on day: expired batches with stock,
// batches with stock expiring within ExpiryWarningDays (by expiry), and
// usable stock below the threshold.
func Warnings(m Medicine, batches []Batch, day time.Time) []Warning {
	var out []Warning
	sorted := sortFEFO(batches)
	for _, b := range sorted {
		if b.Stock().IsPositive() && b.Expired(day) {
			out = append(out, Warning{Kind: WarnExpired, Batch: b.Number, ExpiresOn: b.ExpiresOn, Stock: b.Stock()})
		}
	}
	for _, b := range sorted {
		if b.Stock().IsPositive() && b.Expiring(day) {
			out = append(out, Warning{Kind: WarnExpiring, Batch: b.Number, ExpiresOn: b.ExpiresOn, Stock: b.Stock()})
		}
	}
	if s := UsableStock(batches, day); s.LessThan(m.LowStock) {
		out = append(out, Warning{Kind: WarnLowStock, Stock: s})
	}
	return out
}

func sortFEFO(batches []Batch) []Batch {
	out := slices.Clone(batches)
	slices.SortStableFunc(out, func(a, b Batch) int {
		if c := a.ExpiresOn.Compare(b.ExpiresOn); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// PickBatch chooses the batch a dose of qty is given from on day: the
// batch named (by its number) when the nurse names one, else first
// expiring first out (FEFO) among the batches not expired that hold qty.
// A named batch that is expired is invalid (naming the batch and its
// expiry); too little stock is a conflict saying what is left.
func PickBatch(medicine string, batches []Batch, qty decimal.Decimal, day time.Time, named string) (Batch, error) {
	if named != "" {
		for _, b := range batches {
			if b.Number != named {
				continue
			}
			if b.Expired(day) {
				return Batch{}, &domain.Error{Code: domain.CodeInvalid, Field: "batch",
					Message: fmt.Sprintf("batch %s of %s expired on %s; a dose may not be given from it", b.Number, medicine, b.ExpiresOn.Format(time.DateOnly))}
			}
			if b.Stock().LessThan(qty) {
				return Batch{}, domain.Errorf(domain.CodeConflict, "batch %s of %s has %s left; the dose needs %s", b.Number, medicine, b.Stock(), qty)
			}
			return b, nil
		}
		return Batch{}, domain.FieldError("batch", "%q is not a batch of %s", printable(named), medicine)
	}
	sorted := sortFEFO(batches)
	for _, b := range sorted {
		if !b.Expired(day) && b.Stock().GreaterThanOrEqual(qty) {
			return b, nil
		}
	}
	if usable := UsableStock(batches, day); usable.IsPositive() {
		return Batch{}, domain.Errorf(domain.CodeConflict, "no batch of %s holds the dose of %s: %s left in all", medicine, qty, usable)
	}
	for _, b := range sorted {
		if b.Stock().IsPositive() {
			return Batch{}, domain.Errorf(domain.CodeConflict, "%s is out of stock: only batch %s is left, which expired on %s",
				medicine, b.Number, b.ExpiresOn.Format(time.DateOnly))
		}
	}
	return Batch{}, domain.Errorf(domain.CodeConflict, "%s is out of stock", medicine)
}

// batchNumber is the shape of a batch's number: it names the batch in a
// route (POST /api/v1/medicines/{id}/batches/{batch}/write-off).
var batchNumber = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

var timeOfDay = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// ParseTimes checks a prescription's times of day ("08:00"): at least
// one, at most 12, each HH:MM, none twice; returns them in order.
func ParseTimes(times []string) ([]string, []*domain.Error) {
	if len(times) == 0 {
		return nil, []*domain.Error{domain.FieldError("times", "give at least one time of day (HH:MM)")}
	}
	if len(times) > 12 {
		return nil, []*domain.Error{domain.FieldError("times", "at most 12 times of day (%d given)", len(times))}
	}
	var errs []*domain.Error
	out := make([]string, 0, len(times))
	for i, t := range times {
		t = strings.TrimSpace(t)
		switch {
		case !timeOfDay.MatchString(t):
			errs = append(errs, domain.FieldError(fmt.Sprintf("times.%d", i), "%q is not a time of day (HH:MM)", printable(t)))
		case slices.Contains(out, t):
			errs = append(errs, domain.FieldError(fmt.Sprintf("times.%d", i), "%s is given twice", t))
		default:
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, errs
}

// Prescription is what a dose is given by.
type Prescription struct {
	Dose      decimal.Decimal
	Times     []string
	From      time.Time
	Until     *time.Time
	StoppedOn *time.Time
}

// InForce reports whether the prescription is to be given on day: from
// its first day to its last, and before the day it was stopped.
func (p Prescription) InForce(day time.Time) bool {
	d := domain.CalendarDay(day)
	if d.Before(p.From) || (p.Until != nil && d.After(*p.Until)) {
		return false
	}
	return p.StoppedOn == nil || d.Before(*p.StoppedOn)
}
