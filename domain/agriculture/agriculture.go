// Package agriculture holds the rules of the monthly file of the farmers'
// old-age allowance (staračka naknada) the Ministry of Agriculture sends
// (DOMAIN.md §7.3, issue 21 item 6): its format, versioned, and the checks
// of its rows and totals. The allowance excludes the MO and the MO excludes
// it, so each allowance paid becomes evidence for the MO's income test and
// a person holding an MO right in force that month is a conflict for their
// centre. It does no I/O; the checks that need the registers (a JMBG
// nobody registered, a month already imported) are the store's.
//
// Format karton-agri-v1 (docs/exchanges.md), UTF-8, lines ending in LF or
// CRLF, fields separated by semicolons:
//
//	#karton-agri-v1
//	jmbg;amount;period
//	0101950215004;207.45;2026-11
//	...
//	#total;<rows>;<sum of amounts>
package agriculture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// FormatV1 is the first line of a file in format version 1.
const FormatV1 = "karton-agri-v1"

// Formats lists the versions this package reads, oldest first.
var Formats = []string{FormatV1}

// Header is the column line of version 1.
const Header = "jmbg;amount;period"

// MaxAmount is the most one row may pay a month: far above the allowance
// (EUR 207.45 in 2023, DOMAIN.md §7.3), so that only a typing error or a
// wrong unit (cents) trips it.
var MaxAmount = decimal.NewFromInt(2000)

// MaxRows is the most rows a file may hold (some 3,300 recipients in 2023).
const MaxRows = 50000

// Row is one allowance paid: to whom, how much, for which month. Line is
// the row's line in the file (the first line is 1).
type Row struct {
	Line   int
	JMBG   domain.JMBG
	Amount decimal.Decimal
	Period domain.Month
}

// File is a file that passed the format's checks.
type File struct {
	Format string
	Period domain.Month // every row's month
	Rows   []Row
	Total  decimal.Decimal
	Hash   string // hex SHA-256 of the bytes as received
}

// Hash is the hex SHA-256 of a file's bytes: its identity, so that the
// same file imported twice is recognised.
func Hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Parse reads a file and checks everything that needs no register: the
// version line, the column line, each row (JMBG with its check digit,
// amount, month), one month for the whole file, no JMBG twice, and the
// trailer's count and sum against the rows. It returns every fault found,
// each naming its line ("line 4.jmbg"); a file with any fault is refused
// whole (the caller imports nothing).
func Parse(b []byte) (File, []*domain.Error) {
	f := File{Hash: Hash(b), Total: decimal.Zero}
	var faults []*domain.Error
	fault := func(line int, field, format string, args ...any) {
		name := fmt.Sprintf("line %d", line)
		if field != "" {
			name += "." + field
		}
		faults = append(faults, domain.FieldError(name, format, args...))
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return f, []*domain.Error{domain.FieldError("file", "is empty: a file starts with the line #%s", FormatV1)}
	}
	version := strings.TrimPrefix(strings.TrimSpace(lines[0]), "#")
	if !strings.HasPrefix(strings.TrimSpace(lines[0]), "#") || version != FormatV1 {
		return f, []*domain.Error{domain.FieldError("line 1", "%q is not a known format version: the first line must be #%s",
			short(lines[0]), strings.Join(Formats, " or #"))}
	}
	f.Format = version
	if len(lines) < 2 || !strings.EqualFold(strings.ReplaceAll(strings.TrimSpace(lines[1]), " ", ""), Header) {
		got := ""
		if len(lines) >= 2 {
			got = lines[1]
		}
		fault(2, "", "%q is not the column line: it must be %s", short(got), Header)
	}
	last := len(lines) - 1
	trailer := strings.TrimSpace(lines[last])
	if last < 2 || !strings.HasPrefix(strings.ToLower(trailer), "#total") {
		last = len(lines) // no trailer: every line after the column line is a row
		fault(last+1, "", "the file must end with the line #total;<rows>;<sum of amounts>")
	}
	seen := map[domain.JMBG]int{}
	periods := map[string]int{}
	for i := 2; i < last && i < len(lines); i++ {
		line := i + 1
		if strings.TrimSpace(lines[i]) == "" {
			fault(line, "", "is empty: rows may not be blank")
			continue
		}
		if len(f.Rows)+len(faults) > MaxRows {
			fault(line, "", "the file has more than %d rows", MaxRows)
			break
		}
		r, ok := parseRow(line, lines[i], fault)
		if !ok {
			continue
		}
		if first, dup := seen[r.JMBG]; dup {
			fault(line, "jmbg", "the same JMBG as line %d: one row per person and month", first)
			continue
		}
		seen[r.JMBG] = line
		if _, ok := periods[r.Period.String()]; !ok {
			periods[r.Period.String()] = line
			if len(periods) == 1 {
				f.Period = r.Period
			}
		}
		if r.Period != f.Period {
			fault(line, "period", "is %s but line %d is %s: a file holds one month", r.Period, periods[f.Period.String()], f.Period)
			continue
		}
		f.Rows = append(f.Rows, r)
		f.Total = f.Total.Add(r.Amount)
	}
	if last < len(lines) {
		checkTrailer(last+1, trailer, f, faults == nil, fault)
	}
	if len(f.Rows) == 0 && faults == nil {
		fault(3, "", "the file has no rows")
	}
	return f, faults
}

// parseRow reads one row; ok is false when it has a fault (reported).
func parseRow(line int, text string, fault func(int, string, string, ...any)) (Row, bool) {
	cols := strings.Split(text, ";")
	if len(cols) != 3 {
		fault(line, "", "has %d fields: a row is jmbg;amount;period", len(cols))
		return Row{}, false
	}
	r := Row{Line: line}
	ok := true
	j, _, err := domain.ParseJMBG(strings.TrimSpace(cols[0]))
	if err != nil {
		fault(line, "jmbg", "%s", domain.ErrorMessage(err))
		ok = false
	}
	r.JMBG = j
	amount, err := decimal.NewFromString(strings.TrimSpace(cols[1]))
	switch {
	case err != nil || strings.ContainsAny(cols[1], "eE"):
		fault(line, "amount", "%q is not an amount in euros (e.g. 207.45, a point before the cents)", short(cols[1]))
		ok = false
	case !amount.IsPositive():
		fault(line, "amount", "must be more than zero")
		ok = false
	case amount.Exponent() < -2:
		fault(line, "amount", "has more than two decimals")
		ok = false
	case amount.GreaterThan(MaxAmount):
		fault(line, "amount", "%s is more than %s a month: is it in cents?", amount.StringFixed(2), MaxAmount.StringFixed(2))
		ok = false
	}
	r.Amount = amount
	m, err := domain.ParseMonth(strings.TrimSpace(cols[2]))
	if err != nil {
		fault(line, "period", "%q is not a month (YYYY-MM)", short(cols[2]))
		ok = false
	}
	r.Period = m
	return r, ok
}

// checkTrailer compares the trailer's count and sum with the rows; the
// comparison is made only when every row was read (rowsOK), else the sums
// would differ for faults already listed.
func checkTrailer(line int, trailer string, f File, rowsOK bool, fault func(int, string, string, ...any)) {
	cols := strings.Split(trailer, ";")
	if len(cols) != 3 {
		fault(line, "", "the trailer must be #total;<rows>;<sum of amounts>")
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(cols[1]))
	if err != nil || n < 0 {
		fault(line, "rows", "%q is not a count of rows", short(cols[1]))
	} else if rowsOK && n != len(f.Rows) {
		fault(line, "rows", "says %d rows, the file has %d", n, len(f.Rows))
	}
	sum, err := decimal.NewFromString(strings.TrimSpace(cols[2]))
	if err != nil {
		fault(line, "total", "%q is not an amount in euros", short(cols[2]))
	} else if rowsOK && !sum.Equal(f.Total) {
		fault(line, "total", "says %s, the rows add up to %s", sum.StringFixed(2), f.Total.StringFixed(2))
	}
}

// short cuts what a message quotes from the file to 40 characters.
func short(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// Write renders rows as a file in format version 1, with its trailer (the
// simulator's and the tests' files).
func Write(rows []Row) []byte {
	var b strings.Builder
	b.WriteString("#" + FormatV1 + "\n" + Header + "\n")
	total := decimal.Zero
	for _, r := range rows {
		fmt.Fprintf(&b, "%s;%s;%s\n", r.JMBG, r.Amount.StringFixed(2), r.Period)
		total = total.Add(r.Amount)
	}
	fmt.Fprintf(&b, "#total;%d;%s\n", len(rows), total.StringFixed(2))
	return []byte(b.String())
}

// Conflict is a person paid the farmers' allowance for a month while
// holding an MO right in force in it: the two exclude each other
// (DOMAIN.md §7.3), and the person's centre looks at the case.
type Conflict struct {
	PersonID      domain.PersonID
	CentreID      string
	Period        domain.Month
	EntitlementID string // the MO right in force
}

// Fact is the evidence an allowance row becomes: the agriculture source's
// fact with the allowance paid that month and the premiums the current
// record states (kept, since the file says nothing of them).
func Fact(amount decimal.Decimal, current *domain.AgricultureFact) domain.AgricultureFact {
	f := domain.AgricultureFact{FarmerAllowance: amount, PremiumsYearly: decimal.Zero}
	if current != nil {
		f.PremiumsYearly = current.PremiumsYearly
	}
	return f
}
