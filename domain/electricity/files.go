package electricity

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// The files' schema version 1 (docs/exchanges.md). Each file is UTF-8 CSV
// (comma, RFC 4180 quoting): a version line (kind, version, month), a
// header, one line per household, and a trailer that states the count.
const (
	ListKind      = "KARTON-EPCG-LIST"
	DiscountsKind = "EPCG-DISCOUNTS"
	Version       = "1"
	Trailer       = "TRAILER"
)

// ListHeader and DiscountsHeader are the columns of version 1.
var (
	ListHeader      = []string{"household_id", "jmbg", "given_name", "family_name", "municipality", "settlement", "street", "category"}
	DiscountsHeader = []string{"household_id", "jmbg", "category", "kwh", "bill_eur", "discount_eur"}
)

// WriteList writes the month's list (schema version 1): the lines in the
// order given and a trailer with the count of lines and the count of each
// category (CATEGORY=n, in Categories' order).
func WriteList(month string, lines []Line) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{ListKind, Version, month}) // a bytes.Buffer does not fail
	_ = w.Write(ListHeader)
	for _, l := range lines {
		_ = w.Write([]string{l.HouseholdID, l.JMBG, l.GivenName, l.FamilyName, l.Municipality, l.Settlement, l.Street, l.Category})
	}
	counts := Counts(lines)
	trailer := []string{Trailer, strconv.Itoa(len(lines))}
	for _, c := range categories {
		trailer = append(trailer, fmt.Sprintf("%s=%d", c.Code, counts[c.Code]))
	}
	_ = w.Write(trailer)
	w.Flush()
	return buf.Bytes()
}

// problems collects a file's faults, each by where it is ("line 7",
// "trailer", "header").
type problems []*domain.Error

func (p *problems) add(where, format string, args ...any) {
	*p = append(*p, domain.FieldError(where, format, args...))
}

func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: fmt.Sprintf("%s has %d problems: %s", what, len(p), joinProblems(p)), Fields: p}
}

func joinProblems(p problems) string {
	parts := make([]string, len(p))
	for i, e := range p {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// records reads a file of kind: its month from the version line, its
// header checked, its rows (each with its line number) and its trailer.
func records(data []byte, kind string, header []string, month string, p *problems) (rows [][]string, at []int, trailer []string) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	var all [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			p.add("file", "not CSV: %v", err)
			return nil, nil, nil
		}
		line, _ := r.FieldPos(0)
		all, lines = append(all, rec), append(lines, line)
	}
	if len(all) == 0 {
		p.add("file", "empty: want a version line %q, a header, the lines and a trailer", kind+","+Version+",YYYY-MM")
		return nil, nil, nil
	}
	if v := all[0]; len(v) != 3 || v[0] != kind || v[1] != Version {
		p.add("line 1", "want the version line %q, not %q", kind+","+Version+",YYYY-MM", strings.Join(v, ","))
	} else if v[2] != month {
		p.add("line 1", "the file is for %q, not for %s", v[2], month)
	}
	if len(all) < 2 || strings.Join(all[1], ",") != strings.Join(header, ",") {
		p.add("line 2", "want the header %q", strings.Join(header, ","))
	}
	if len(all) < 3 || len(all[len(all)-1]) == 0 || all[len(all)-1][0] != Trailer {
		p.add("trailer", "the file has no trailer (%s,<count>,...) as its last line", Trailer)
		if len(all) > 2 {
			return all[2:], lines[2:], nil
		}
		return nil, nil, nil
	}
	return all[2 : len(all)-1], lines[2 : len(all)-1], all[len(all)-1]
}

// ParseList reads a list of month (schema version 1), listing every
// problem: the version line, the header, each line's fields (a JMBG that
// is not one, a category not of Categories, a household twice) and the
// trailer's counts against the lines.
func ParseList(data []byte, month string) ([]Line, error) {
	var p problems
	rows, at, trailer := records(data, ListKind, ListHeader, month, &p)
	out := []Line{}
	seen := map[string]int{}
	for i, rec := range rows {
		where := fmt.Sprintf("line %d", at[i])
		if len(rec) != len(ListHeader) {
			p.add(where, "has %d fields, want %d", len(rec), len(ListHeader))
			continue
		}
		l := Line{HouseholdID: rec[0], JMBG: rec[1], GivenName: rec[2], FamilyName: rec[3], Municipality: rec[4], Settlement: rec[5], Street: rec[6], Category: rec[7]}
		checkHousehold(&p, where, l.HouseholdID, seen, at[i])
		checkJMBG(&p, where, l.JMBG)
		if _, ok := CategoryByCode(l.Category); !ok {
			p.add(where, "category %q is not one of %s", l.Category, categoryCodes())
		}
		if _, ok := domain.MunicipalityByCode(l.Municipality); !ok {
			p.add(where, "municipality %q is not a municipality's code", l.Municipality)
		}
		out = append(out, l)
	}
	if trailer != nil {
		checkListTrailer(&p, trailer, out, len(rows))
	}
	if err := p.err("the list"); err != nil {
		return nil, err
	}
	return out, nil
}

func checkListTrailer(p *problems, trailer []string, lines []Line, rows int) {
	if len(trailer) < 2 || trailer[1] != strconv.Itoa(rows) {
		p.add("trailer", "states %q lines; the file has %d", field(trailer, 1), rows)
	}
	counts := Counts(lines)
	for _, f := range trailer[min(2, len(trailer)):] {
		code, n, _ := strings.Cut(f, "=")
		if _, ok := CategoryByCode(code); !ok {
			p.add("trailer", "%q is not CATEGORY=count of a category", f)
		} else if n != strconv.Itoa(counts[code]) {
			p.add("trailer", "states %s=%s; the file has %d", code, n, counts[code])
		}
	}
}

func field(rec []string, i int) string {
	if i < len(rec) {
		return rec[i]
	}
	return ""
}

func checkHousehold(p *problems, where, id string, seen map[string]int, line int) {
	switch {
	case strings.TrimSpace(id) == "":
		p.add(where, "the household id is empty")
	case seen[id] != 0:
		p.add(where, "household %s is on line %d already", id, seen[id])
	default:
		seen[id] = line
	}
}

func checkJMBG(p *problems, where, jmbg string) {
	if _, _, err := domain.ParseJMBG(jmbg); err != nil {
		p.add(where, "JMBG %q: %s", jmbg, domain.ErrorMessage(err))
	}
}

func categoryCodes() string {
	codes := make([]string, len(categories))
	for i, c := range categories {
		codes[i] = c.Code
	}
	return strings.Join(codes, ", ")
}

// Discount is one line of the company's answer: the discount it took off
// a household's bill for the month.
type Discount struct {
	HouseholdID string
	JMBG        string
	Category    string
	KWh         int
	Bill        decimal.Decimal // the month's bill before the discount, EUR
	Amount      decimal.Decimal // the discount, EUR
}

// WriteDiscounts writes the company's answer (schema version 1), with a
// trailer stating the count of lines and the total discount.
func WriteDiscounts(month string, ds []Discount) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{DiscountsKind, Version, month})
	_ = w.Write(DiscountsHeader)
	total := decimal.Zero
	for _, d := range ds {
		_ = w.Write([]string{d.HouseholdID, d.JMBG, d.Category, strconv.Itoa(d.KWh), d.Bill.StringFixed(2), d.Amount.StringFixed(2)})
		total = total.Add(d.Amount)
	}
	_ = w.Write([]string{Trailer, strconv.Itoa(len(ds)), total.StringFixed(2)})
	w.Flush()
	return buf.Bytes()
}

// ParseDiscounts reads the company's answer for month, listing every
// problem: the version line and header, each line's fields (a JMBG that is
// not one, a category not of Categories, kWh not a whole number, an amount
// not in euros and cents or negative, a discount above the bill, a
// household twice) and the trailer's count and total against the lines.
// Nothing is returned unless the whole file is right.
func ParseDiscounts(data []byte, month string) ([]Discount, error) {
	var p problems
	rows, at, trailer := records(data, DiscountsKind, DiscountsHeader, month, &p)
	out := []Discount{}
	seen := map[string]int{}
	total := decimal.Zero
	for i, rec := range rows {
		where := fmt.Sprintf("line %d", at[i])
		if len(rec) != len(DiscountsHeader) {
			p.add(where, "has %d fields, want %d", len(rec), len(DiscountsHeader))
			continue
		}
		d := Discount{HouseholdID: rec[0], JMBG: rec[1], Category: rec[2]}
		checkHousehold(&p, where, d.HouseholdID, seen, at[i])
		checkJMBG(&p, where, d.JMBG)
		if _, ok := CategoryByCode(d.Category); !ok {
			p.add(where, "category %q is not one of %s", d.Category, categoryCodes())
		}
		kwh, err := strconv.Atoi(rec[3])
		if err != nil || kwh < 0 {
			p.add(where, "kwh %q is not a whole number of kWh", rec[3])
		}
		d.KWh = kwh
		d.Bill = euros(&p, where, "bill_eur", rec[4])
		d.Amount = euros(&p, where, "discount_eur", rec[5])
		if d.Amount.GreaterThan(d.Bill) {
			p.add(where, "the discount %s is more than the bill %s", rec[5], rec[4])
		}
		total = total.Add(d.Amount)
		out = append(out, d)
	}
	if trailer != nil {
		if field(trailer, 1) != strconv.Itoa(len(rows)) {
			p.add("trailer", "states %q lines; the file has %d", field(trailer, 1), len(rows))
		}
		if t, err := decimal.NewFromString(field(trailer, 2)); err != nil || !t.Equal(total) {
			p.add("trailer", "states a total of %q EUR; the lines add up to %s", field(trailer, 2), total.StringFixed(2))
		}
	}
	if err := p.err("the file of discounts"); err != nil {
		return nil, err
	}
	return out, nil
}

// euros reads a non-negative amount in euros with at most two decimals.
func euros(p *problems, where, name, s string) decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil || d.IsNegative() || !d.Round(2).Equal(d) || strings.ContainsAny(s, "eE") {
		p.add(where, "%s %q is not an amount in euros and cents (like 12.50)", name, s)
		return decimal.Zero
	}
	return d
}

// SortDiscounts orders ds by household id.
func SortDiscounts(ds []Discount) {
	sort.Slice(ds, func(i, j int) bool { return ds[i].HouseholdID < ds[j].HouseholdID })
}
