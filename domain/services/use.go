package services

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// Daily service-use records (issue 23 item 4, docs/service-use.md): a
// provider records each day (or visit, or hour) of service it delivered
// to a person under a referral, by hand, by a CSV file or by its own
// software through the API. A record is never edited: a correction is a
// new record that supersedes the one it corrects, and quantity 0 cancels
// it. The effective records are those nobody superseded with quantity
// above 0; the cost reports count them.

// MaxUseNote is the longest note of a record, in characters.
const MaxUseNote = 500

// MaxUseRows is the most records one file or request carries.
const MaxUseRows = 10000

// MaxVisits is the most visits recorded for one person on one day.
const MaxVisits = 10

// UseHeader is the CSV file's header (schema version 1).
var UseHeader = []string{"jmbg", "service", "day", "quantity", "note", "corrects"}

// UseRow is one record as a provider sends it: the person (by JMBG, or
// the referral by its number: ReferralID, then JMBG is empty), the
// service, the day, the quantity in the contract's unit, a note and the id
// of the record it corrects (0: a new day). Line is where it came from (a
// file's line, a request's item, 1-based) and Where says it in the
// problems ("line 7", "record 3").
type UseRow struct {
	Line       int
	Where      string
	JMBG       domain.JMBG
	ReferralID int64
	Service    string
	Day        time.Time
	Quantity   decimal.Decimal
	Note       string
	Corrects   int64
}

// UseProblem is one fault of a batch of records: its line (0 the whole
// file) and what is wrong.
type UseProblem struct {
	Line    int
	Where   string
	Message string
}

// UseBatch is what a file or a request holds: the rows that read well and
// the problems of those that did not.
type UseBatch struct {
	Rows     []UseRow
	Problems []UseProblem
}

func (b *UseBatch) add(line int, where, format string, args ...any) {
	b.Problems = append(b.Problems, UseProblem{Line: line, Where: where, Message: fmt.Sprintf(format, args...)})
}

// UseError is one invalid-input error listing every problem in the order
// of the lines (the whole file's first), each as a field named by where it
// is; nil when there are none.
func UseError(problems []UseProblem) error {
	if len(problems) == 0 {
		return nil
	}
	sorted := slices.Clone(problems)
	slices.SortStableFunc(sorted, func(a, b UseProblem) int { return cmp.Compare(a.Line, b.Line) })
	fields := make([]*domain.Error, len(sorted))
	parts := make([]string, len(sorted))
	for i, p := range sorted {
		fields[i] = domain.FieldError(p.Where, "%s", p.Message)
		parts[i] = p.Where + ": " + p.Message
	}
	rows := "rows are"
	if len(sorted) == 1 {
		rows = "row is"
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: fmt.Sprintf("nothing was recorded: %d %s wrong: %s", len(sorted), rows, strings.Join(parts, "; ")),
		Fields: fields}
}

// ParseUseCSV reads a file of records (UTF-8, comma, RFC 4180 quoting; a
// byte-order mark is skipped): the header UseHeader, then at most
// MaxUseRows rows. Every row is read; each bad one is a problem naming its
// line, and only the good ones are rows. It never panics on any input.
func ParseUseCSV(data []byte) UseBatch {
	var b UseBatch
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		b.add(0, "file", "is not UTF-8 text")
		return b
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, msg := csvProblem(err)
			b.add(line, "file", "is not CSV from line %d: %s", line, msg)
			return b
		}
		line, _ := r.FieldPos(0)
		if header {
			header = false
			if strings.Join(rec, ",") != strings.Join(UseHeader, ",") {
				b.add(line, fmt.Sprintf("line %d", line), "want the header %s", strings.Join(UseHeader, ","))
				return b
			}
			continue
		}
		if len(b.Rows)+countRowProblems(b.Problems) >= MaxUseRows {
			b.add(line, "file", "has more than %d rows: split it", MaxUseRows)
			return b
		}
		where := fmt.Sprintf("line %d", line)
		if len(rec) != len(UseHeader) {
			b.add(line, where, "has %d fields, want %d (%s)", len(rec), len(UseHeader), strings.Join(UseHeader, ","))
			continue
		}
		b.Row(line, where, rec[0], rec[1], rec[2], rec[3], rec[4], rec[5])
	}
	if header {
		b.add(0, "file", "is empty: want the header %s and a row per record", strings.Join(UseHeader, ","))
	}
	return b
}

func countRowProblems(ps []UseProblem) int {
	n, last := 0, -1
	for _, p := range ps {
		if p.Line != last {
			n, last = n+1, p.Line
		}
	}
	return n
}

func csvProblem(err error) (int, string) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.StartLine, pe.Err.Error()
	}
	return 0, "unreadable"
}

// Row reads one record's fields as text (a file's row, a form, a
// request's item) and adds it to the batch, or every problem of it.
func (b *UseBatch) Row(line int, where, jmbg, service, day, quantity, note, corrects string) {
	bad := len(b.Problems)
	j, _, err := domain.ParseJMBG(strings.TrimSpace(jmbg))
	if err != nil {
		b.add(line, where, "JMBG %q is not a JMBG: %s", clip(jmbg), domain.ErrorMessage(err))
	}
	b.row(UseRow{Line: line, Where: where, JMBG: j}, bad, service, day, quantity, note, corrects)
}

// ReferralRow is Row naming the referral (its number, as the provider's
// page and software know it) instead of the person's JMBG.
func (b *UseBatch) ReferralRow(line int, where string, referral int64, service, day, quantity, note, corrects string) {
	bad := len(b.Problems)
	if referral < 1 {
		b.add(line, where, "referral_id %d is not a referral's number", referral)
	}
	b.row(UseRow{Line: line, Where: where, ReferralID: referral}, bad, service, day, quantity, note, corrects)
}

// row reads the fields but the person's, whose problems (if any) came
// after bad.
func (b *UseBatch) row(row UseRow, bad int, service, day, quantity, note, corrects string) {
	line, where := row.Line, row.Where
	row.Service, row.Note = strings.TrimSpace(service), note
	if _, ok := providers.ServiceByCode(row.Service); !ok {
		b.add(line, where, "service %q is not in the catalogue", clip(service))
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(day))
	if err != nil || d.Year() < 1 { // year 0 parses but is no date PostgreSQL keeps
		b.add(line, where, "day %s is not a date (YYYY-MM-DD)", clip(day))
	}
	row.Day = d
	q, ok := parseQuantity(strings.TrimSpace(quantity))
	if !ok {
		b.add(line, where, "quantity %q is not a number like 1 or 1.25", clip(quantity))
	}
	row.Quantity = q
	if n := utf8.RuneCountInString(note); n > MaxUseNote {
		b.add(line, where, "the note has %d characters, at most %d", n, MaxUseNote)
	} else if !utf8.ValidString(note) || strings.ContainsRune(note, 0) {
		b.add(line, where, "the note has characters that cannot be kept")
	}
	if c := strings.TrimSpace(corrects); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id < 1 {
			b.add(line, where, "corrects %q is not a record's number", clip(corrects))
		}
		row.Corrects = id
	}
	if len(b.Problems) == bad {
		b.Rows = append(b.Rows, row)
	}
}

// parseQuantity reads a quantity written as digits with at most two
// decimals (the column's numeric(6, 2)): no sign, no exponent.
func parseQuantity(s string) (decimal.Decimal, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 4 || len(frac) > 2 || (dot && frac == "") || strings.Trim(whole+frac, "0123456789") != "" {
		return decimal.Decimal{}, false
	}
	q, err := decimal.NewFromString(s)
	return q, err == nil
}

// clip is s cut to 40 characters for a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 40 {
		return s
	}
	return string([]rune(s)[:40]) + "…"
}

// CheckQuantity names what is wrong with quantity q in unit u, or "": a
// day is recorded as 1, visits are a whole number from 1 to MaxVisits,
// hours quarters of an hour from 0.25 to 24. Quantity 0 only cancels (see
// CheckUse).
func CheckQuantity(u Unit, q decimal.Decimal) string {
	switch u {
	case UnitDay:
		if !q.Equal(decimal.NewFromInt(1)) {
			return fmt.Sprintf("a day of service is recorded with quantity 1, not %s", q)
		}
	case UnitVisit:
		if !q.IsInteger() || q.LessThan(decimal.NewFromInt(1)) || q.GreaterThan(decimal.NewFromInt(MaxVisits)) {
			return fmt.Sprintf("visits are a whole number from 1 to %d, not %s", MaxVisits, q)
		}
	case UnitHour:
		quarters := q.Mul(decimal.NewFromInt(4))
		if !quarters.IsInteger() || q.LessThan(decimal.RequireFromString("0.25")) || q.GreaterThan(decimal.NewFromInt(24)) {
			return fmt.Sprintf("hours are quarters of an hour from 0.25 to 24, not %s", q)
		}
	default:
		return fmt.Sprintf("the contract's unit %q is not day, visit or hour", u)
	}
	return ""
}

// UseReferral is what the rules need of the referral a row's person is
// referred under for the row's service: its contract's unit and the days
// the service ran (StartedOn nil: it has not started).
type UseReferral struct {
	ID                 int64
	Unit               Unit
	StartedOn, EndedOn *time.Time
}

// UseOnFile is a record on file: SupersededBy is the record that corrects
// it (0: none).
type UseOnFile struct {
	ID, ReferralID int64
	Day            time.Time
	Quantity       decimal.Decimal
	SupersededBy   int64
}

// Effective reports whether the record counts: nobody superseded it and
// its quantity is above 0.
func (r UseOnFile) Effective() bool { return r.SupersededBy == 0 && r.Quantity.IsPositive() }

// CheckUse lists every problem of rows, each resolved to its referral
// (refs[i] for rows[i]; ID 0: not resolved, its problem said already),
// against the records on file of those referrals and today: the quantity
// in the contract's unit; the day inside the service's days and not in
// the future (of a cancellation only the future); no second effective
// record of a day (on file or in the batch), a correction's neither (it
// corrects the day's record in force, or the day has none); a correction
// names a record of the same referral and day that nobody superseded, once.
func CheckUse(rows []UseRow, refs []UseReferral, onFile []UseOnFile, today time.Time) []UseProblem {
	var b UseBatch
	byID := map[int64]UseOnFile{}
	head := map[useDay]UseOnFile{} // the effective record of a referral's day
	for _, r := range onFile {
		byID[r.ID] = r
		if r.Effective() {
			head[useDay{r.ReferralID, r.Day.Format(time.DateOnly)}] = r
		}
	}
	inBatch := map[useDay]string{}  // where a day is recorded
	corrected := map[int64]string{} // where a record is corrected
	today = domain.CalendarDay(today)
	for i, row := range rows {
		ref := refs[i]
		if ref.ID == 0 {
			continue
		}
		day := row.Day.Format(time.DateOnly)
		before := len(b.Problems)
		cancels := row.Quantity.IsZero() && row.Corrects != 0
		b.checkDay(row, ref, today, cancels)
		if row.Quantity.IsZero() && row.Corrects == 0 {
			b.add(row.Line, row.Where, "quantity 0 only cancels a record: name the record in corrects")
		} else if !row.Quantity.IsZero() {
			if msg := CheckQuantity(ref.Unit, row.Quantity); msg != "" {
				b.add(row.Line, row.Where, "%s", msg)
			}
		}
		key := useDay{ref.ID, day}
		if row.Corrects == 0 {
			if h, ok := head[key]; ok {
				b.add(row.Line, row.Where, "%s is a second record of this person's day: correct record %d instead", day, h.ID)
			} else if w, ok := inBatch[key]; ok && row.Quantity.IsPositive() {
				b.add(row.Line, row.Where, "%s is a second record of this person's day: %s records it already", day, w)
			}
		} else {
			b.checkCorrection(row, ref, byID, corrected)
			if h, ok := head[key]; ok && row.Quantity.IsPositive() && h.ID != row.Corrects {
				b.add(row.Line, row.Where, "%s has record %d in force already: correct that one", day, h.ID)
			} else if w, ok := inBatch[key]; ok && row.Quantity.IsPositive() {
				b.add(row.Line, row.Where, "%s is a second record of this person's day: %s records it already", day, w)
			}
		}
		if row.Quantity.IsPositive() && len(b.Problems) == before {
			if _, ok := inBatch[key]; !ok {
				inBatch[key] = row.Where
			}
		}
	}
	return b.Problems
}

type useDay struct {
	referral int64
	day      string
}

// checkDay: the day inside the service's days and not in the future; a
// cancellation (quantity 0 correcting a record) only removes a record, so
// of it only the future is checked (a service ended back over recorded days
// leaves them to cancel).
func (b *UseBatch) checkDay(row UseRow, ref UseReferral, today time.Time, cancels bool) {
	day := row.Day.Format(time.DateOnly)
	switch {
	case cancels:
	case ref.StartedOn == nil:
		b.add(row.Line, row.Where, "the service of this referral has not started: nothing is recorded before it starts")
	case row.Day.Before(*ref.StartedOn):
		b.add(row.Line, row.Where, "day %s is before the service started on %s", day, ref.StartedOn.Format(time.DateOnly))
	case ref.EndedOn != nil && row.Day.After(*ref.EndedOn):
		b.add(row.Line, row.Where, "day %s is after the service ended on %s", day, ref.EndedOn.Format(time.DateOnly))
	}
	if row.Day.After(today) {
		b.add(row.Line, row.Where, "day %s is in the future", day)
	}
}

func (b *UseBatch) checkCorrection(row UseRow, ref UseReferral, byID map[int64]UseOnFile, corrected map[int64]string) {
	day := row.Day.Format(time.DateOnly)
	old, ok := byID[row.Corrects]
	switch {
	case !ok || old.ReferralID != ref.ID:
		b.add(row.Line, row.Where, "there is no record %d of this person's service to correct", row.Corrects)
	case old.Day.Format(time.DateOnly) != day:
		b.add(row.Line, row.Where, "record %d is of %s, not of %s", old.ID, old.Day.Format(time.DateOnly), day)
	case old.SupersededBy != 0:
		b.add(row.Line, row.Where, "record %d was corrected already by record %d: correct that one", old.ID, old.SupersededBy)
	case corrected[old.ID] != "":
		b.add(row.Line, row.Where, "record %d is corrected by %s already", old.ID, corrected[old.ID])
	default:
		corrected[old.ID] = row.Where
	}
}
