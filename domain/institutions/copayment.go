package institutions

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// The co-payment of a placement (issue 22, DOMAIN.md §7.1): who pays the
// monthly cost of a bed. GUESS throughout: the law says the resident and
// the relatives obliged to keep them pay from their income and the state
// the rest; the shares below are our reading until the ministry's rulebook
// is at hand.
//   - The resident pays from their monthly income up to the cost, keeping
//     pocket money: PocketShare of the income, at least PocketMinimum (all
//     of it when the income is smaller).
//   - Each legally obliged relative (a spouse, a child) pays from the part
//     of their income above a protected amount, ProtectedFactor times the
//     MO amount for a single person (parameter mo.threshold.size_1), up to
//     the cost still unpaid, in the order given.
//   - The state pays the rest.
var (
	PocketShare     = decimal.RequireFromString("0.20") // GUESS
	PocketMinimum   = decimal.RequireFromString("30.00")
	ProtectedFactor = decimal.RequireFromString("1.5") // GUESS
)

// Relative is a member of the resident's family and their monthly income.
type Relative struct {
	PersonID domain.PersonID `json:"person_id"`
	Relation domain.Relation `json:"relation"` // to the resident: spouse, child (obliged); others are not
	Income   decimal.Decimal `json:"income"`
}

// CoPaymentInput is what the co-payment is reckoned from: the monthly cost
// of the bed, the resident's monthly income (all sources), the relatives
// and the MO amount for a single person on the day of the decision.
type CoPaymentInput struct {
	MonthlyCost    decimal.Decimal `json:"monthly_cost"`
	ResidentIncome decimal.Decimal `json:"resident_income"`
	Relatives      []Relative      `json:"relatives"`
	SingleMO       decimal.Decimal `json:"single_mo"`
}

// Payer is who a line of the co-payment is charged to.
const (
	PayerResident = "resident"
	PayerRelative = "relative"
	PayerState    = "state"
)

// Line is one payer's share of the monthly cost, explained in Montenegrin
// and English. The amounts of a co-payment's lines add up to the cost to
// the cent.
type Line struct {
	Payer    string          `json:"payer"`
	PersonID domain.PersonID `json:"person_id,omitempty"`
	Cnr      string          `json:"cnr"`
	En       string          `json:"en"`
	Amount   decimal.Decimal `json:"amount"`
}

// CoPayment is the reckoning: the resident's share, the relatives' shares
// (together), the state's, and the lines.
type CoPayment struct {
	Resident  decimal.Decimal `json:"resident"`
	Relatives decimal.Decimal `json:"relatives"`
	State     decimal.Decimal `json:"state"`
	Lines     []Line          `json:"lines"`
}

// Total is what the resident and the relatives pay together: the
// placement's co-payment.
func (c CoPayment) Total() decimal.Decimal { return c.Resident.Add(c.Relatives) }

// Obliged reports whether a relative of relation r is obliged by law to
// keep the resident (GUESS: the spouse and the children).
func Obliged(r domain.Relation) bool { return r == domain.RelationSpouse || r == domain.RelationChild }

// Check lists every problem of the input; nil when there is none.
func (in CoPaymentInput) Check() error {
	var errs []string
	if !in.MonthlyCost.IsPositive() {
		errs = append(errs, "monthly_cost must be more than 0")
	}
	if in.ResidentIncome.IsNegative() {
		errs = append(errs, "the resident's income may not be negative")
	}
	if in.SingleMO.IsNegative() {
		errs = append(errs, "the MO amount may not be negative")
	}
	for i, r := range in.Relatives {
		if r.Income.IsNegative() {
			errs = append(errs, fmt.Sprintf("relatives[%d]: income may not be negative", i))
		}
		if !domain.ValidRelation(r.Relation) {
			errs = append(errs, fmt.Sprintf("relatives[%d]: %q is not a relation", i, r.Relation))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// CoPay reckons the co-payment of in, rounded to the cent.
func CoPay(in CoPaymentInput) (CoPayment, error) {
	if err := in.Check(); err != nil {
		return CoPayment{}, err
	}
	cost := in.MonthlyCost.Round(2)
	income := in.ResidentIncome.Round(2)
	pocket := decimal.Max(income.Mul(PocketShare).Round(2), PocketMinimum)
	pocket = decimal.Min(pocket, income)
	resident := decimal.Min(cost, income.Sub(pocket))
	out := CoPayment{Resident: resident, Relatives: decimal.Zero}
	out.Lines = append(out.Lines, Line{Payer: PayerResident, Amount: resident,
		Cnr: fmt.Sprintf("Korisnik: prihod %s, zadržava za lične potrebe %s (20%% prihoda, najmanje %s), plaća %s",
			cnrMoney(income), cnrMoney(pocket), cnrMoney(PocketMinimum), cnrMoney(resident)),
		En: fmt.Sprintf("Resident: income %s, keeps as pocket money %s (20%% of the income, at least %s), pays %s",
			enMoney(income), enMoney(pocket), enMoney(PocketMinimum), enMoney(resident))})
	left := cost.Sub(resident)
	protected := in.SingleMO.Mul(ProtectedFactor).Round(2)
	for _, r := range in.Relatives {
		l := relativeLine(r, protected, left)
		out.Relatives = out.Relatives.Add(l.Amount)
		left = left.Sub(l.Amount)
		out.Lines = append(out.Lines, l)
	}
	out.State = left
	out.Lines = append(out.Lines, Line{Payer: PayerState, Amount: left,
		Cnr: fmt.Sprintf("Država plaća ostatak cijene smještaja od %s: %s", cnrMoney(cost), cnrMoney(left)),
		En:  fmt.Sprintf("The state pays the rest of the cost of %s: %s", enMoney(cost), enMoney(left))})
	return out, nil
}

// relativeLine is a relative's share: from the income above protected, up
// to left; nothing from one the law does not oblige.
func relativeLine(r Relative, protected, left decimal.Decimal) Line {
	cnrRel, enRel := relationWords(r.Relation)
	income := r.Income.Round(2)
	if !Obliged(r.Relation) {
		return Line{Payer: PayerRelative, PersonID: r.PersonID, Amount: decimal.Zero,
			Cnr: fmt.Sprintf("%s: nije zakonski obavezan/na da izdržava korisnika, plaća %s", cnrRel, cnrMoney(decimal.Zero)),
			En:  fmt.Sprintf("%s: not obliged by law to keep the resident, pays %s", enRel, enMoney(decimal.Zero))}
	}
	share := decimal.Min(left, decimal.Max(decimal.Zero, income.Sub(protected)))
	return Line{Payer: PayerRelative, PersonID: r.PersonID, Amount: share,
		Cnr: fmt.Sprintf("%s: prihod %s, zaštićeni iznos %s (1,5 × iznos materijalnog obezbjeđenja za pojedinca), plaća %s",
			cnrRel, cnrMoney(income), cnrMoney(protected), cnrMoney(share)),
		En: fmt.Sprintf("%s: income %s, protected amount %s (1.5 × the financial assistance for a single person), pays %s",
			enRel, enMoney(income), enMoney(protected), enMoney(share))}
}

func relationWords(r domain.Relation) (cnr, en string) {
	switch r {
	case domain.RelationSpouse:
		return "Bračni drug", "Spouse"
	case domain.RelationChild:
		return "Dijete", "Child"
	case domain.RelationParent:
		return "Roditelj", "Parent"
	case domain.RelationSibling:
		return "Brat ili sestra", "Sibling"
	}
	return "Srodnik", "Relative"
}

// cnrMoney says an amount as Montenegrin writes it: 1.234,50 €.
func cnrMoney(d decimal.Decimal) string {
	s := d.StringFixed(2)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	out := b.String() + "," + frac + " €"
	if neg {
		out = "-" + out
	}
	return out
}

// enMoney says an amount in English: EUR 1,234.50.
func enMoney(d decimal.Decimal) string {
	s := d.StringFixed(2)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := "EUR " + b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}
