package refunds

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func month(s string) domain.Month {
	m, err := domain.ParseMonth(s)
	if err != nil {
		panic(err)
	}
	return m
}

func TestLeaveCheck(t *testing.T) {
	birth := d("2026-03-10")
	tests := []struct {
		name  string
		l     Leave
		field string // "" when valid
	}{
		{"maternity from 28 days before, 98 days", Leave{Maternity, d("2026-02-10"), d("2026-05-18"), birth, domain.SexFemale}, ""},
		{"maternity from 45 days before", Leave{Maternity, d("2026-01-24"), d("2026-05-01"), birth, domain.SexFemale}, ""},
		{"maternity from 46 days before", Leave{Maternity, d("2026-01-23"), d("2026-04-30"), birth, domain.SexFemale}, "first_day"},
		{"maternity 99 days", Leave{Maternity, d("2026-02-10"), d("2026-05-19"), birth, domain.SexFemale}, "last_day"},
		{"maternity starting after the birth", Leave{Maternity, d("2026-03-11"), d("2026-05-19"), birth, domain.SexFemale}, "first_day"},
		{"maternity of a father", Leave{Maternity, d("2026-02-10"), d("2026-05-18"), birth, domain.SexMale}, "employee_jmbg"},
		{"parental to the day before the first birthday", Leave{Parental, d("2026-05-19"), d("2027-03-09"), birth, domain.SexMale}, ""},
		{"parental past 365 days", Leave{Parental, d("2026-05-19"), d("2027-03-10"), birth, domain.SexFemale}, "last_day"},
		{"parental before the birth", Leave{Parental, d("2026-03-09"), d("2026-06-01"), birth, domain.SexFemale}, "first_day"},
		{"transfer from the 30th day", Leave{Transfer, d("2026-04-09"), d("2026-09-01"), birth, domain.SexMale}, ""},
		{"transfer on the 29th day", Leave{Transfer, d("2026-04-08"), d("2026-09-01"), birth, domain.SexMale}, "first_day"},
		{"half-time work", Leave{HalfTime, d("2027-03-10"), d("2028-03-09"), birth, domain.SexMale}, ""},
		{"half-time work past the third birthday", Leave{HalfTime, d("2028-03-10"), d("2029-03-10"), birth, domain.SexMale}, "last_day"},
		{"last before first", Leave{Parental, d("2026-06-01"), d("2026-05-01"), birth, domain.SexMale}, "last_day"},
		{"unknown kind", Leave{"sabbatical", d("2026-06-01"), d("2026-07-01"), birth, domain.SexMale}, "kind"},
	}
	for _, tt := range tests {
		err := tt.l.Check()
		var de *domain.Error
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v; want valid", tt.name, err)
		case tt.field != "" && err == nil:
			t.Errorf("%s: valid; want an error on %s", tt.name, tt.field)
		case tt.field != "":
			if e, ok := err.(*domain.Error); ok {
				de = e
			}
			if de == nil || (de.Field != tt.field && !hasField(de, tt.field)) {
				t.Errorf("%s: %v; want the field %s", tt.name, err, tt.field)
			}
		}
	}
}

func hasField(e *domain.Error, f string) bool {
	for _, x := range e.Fields {
		if x.Field == f {
			return true
		}
	}
	return false
}

func TestMonthsAndDays(t *testing.T) {
	l := Leave{Kind: Maternity, FirstDay: d("2026-02-10"), LastDay: d("2026-05-18")}
	if l.Days() != MaternityDays {
		t.Errorf("days = %d; want 98", l.Days())
	}
	var got []string
	sum := 0
	for _, m := range l.Months() {
		got = append(got, m.String())
		sum += l.DaysIn(m)
	}
	// 98 days always touch four calendar months: three hold at most 92.
	if strings.Join(got, ",") != "2026-02,2026-03,2026-04,2026-05" || sum != 98 {
		t.Errorf("months = %v, days %d", got, sum)
	}
	if l.DaysIn(month("2026-02")) != 19 || l.DaysIn(month("2026-05")) != 18 || l.DaysIn(month("2026-06")) != 0 || l.Holds(month("2026-01")) {
		t.Errorf("days in the edge months: %d, %d, %d", l.DaysIn(month("2026-02")), l.DaysIn(month("2026-05")), l.DaysIn(month("2026-06")))
	}
	// A leave across a leap February.
	leap := Leave{FirstDay: d("2028-02-01"), LastDay: d("2028-02-29")}
	if leap.DaysIn(month("2028-02")) != 29 || month("2028-02").Days() != 29 {
		t.Errorf("leap February: %d days of leave", leap.DaysIn(month("2028-02")))
	}
}

func TestRate(t *testing.T) {
	for months, want := range map[int]int{0: 0, 2: 0, 3: 50, 5: 50, 6: 70, 11: 70, 12: 100, 240: 100} {
		if got := Rate(months); got != want {
			t.Errorf("Rate(%d) = %d; want %d", months, got, want)
		}
	}
}

func TestContinuousInsurance(t *testing.T) {
	start := d("2026-07-15")
	tests := []struct {
		name    string
		periods []InsurancePeriod
		since   string
		months  int
		ok      bool
	}{
		{"one open period", []InsurancePeriod{{"02655284", d("2025-07-15"), nil}}, "2025-07-15", 12, true},
		{"a day short of twelve months", []InsurancePeriod{{"02655284", d("2025-07-16"), nil}}, "2025-07-16", 11, true},
		{"two employers without a free day join", []InsurancePeriod{
			{"02655284", d("2026-03-01"), nil}, {"02000019", d("2024-01-01"), ptr(d("2026-02-28"))}}, "2024-01-01", 30, true},
		{"a free day breaks it", []InsurancePeriod{
			{"02000019", d("2024-01-01"), ptr(d("2026-02-27"))}, {"02655284", d("2026-03-01"), nil}}, "2026-03-01", 4, true},
		{"insured until the eve", []InsurancePeriod{{"02655284", d("2026-01-10"), ptr(d("2026-07-14"))}}, "2026-01-10", 6, true},
		{"not insured on the eve", []InsurancePeriod{{"02655284", d("2026-01-10"), ptr(d("2026-07-13"))}}, "", 0, false},
		{"a later period does not count", []InsurancePeriod{{"02655284", d("2026-04-15"), nil}, {"02000019", d("2026-08-01"), nil}}, "2026-04-15", 3, true},
		{"none", nil, "", 0, false},
	}
	for _, tt := range tests {
		since, ok := ContinuousSince(tt.periods, start)
		if ok != tt.ok || (ok && day(since) != tt.since) {
			t.Errorf("%s: since %s %v; want %s %v", tt.name, day(since), ok, tt.since, tt.ok)
			continue
		}
		if ok && FullMonths(since, start) != tt.months {
			t.Errorf("%s: %d months; want %d", tt.name, FullMonths(since, start), tt.months)
		}
	}
	if !EmployedBy([]InsurancePeriod{{"02655284", d("2025-01-01"), nil}}, "02655284", start) ||
		EmployedBy([]InsurancePeriod{{"02655284", d("2025-01-01"), ptr(d("2026-07-14"))}}, "02655284", start) ||
		EmployedBy([]InsurancePeriod{{"02000019", d("2025-01-01"), nil}}, "02655284", start) {
		t.Error("EmployedBy: an open period of the employer holds the day; a closed one or another employer's does not")
	}
}

func TestAverageGross(t *testing.T) {
	var reports []SalaryReport
	for m := month("2025-06"); m.Before(month("2026-08")); m = m.Next() {
		reports = append(reports, SalaryReport{Month: m, EmployerPIB: "02655284", Gross: dec("1000.00")})
	}
	// June 2026 has a second employer; July (the leave's month) and June
	// 2025 (thirteen months before) do not count.
	reports = append(reports, SalaryReport{Month: month("2026-06"), EmployerPIB: "02000019", Gross: dec("200.00")},
		SalaryReport{Month: month("2025-06"), EmployerPIB: "02655284", Gross: dec("9000.00")})
	avg, n, lines := AverageGross(reports, month("2026-07"))
	if n != 12 || !avg.Equal(dec("1016.67")) || len(lines) != 13 {
		t.Fatalf("average = %s over %d months, %d lines; want 1016.67 over 12, 13 lines", avg, n, len(lines))
	}
	what, value, _ := lines[12].In("cnr")
	if !strings.Contains(what, "12 mjeseci") || !strings.Contains(what, "07.2025.") || value != "1016,67" {
		t.Errorf("the average's line says %q %q", what, value)
	}
	// Six months employed: the average of six.
	avg, n, _ = AverageGross(reports[7:], month("2026-07"))
	if n != 6 || !avg.Equal(dec("1033.33")) {
		t.Errorf("six months: %s over %d", avg, n)
	}
	if _, n, _ := AverageGross(nil, month("2026-07")); n != 0 {
		t.Error("no reports: no months")
	}
}

func TestAssess(t *testing.T) {
	birth := d("2026-08-12")
	l := Leave{Kind: Maternity, FirstDay: d("2026-07-15"), LastDay: d("2026-10-20"), Birth: birth, Employee: domain.SexFemale}
	var reports []SalaryReport
	for m := month("2025-07"); m.Before(month("2026-07")); m = m.Next() {
		reports = append(reports, SalaryReport{Month: m, Gross: dec("1250.00")})
	}
	a := Assess(l, []InsurancePeriod{{"02655284", d("2025-10-01"), nil}}, reports, birth)
	if a.Refusal != nil || a.InsuredMonths != 9 || a.Rate != 70 || !a.Base.Equal(dec("1250.00")) {
		t.Fatalf("assessment = %+v; want 9 months, 70%%, base 1250.00", a)
	}
	a = Assess(l, []InsurancePeriod{{"02655284", d("2026-05-01"), nil}}, reports, birth)
	if a.Refusal == nil || a.Refusal.Key != "leave.refused.insurance" || a.Rate != 0 {
		t.Errorf("two months insured: %+v; want refused", a)
	}
	if !strings.Contains(a.Refusal.In("en"), "2 months") || !strings.Contains(a.Refusal.In("cnr"), "2 mjeseci") {
		t.Errorf("refusal says %q / %q", a.Refusal.In("en"), a.Refusal.In("cnr"))
	}
	if a = Assess(l, []InsurancePeriod{{"02655284", d("2020-05-01"), nil}}, nil, birth); a.Refusal == nil || a.Refusal.Key != "leave.refused.salary" {
		t.Errorf("no salary: %+v", a)
	}
	if a = Assess(l, nil, reports, birth.AddDate(0, 0, 1)); a.Refusal == nil || a.Refusal.Key != "leave.refused.birth" {
		t.Errorf("another birth date in the register: %+v", a)
	}
	a = Assess(l, []InsurancePeriod{{"02655284", d("2020-05-01"), nil}}, reports, birth)
	for _, ln := range a.Lines {
		for _, lang := range []string{"cnr", "en"} {
			what, _, source := ln.In(lang)
			if !Known(ln.What.Key) || !Known(ln.Source.Key) || what == "" || source == "" || strings.Contains(what, "%!") {
				t.Errorf("line %+v in %s: %q from %q", ln, lang, what, source)
			}
		}
	}
	if what, _, _ := a.Lines[0].In("en"); !strings.Contains(what, "maternity leave") {
		t.Errorf("the leave's line in English: %q", what)
	}
}

func TestMonthRefund(t *testing.T) {
	l := Leave{Kind: Maternity, FirstDay: d("2026-07-15"), LastDay: d("2026-10-20"), Birth: d("2026-08-12"), Employee: domain.SexFemale}
	certs := []Certificate{{Number: "D-1", From: d("2026-07-15"), To: d("2026-10-20"), Reason: "maternity"}}
	base := dec("1240.00")
	tests := []struct {
		name                 string
		month                string
		paid                 string
		certs                []Certificate
		days, certified      int
		compensation, refund string
		discrepancies        []string
	}{
		// July: 17 of 31 days; 1240 × 17 / 31 = 680.00; 70 % = 476.00.
		{"the first, partial month", "2026-07", "680.00", certs, 17, 17, "680.00", "476.00", nil},
		{"a whole month", "2026-08", "1240.00", certs, 31, 31, "1240.00", "868.00", nil},
		// September has 30 days: 1240 × 30 / 30.
		{"a whole month of 30 days", "2026-09", "1240.00", certs, 30, 30, "1240.00", "868.00", nil},
		// October: 20 of 31 days; 1240 × 20 / 31 = 800.00.
		{"the last, partial month", "2026-10", "800.00", certs, 20, 20, "800.00", "560.00", nil},
		{"within the tolerance (2 % = 24.80)", "2026-08", "1215.20", certs, 31, 31, "1240.00", "868.00", nil},
		{"past the tolerance", "2026-08", "1215.19", certs, 31, 31, "1240.00", "868.00", []string{"diff.salary"}},
		{"within 2 % of a partial month (13.60)", "2026-07", "675.00", certs, 17, 17, "680.00", "476.00", nil},
		{"certificates short by five days", "2026-08", "1240.00",
			[]Certificate{{From: d("2026-07-15"), To: d("2026-08-26"), Reason: "maternity"}}, 31, 26, "1240.00", "868.00", []string{"diff.uncertified"}},
		{"a certificate of another reason", "2026-08", "1240.00",
			[]Certificate{{From: d("2026-07-15"), To: d("2026-10-20"), Reason: "illness"}}, 31, 0, "1240.00", "868.00", []string{"diff.uncertified"}},
		{"no day of leave", "2026-11", "0.00", certs, 0, 0, "0.00", "0.00", nil},
	}
	for _, tt := range tests {
		r := MonthRefund(MonthInput{Leave: l, Month: month(tt.month), Base: base, Rate: 70, SalaryPaid: dec(tt.paid), Certificates: tt.certs})
		var keys []string
		for _, p := range r.Discrepancies {
			keys = append(keys, p.Key)
		}
		if r.Days != tt.days || r.Certified != tt.certified || r.Compensation.StringFixed(2) != tt.compensation || r.Refund.StringFixed(2) != tt.refund ||
			strings.Join(keys, ",") != strings.Join(tt.discrepancies, ",") {
			t.Errorf("%s: days %d certified %d compensation %s refund %s discrepancies %v; want %d %d %s %s %v", tt.name, r.Days, r.Certified,
				r.Compensation.StringFixed(2), r.Refund.StringFixed(2), keys, tt.days, tt.certified, tt.compensation, tt.refund, tt.discrepancies)
		}
	}
	// Half-time work at 100 %: half of the month's compensation.
	h := Leave{Kind: HalfTime, FirstDay: d("2027-09-01"), LastDay: d("2028-08-31"), Birth: d("2026-08-12")}
	r := MonthRefund(MonthInput{Leave: h, Month: month("2028-02"), Base: dec("1001.00"), Rate: 100, SalaryPaid: dec("500.50"),
		Certificates: []Certificate{{From: d("2027-09-01"), To: d("2028-08-31"), Reason: "half_time"}}})
	if r.Days != 29 || r.Compensation.StringFixed(2) != "500.50" || r.Refund.StringFixed(2) != "500.50" || len(r.Discrepancies) != 0 {
		t.Errorf("half-time in a leap February: %+v", r)
	}
	// Every line says itself in both languages, with the decimal comma in Montenegrin.
	r = MonthRefund(MonthInput{Leave: l, Month: month("2026-07"), Base: base, Rate: 70, SalaryPaid: dec("600.00"), Certificates: certs})
	for _, ln := range r.Lines {
		for _, lang := range []string{"cnr", "en"} {
			if what, _, _ := ln.In(lang); what == "" || strings.Contains(what, "%!") {
				t.Errorf("line %+v in %s: %q", ln, lang, what)
			}
		}
	}
	if what, value, _ := r.Lines[0].In("cnr"); !strings.Contains(what, "15.07.2026.") || value != "17" {
		t.Errorf("the days' line: %q %q", what, value)
	}
	if _, value, _ := r.Lines[3].In("cnr"); value != "680,00" {
		t.Errorf("the compensation in Montenegrin: %q", value)
	}
	if len(r.Discrepancies) != 1 || !strings.Contains(r.Discrepancies[0].In("en"), "EUR 600.00") {
		t.Errorf("discrepancy: %v", r.Discrepancies)
	}
}

func TestCheckEnd(t *testing.T) {
	l := Leave{Kind: Maternity, FirstDay: d("2026-07-15"), LastDay: d("2026-10-20")}
	for _, tt := range []struct {
		last, reason, field string
	}{
		{"2026-08-31", EndReturnToWork, ""},
		{"2026-07-14", EndChildDeath, ""},
		{"2026-10-19", EndReturnToWork, ""},
		{"2026-10-20", EndReturnToWork, "last_day"},
		{"2026-07-13", EndReturnToWork, "last_day"},
		{"2026-08-31", "holiday", "reason"},
	} {
		err := l.CheckEnd(d(tt.last), tt.reason)
		if (tt.field == "") != (err == nil) || (err != nil && err.(*domain.Error).Field != tt.field) {
			t.Errorf("end %s %s: %v; want field %q", tt.last, tt.reason, err, tt.field)
		}
	}
}

func TestKinds(t *testing.T) {
	for _, k := range Kinds() {
		if !Known("leave.kind." + string(k)) {
			t.Errorf("kind %s has no words", k)
		}
	}
	if Maternity.Benefit() != "RNZ" || HalfTime.Benefit() != "RNZRP" || Transfer.CertificateReason() != "parental" {
		t.Error("benefits and reasons of the kinds")
	}
	if !Overlap(d("2026-01-01"), d("2026-01-31"), d("2026-01-31"), d("2026-02-10")) || Overlap(d("2026-01-01"), d("2026-01-30"), d("2026-01-31"), d("2026-02-10")) {
		t.Error("Overlap")
	}
}
