package services_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/services"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func messages(ps []services.UseProblem) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Where+": "+p.Message)
	}
	return strings.Join(out, "\n")
}

// TestParseUseCSV: a file's good rows are read with their lines; every
// bad row is listed with its line and what is wrong, at once.
func TestParseUseCSV(t *testing.T) {
	file := "\xef\xbb\xbfjmbg,service,day,quantity,note,corrects\n" +
		"0101900350008,day_care_disability,2026-11-02,1,,\n" +
		"0101900350008,day_care_disability,2026-11-03,1,\"came late, left early\",\n" +
		"0101900350007,day_care_disability,2026-11-04,1,,\n" +
		"0101900350008,day_care,2026-11-31,x,,\n" +
		"0101900350008,day_care_disability,2026-11-05,1,,41\n" +
		"0101900350008,day_care_disability,2026-11-06,1\n" +
		"0101900350008,day_care_disability,2026-11-09,1e9,," + strings.Repeat("x", 0) + "\n" +
		"0101900350008,day_care_disability,2026-11-10,1," + strings.Repeat("ž", 501) + ",\n" +
		"0101900350008,day_care_disability,2026-11-11,0.5,,-3\n"
	b := services.ParseUseCSV([]byte(file))
	if len(b.Rows) != 3 || b.Rows[0].Line != 2 || b.Rows[1].Note != "came late, left early" || b.Rows[2].Corrects != 41 ||
		!b.Rows[0].Day.Equal(day("2026-11-02")) || !b.Rows[0].Quantity.Equal(decimal.NewFromInt(1)) || b.Rows[0].JMBG != "0101900350008" {
		t.Fatalf("rows = %+v", b.Rows)
	}
	want := []string{
		`line 4: JMBG "0101900350007" is not a JMBG: check digit is 7, expected 8`,
		`line 5: service "day_care" is not in the catalogue`,
		`line 5: day 2026-11-31 is not a date (YYYY-MM-DD)`,
		`line 5: quantity "x" is not a number like 1 or 1.25`,
		`line 7: has 4 fields, want 6 (jmbg,service,day,quantity,note,corrects)`,
		`line 8: quantity "1e9" is not a number like 1 or 1.25`,
		`line 9: the note has 501 characters, at most 500`,
		`line 10: corrects "-3" is not a record's number`,
	}
	if got := messages(b.Problems); got != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	err := services.UseError(b.Problems)
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.CodeInvalid || len(e.Fields) != 8 || e.Fields[0].Field != "line 4" ||
		!strings.HasPrefix(e.Message, "nothing was recorded: 8 rows are wrong: line 4: JMBG") {
		t.Fatalf("UseError = %#v", err)
	}
	if services.UseError(nil) != nil {
		t.Fatal("no problems, an error")
	}
}

// TestParseUseCSVFile: the whole file's faults (not UTF-8, not CSV, no or
// another header, empty, too many rows) stop the reading with one problem.
func TestParseUseCSVFile(t *testing.T) {
	header := strings.Join(services.UseHeader, ",") + "\n"
	for name, c := range map[string]struct{ file, want string }{
		"empty":      {"", "file: is empty: want the header jmbg,service,day,quantity,note,corrects and a row per record"},
		"header":     {"jmbg;service;day\n", "line 1: want the header jmbg,service,day,quantity,note,corrects"},
		"not utf-8":  {header + "\xff\xfe,a,b,c,d,e\n", "file: is not UTF-8 text"},
		"not csv":    {header + "0101900350008,\"day_care_disability,2026-11-02,1,,\n", "file: is not CSV from line 2: extraneous or missing \" in quoted-field"},
		"rows":       {header + strings.Repeat("0101900350008,day_care_disability,2026-11-02,1,,\n", services.MaxUseRows+1), fmt.Sprintf("file: has more than %d rows: split it", services.MaxUseRows)},
		"only heads": {header, ""},
	} {
		b := services.ParseUseCSV([]byte(c.file))
		if got := messages(b.Problems); got != c.want {
			t.Errorf("%s: problems %q; want %q", name, got, c.want)
		}
	}
}

func TestCheckQuantity(t *testing.T) {
	for _, c := range []struct {
		unit services.Unit
		q    string
		ok   bool
	}{
		{services.UnitDay, "1", true}, {services.UnitDay, "1.00", true}, {services.UnitDay, "2", false}, {services.UnitDay, "0.5", false},
		{services.UnitVisit, "1", true}, {services.UnitVisit, "10", true}, {services.UnitVisit, "11", false}, {services.UnitVisit, "1.5", false},
		{services.UnitHour, "0.25", true}, {services.UnitHour, "7.75", true}, {services.UnitHour, "24", true}, {services.UnitHour, "0.2", false},
		{services.UnitHour, "24.25", false}, {services.UnitHour, "0", false}, {"week", "1", false},
	} {
		if msg := services.CheckQuantity(c.unit, decimal.RequireFromString(c.q)); (msg == "") != c.ok {
			t.Errorf("CheckQuantity(%s, %s) = %q; want ok %v", c.unit, c.q, msg, c.ok)
		}
	}
}

// TestCheckUse: the day inside the service's days and not in the future;
// a referral not started takes no record; a second record of a day (on
// file or earlier in the batch) is a duplicate naming the record to
// correct; a correction names a record of the same referral and day that
// nobody superseded, once; quantity 0 only cancels.
func TestCheckUse(t *testing.T) {
	started, ended := day("2026-11-02"), day("2026-11-27")
	ref := services.UseReferral{ID: 7, Unit: services.UnitDay, StartedOn: &started, EndedOn: &ended}
	notYet := services.UseReferral{ID: 8, Unit: services.UnitDay}
	hours := services.UseReferral{ID: 9, Unit: services.UnitHour, StartedOn: &started}
	one := decimal.NewFromInt(1)
	onFile := []services.UseOnFile{
		{ID: 41, ReferralID: 7, Day: day("2026-11-03"), Quantity: one},
		{ID: 42, ReferralID: 7, Day: day("2026-11-04"), Quantity: one, SupersededBy: 43},
		{ID: 43, ReferralID: 7, Day: day("2026-11-04"), Quantity: decimal.Zero},
		{ID: 50, ReferralID: 9, Day: day("2026-11-03"), Quantity: decimal.NewFromInt(2)},
	}
	row := func(line int, d, q string, corrects int64) services.UseRow {
		return services.UseRow{Line: line, Where: fmt.Sprintf("line %d", line), Day: day(d), Quantity: decimal.RequireFromString(q), Corrects: corrects}
	}
	rows := []services.UseRow{
		row(2, "2026-11-05", "1", 0),  // good
		row(3, "2026-11-01", "1", 0),  // before the start
		row(4, "2026-11-28", "1", 0),  // after the end
		row(5, "2026-11-03", "1", 0),  // a second record of 41's day
		row(6, "2026-11-05", "1", 0),  // a second record of line 2's day
		row(7, "2026-11-03", "0", 41), // cancels 41: good
		row(8, "2026-11-03", "0", 41), // 41 again
		row(9, "2026-11-04", "1", 42), // 42 was superseded
		row(10, "2026-11-06", "1", 41),
		row(11, "2026-11-06", "2", 0),
		row(12, "2026-11-06", "0", 0),
		row(13, "2026-11-06", "1", 50), // another referral's record
		row(14, "2026-11-04", "1", 0),  // after a cancellation: a new day
		row(15, "2026-11-10", "1", 0),  // not started
		row(16, "2026-12-02", "7.5", 0),
		row(17, "2026-11-03", "1.5", 50), // corrects 50: good
	}
	refs := []services.UseReferral{ref, ref, ref, ref, ref, ref, ref, ref, ref, ref, ref, ref, ref, notYet, hours, hours}
	got := messages(services.CheckUse(rows, refs, onFile, day("2026-12-01").Add(9*time.Hour)))
	want := strings.Join([]string{
		"line 3: day 2026-11-01 is before the service started on 2026-11-02",
		"line 4: day 2026-11-28 is after the service ended on 2026-11-27",
		"line 5: 2026-11-03 is a second record of this person's day: correct record 41 instead",
		"line 6: 2026-11-05 is a second record of this person's day: line 2 records it already",
		"line 8: record 41 is corrected by line 7 already",
		"line 9: record 42 was corrected already by record 43: correct that one",
		"line 10: record 41 is of 2026-11-03, not of 2026-11-06",
		"line 11: a day of service is recorded with quantity 1, not 2",
		"line 12: quantity 0 only cancels a record: name the record in corrects",
		"line 13: there is no record 50 of this person's service to correct",
		"line 15: the service of this referral has not started: nothing is recorded before it starts",
		"line 16: day 2026-12-02 is in the future",
	}, "\n")
	if got != want {
		t.Fatalf("CheckUse:\n%s\nwant:\n%s", got, want)
	}
	if !onFile[0].Effective() || onFile[1].Effective() || onFile[2].Effective() {
		t.Fatal("effective: not superseded and quantity above 0")
	}
}

// FuzzParseUseCSV: whatever the file, the reader never panics, each row
// it accepts is a well-formed record, and each problem names where it is.
func FuzzParseUseCSV(f *testing.F) {
	header := strings.Join(services.UseHeader, ",") + "\n"
	for _, s := range []string{"", header, header + "0101900350008,day_care_disability,2026-11-02,1,,\n",
		header + "0101900350008,day_care_disability,2026-11-31,1e999999999,\"a\"\"b\",9\n", header + "\"\n", "\xef\xbb\xbf" + header + ",,,,,\n",
		header + "0101900350008,home_help_elderly,2026-11-02,10.25,x,-1\n", "a,b\nc\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b := services.ParseUseCSV(data)
		for _, r := range b.Rows {
			if r.Line < 2 || r.Where == "" || r.Day.IsZero() || r.Quantity.IsNegative() || r.Corrects < 0 {
				t.Fatalf("row %+v", r)
			}
			if _, _, err := domain.ParseJMBG(string(r.JMBG)); err != nil {
				t.Fatalf("row %+v with a bad JMBG", r)
			}
		}
		for _, p := range b.Problems {
			if p.Where == "" || p.Message == "" {
				t.Fatalf("problem %+v", p)
			}
		}
		if len(b.Rows) > services.MaxUseRows {
			t.Fatalf("%d rows", len(b.Rows))
		}
		refs := make([]services.UseReferral, len(b.Rows))
		started := day("2026-11-01")
		for i := range refs {
			refs[i] = services.UseReferral{ID: int64(i%3 + 1), Unit: services.Units()[i%3], StartedOn: &started}
		}
		_ = services.CheckUse(b.Rows, refs, nil, day("2026-12-01"))
		_ = services.UseError(b.Problems)
	})
}

// TestCheckUseCorrectionKeepsOneRecordADay (review-money #2, #5): a
// correction never makes a second record in force of a day, whether the day
// has one on file or earlier in the batch; a cancellation of a day after a
// service ended back over it is taken, one of a future day is not.
func TestCheckUseCorrectionKeepsOneRecordADay(t *testing.T) {
	started, ended := day("2026-11-02"), day("2026-11-10")
	ref := services.UseReferral{ID: 7, Unit: services.UnitDay, StartedOn: &started, EndedOn: &ended}
	one := decimal.NewFromInt(1)
	onFile := []services.UseOnFile{
		{ID: 1, ReferralID: 7, Day: day("2026-11-03"), Quantity: one, SupersededBy: 2},
		{ID: 2, ReferralID: 7, Day: day("2026-11-03"), Quantity: decimal.Zero},
		{ID: 3, ReferralID: 7, Day: day("2026-11-03"), Quantity: one}, // a new record after the cancellation
		{ID: 4, ReferralID: 7, Day: day("2026-11-04"), Quantity: one, SupersededBy: 5},
		{ID: 5, ReferralID: 7, Day: day("2026-11-04"), Quantity: decimal.Zero},
		{ID: 6, ReferralID: 7, Day: day("2026-11-20"), Quantity: one}, // recorded before the end was set back
		{ID: 8, ReferralID: 7, Day: day("2026-11-02"), Quantity: one},
	}
	row := func(line int, d, q string, corrects int64) services.UseRow {
		return services.UseRow{Line: line, Where: fmt.Sprintf("line %d", line), Day: day(d), Quantity: decimal.RequireFromString(q), Corrects: corrects}
	}
	rows := []services.UseRow{
		row(2, "2026-11-03", "1", 2), // revives 2 while 3 is in force
		row(3, "2026-11-04", "1", 0), // a new record of the cancelled day: good
		row(4, "2026-11-04", "1", 5), // revives 5 after line 3
		row(5, "2026-11-20", "0", 6), // cancels a day after the end: good
		row(6, "2026-12-05", "0", 8), // a cancellation in the future (and of another day)
		row(7, "2026-11-20", "1", 6), // a correction with quantity is still held to the service's days
	}
	refs := []services.UseReferral{ref, ref, ref, ref, ref, ref}
	got := messages(services.CheckUse(rows, refs, onFile, day("2026-12-01")))
	want := strings.Join([]string{
		"line 2: 2026-11-03 has record 3 in force already: correct that one",
		"line 4: 2026-11-04 is a second record of this person's day: line 3 records it already",
		"line 6: day 2026-12-05 is in the future",
		"line 6: record 8 is of 2026-11-02, not of 2026-12-05",
		"line 7: day 2026-11-20 is after the service ended on 2026-11-10",
		"line 7: record 6 is corrected by line 5 already",
	}, "\n")
	if got != want {
		t.Fatalf("CheckUse:\n%s\nwant:\n%s", got, want)
	}
}

// TestUseRowYearZero (review-money #3): a day PostgreSQL cannot keep (year
// 0) is not a date, said as such, never a row.
func TestUseRowYearZero(t *testing.T) {
	var b services.UseBatch
	b.Row(2, "line 2", "0101900350008", "day_care_disability", "0000-01-01", "1", "", "")
	if len(b.Rows) != 0 || messages(b.Problems) != "line 2: day 0000-01-01 is not a date (YYYY-MM-DD)" {
		t.Fatalf("rows %+v, problems %s", b.Rows, messages(b.Problems))
	}
}
