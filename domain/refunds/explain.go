package refunds

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/karton-social/karton/domain/benefits"
)

// Phrase is a piece of an explanation: a key of the catalogue below and
// its arguments (numbers, months, dates as YYYY-MM-DD, which Montenegrin
// says as DD.MM.YYYY.; an argument "@key" is another phrase, said in the
// same language).
type Phrase struct {
	Key  string   `json:"key"`
	Args []string `json:"args,omitempty"`
}

func say(key string, args ...any) Phrase {
	p := Phrase{Key: key}
	for _, a := range args {
		p.Args = append(p.Args, fmt.Sprint(a))
	}
	return p
}

// In says the phrase in lang (en, or cnr for anything else). A key the
// catalogue does not know is said as its arguments.
func (p Phrase) In(lang string) string {
	t, ok := phrases[p.Key]
	if !ok {
		return strings.Join(p.Args, " ")
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		if k, nested := strings.CutPrefix(a, "@"); nested {
			a = Phrase{Key: k}.In(lang)
		} else if lang != "en" {
			a = cnrValue(a)
		}
		args[i] = a
	}
	if lang == "en" {
		return fmt.Sprintf(t[1], args...)
	}
	return fmt.Sprintf(t[0], args...)
}

// Line is one step of a calculation: what it is, its value and where the
// figure comes from.
type Line struct {
	What   Phrase `json:"what"`
	Value  string `json:"value"`
	Source Phrase `json:"source"`
}

// In says the line in lang.
func (l Line) In(lang string) (what, value, source string) {
	return l.What.In(lang), SayValue(l.Value, lang), l.Source.In(lang)
}

// SayValue says a value of a line in lang: in Montenegrin a date as
// DD.MM.YYYY., a month as MM.YYYY. and a decimal with the decimal comma;
// in English as it is.
func SayValue(v, lang string) string {
	if lang == "en" {
		return v
	}
	return benefits.SayValue(cnrValue(v), lang)
}

var (
	isoDate  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	isoMonth = regexp.MustCompile(`^\d{4}-\d{2}$`)
	decimalV = regexp.MustCompile(`^-?\d+\.\d+$`)
)

// cnrValue says a date, a month or a decimal the Montenegrin way.
func cnrValue(a string) string {
	switch {
	case isoDate.MatchString(a):
		if t, err := time.Parse(time.DateOnly, a); err == nil {
			return t.Format("02.01.2006.")
		}
	case isoMonth.MatchString(a):
		if t, err := time.Parse("2006-01", a); err == nil {
			return t.Format("01.2006.")
		}
	case decimalV.MatchString(a):
		return strings.Replace(a, ".", ",", 1)
	}
	return a
}

// phrases are the catalogue: Montenegrin, English.
var phrases = map[string][2]string{
	// sources
	"src.pension":  {"Fond PIO, obrazac M4", "Pension Fund, form M4"},
	"src.tax":      {"Uprava prihoda, IOPPD/JPR", "Tax Administration, IOPPD/JPR"},
	"src.health":   {"Fond za zdravstveno osiguranje, doznake", "Health Insurance Fund, sick-leave certificates"},
	"src.register": {"Centralni registar stanovništva", "Central population register"},
	"src.employer": {"poslodavac (izvod banke)", "employer (bank statement)"},
	"src.law":      {"Zakon o socijalnoj i dječjoj zaštiti", "Law on Social and Child Protection"},
	"src.leave":    {"prijava odsustva", "the leave as filed"},
	"src.calc":     {"obračun", "calculation"},
	// the leave's assessment
	"leave.kind.maternity":         {"porodiljsko odsustvo", "maternity leave"},
	"leave.kind.parental":          {"roditeljsko odsustvo", "parental leave"},
	"leave.kind.parental_transfer": {"roditeljsko odsustvo drugog roditelja", "parental leave taken over by the other parent"},
	"leave.kind.half_time":         {"rad sa polovinom punog radnog vremena", "half-time work"},
	"leave.period":                 {"Odsustvo od %s do %s (%s)", "Leave from %s to %s (%s)"},
	"leave.birth":                  {"Datum rođenja djeteta", "The child's date of birth"},
	"leave.insured_months":         {"Mjeseci neprekidnog osiguranja do početka odsustva (%s)", "Months of continuous insurance up to the leave's start (%s)"},
	"leave.insured_since":          {"Neprekidno osiguranje traje od", "Continuous insurance since"},
	"leave.rate":                   {"Stopa refundacije (100%% od 12 mjeseci osiguranja, 70%% od 6, 50%% od 3, ništa ispod 3)", "Refund rate (100%% from 12 months of insurance, 70%% from 6, 50%% from 3, none below 3)"},
	"leave.salary_month":           {"Bruto zarada za %s", "Gross salary for %s"},
	"leave.salary_average":         {"Prosječna bruto zarada za %s mjeseci sa zaradom od %s do %s", "Average gross salary over the %s months with a salary from %s to %s"},
	// refusals of a leave
	"leave.refused.insurance": {"Zaposleni je neprekidno osiguran %s mjeseci prije odsustva, manje od 3: refundacija ne pripada.",
		"The employee was continuously insured for %s months before the leave, fewer than 3: no refund is due."},
	"leave.refused.salary": {"Uprava prihoda ne bilježi zaradu zaposlenog u 12 mjeseci prije odsustva: nema osnova za refundaciju.",
		"The tax administration records no salary of the employee in the 12 months before the leave: there is no base for a refund."},
	"leave.refused.birth": {"Centralni registar stanovništva ne potvrđuje rođenje djeteta %s.",
		"The population register does not confirm the child's birth on %s."},
	// a month
	"month.days":         {"Dana odsustva u mjesecu %s (od %s do %s)", "Days of leave in %s (from %s to %s)"},
	"month.days_total":   {"Dana u mjesecu %s", "Days in %s"},
	"month.certified":    {"Dana odsustva potvrđenih doznakama", "Days of leave the certificates cover"},
	"month.compensation": {"Naknada zarade: prosječna bruto zarada × %s / %s dana", "Salary compensation: average gross salary × %s / %s days"},
	"month.half":         {"Naknada za rad sa polovinom radnog vremena: polovina naknade", "Half-time work: half the compensation"},
	"month.refund":       {"Refundacija: naknada × %s%%", "Refund: the compensation × %s%%"},
	"month.paid":         {"Isplaćena naknada zarade za %s, kako je prijavio poslodavac", "Salary compensation paid for %s, as the employer states"},
	"month.tolerance":    {"Dozvoljeno odstupanje isplaćenog od obračunatog (2%%, najmanje 5,00 €)", "Tolerance between paid and calculated (2%%, at least EUR 5.00)"},
	"month.none":         {"U mjesecu %s nema dana odsustva", "There is no day of leave in %s"},
	// discrepancies
	"diff.uncertified": {"Doznake Fonda za zdravstveno osiguranje pokrivaju %s od %s dana odsustva u mjesecu.",
		"The health fund's certificates cover %s of the %s days of leave in the month."},
	"diff.salary": {"Isplaćena naknada %s € razlikuje se od obračunate %s € za %s €, više od dozvoljenih %s €.",
		"The compensation paid, EUR %s, differs from the EUR %s calculated by EUR %s, more than the EUR %s allowed."},
	"diff.no_days": {"U mjesecu nema dana odsustva: odsustvo je završeno %s.", "The month has no day of leave: the leave ended on %s."},
}

// Known reports whether the catalogue has key.
func Known(key string) bool { _, ok := phrases[key]; return ok }
