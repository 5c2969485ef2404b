package sim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/xroad"
)

// DemoEmployerPIB is the company of the demo employer (the client
// employer-02655284 and its staff): about one employed person in six of
// the population works for it, so that it has employees to file leaves for.
const DemoEmployerPIB = "02655284"

// employerOf is the PIB of a person's employer: the demo employer for one
// in six (by the JMBG), otherwise drawn, with its check digit made right
// (DOMAIN.md §6.5) so that every employer the registries name is a valid PIB.
func employerOf(j domain.JMBG, drawn string) string {
	if jmbgHash(j, "employer")%6 == 0 {
		return DemoEmployerPIB
	}
	return withCheckDigit(drawn)
}

// withCheckDigit replaces the eighth digit of an 8-digit PIB by its mod-11 check digit.
func withCheckDigit(pib string) string {
	if len(pib) != 8 {
		return pib
	}
	sum := 0
	for i, w := range []int{8, 7, 6, 5, 4, 3, 2} {
		sum += w * int(pib[i]-'0')
	}
	return pib[:7] + fmt.Sprint((11-sum%11)%11%10)
}

func jmbgHash(j domain.JMBG, salt string) uint64 {
	f := fnv.New64a()
	f.Write([]byte(salt + "/" + string(j)))
	return f.Sum64()
}

// employedMonths are how long before AsOf a person's present employment
// began, by the JMBG: some short (2 to 11 months), most long, so that a
// leave filed in 2026 meets every rate of the refund.
var employedMonths = []int{2, 4, 7, 9, 11, 15, 30, 60, 90, 120}

// InsuredPeriods is the pension fund's M4 record of member m: for the
// employed, the present employment (open) since a date fixed by the JMBG
// and, for one in three, an earlier employment elsewhere that ended the
// day before (the insurance is continuous) and, for another one in three,
// one that ended six weeks before (it is not); for others insured once,
// a closed period in the past.
func InsuredPeriods(m Member) []domain.InsuredPeriod {
	out := []domain.InsuredPeriod{}
	h := jmbgHash(m.JMBG, "m4")
	if !m.EmployedNet.IsPositive() {
		if m.InsuredYears > 0 {
			to := AsOf.AddDate(-1, 0, -1)
			out = append(out, domain.InsuredPeriod{EmployerPIB: withCheckDigit(fmt.Sprintf("03%06d", h%1000000)),
				From: date(to.AddDate(-m.InsuredYears, 0, 1)), To: date(to)})
		}
		return out
	}
	since := AsOf.AddDate(0, -employedMonths[h%uint64(len(employedMonths))], 0)
	out = append(out, domain.InsuredPeriod{EmployerPIB: m.EmployerPIB, From: date(since)})
	switch (h / 16) % 3 {
	case 1:
		out = append(out, domain.InsuredPeriod{EmployerPIB: withCheckDigit(fmt.Sprintf("03%06d", h%1000000)), From: date(since.AddDate(-2, 0, 0)), To: date(since.AddDate(0, 0, -1))})
	case 2:
		out = append(out, domain.InsuredPeriod{EmployerPIB: withCheckDigit(fmt.Sprintf("03%06d", h%1000000)), From: date(since.AddDate(-2, 0, 0)), To: date(since.AddDate(0, 0, -42))})
	}
	return out
}

// GrossOf is a month's gross salary of an employed member: the net the tax
// administration knows times 1.25 (GUESS: contributions and tax between
// net and gross), two per cent lower or higher by the month's place in its
// quarter.
func GrossOf(m Member, month domain.Month) decimal.Decimal {
	base := m.EmployedNet.Mul(decimal.RequireFromString("1.25"))
	step := int(time.Time(month).Month())%3 - 1 // -1, 0, 1
	return base.Mul(decimal.NewFromInt(int64(100 + 2*step))).Div(decimal.NewFromInt(100)).Round(2)
}

// SalaryReports is the tax administration's IOPPD reports of member m:
// one a month for each month of insurance with an employer, up to and
// including through, at most three years back.
func SalaryReports(m Member, through domain.Month) []domain.SalaryReport {
	out := []domain.SalaryReport{}
	if !m.EmployedNet.IsPositive() {
		return out
	}
	from := domain.Month(through.First().AddDate(-3, 0, 0))
	for _, p := range InsuredPeriods(m) {
		pf, _ := time.Parse(time.DateOnly, p.From)
		first := domain.MonthOf(pf)
		if pf.Day() != 1 {
			first = first.Next() // a month is reported once it is worked whole (GUESS: simpler than pro rata)
		}
		last := through
		if p.To != "" {
			pt, _ := time.Parse(time.DateOnly, p.To)
			last = domain.MonthOf(pt)
		}
		for mo := first; !last.Before(mo) && !through.Before(mo); mo = mo.Next() {
			if mo.Before(from) {
				continue
			}
			out = append(out, domain.SalaryReport{Month: mo.String(), EmployerPIB: p.EmployerPIB, Gross: GrossOf(m, mo)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Month < out[j].Month })
	return out
}

// sickLeaves are the certificates doctors issued, by JMBG: the health
// fund's record, filled through PUT /sim/sick-leave (the doctor's part).
type sickLeaves struct {
	mu    sync.Mutex
	certs map[domain.JMBG][]domain.SickLeaveCertificate
	n     int
}

// IssueSickLeave records a certificate for the person with JMBG j, as a
// doctor issues it, and returns it with its number.
func (s *Server) IssueSickLeave(j domain.JMBG, c domain.SickLeaveCertificate) domain.SickLeaveCertificate {
	s.sick.mu.Lock()
	defer s.sick.mu.Unlock()
	if s.sick.certs == nil {
		s.sick.certs = map[domain.JMBG][]domain.SickLeaveCertificate{}
	}
	s.sick.n++
	if c.Number == "" {
		c.Number = fmt.Sprintf("DZ-%06d", s.sick.n)
	}
	s.sick.certs[j] = append(s.sick.certs[j], c)
	return c
}

func (s *Server) sickLeavesOf(j domain.JMBG) []domain.SickLeaveCertificate {
	s.sick.mu.Lock()
	defer s.sick.mu.Unlock()
	return append([]domain.SickLeaveCertificate{}, s.sick.certs[j]...)
}

// serveSickLeaveKnob issues a certificate (PUT {"jmbg", "from", "to",
// "reason"}: maternity, parental, half_time or illness) or lists a
// person's (GET ?jmbg=).
func (s *Server) serveSickLeaveKnob(w http.ResponseWriter, r *http.Request) {
	var j domain.JMBG
	var out any
	switch r.Method {
	case http.MethodGet:
		j = domain.JMBG(r.URL.Query().Get("jmbg"))
		out = map[string]any{"certificates": s.sickLeavesOf(j)}
	case http.MethodPut:
		var in struct {
			JMBG string `json:"jmbg"`
			domain.SickLeaveCertificate
		}
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeErr(w, http.StatusBadRequest, "invalid certificate", err.Error())
			return
		}
		from, err1 := time.Parse(time.DateOnly, in.From)
		to, err2 := time.Parse(time.DateOnly, in.To)
		_, _, err3 := domain.ParseJMBG(in.JMBG)
		switch in.Reason {
		case "maternity", "parental", "half_time", "illness":
		default:
			err1 = fmt.Errorf("reason %q: maternity, parental, half_time or illness", in.Reason)
		}
		if err1 != nil || err2 != nil || err3 != nil || to.Before(from) {
			writeErr(w, http.StatusBadRequest, "invalid certificate", "want jmbg, from and to (YYYY-MM-DD, to not before from) and a reason")
			return
		}
		out = s.IssueSickLeave(domain.JMBG(in.JMBG), in.SickLeaveCertificate)
	default:
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed", r.Method)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// refundFacts is what a refund service states about member m of household
// h (nil for a source that is not one): the M4 periods, the IOPPD reports
// up to the month before today, the certificates issued.
func (s *Server) refundFacts(source domain.Source, h Household, m int) []xroad.WireFact {
	if m < 0 || m >= len(h.Members) {
		return nil
	}
	p := h.Members[m]
	switch source {
	case domain.SourceInsuredPeriods:
		return []xroad.WireFact{{Kind: domain.KindInsuredPeriods, ValidFrom: date(AsOf), Value: domain.InsuredPeriodsFact{Periods: InsuredPeriods(p)}}}
	case domain.SourceSalaryReports:
		through := domain.MonthOf(time.Now().UTC().AddDate(0, -1, 0))
		return []xroad.WireFact{{Kind: domain.KindSalaryReports, ValidFrom: date(through.First()),
			Value: domain.SalaryReportsFact{Reports: SalaryReports(p, through)}}}
	case domain.SourceSickLeave:
		return []xroad.WireFact{{Kind: domain.KindSickLeave, ValidFrom: date(AsOf), Value: domain.SickLeaveFact{Certificates: s.sickLeavesOf(p.JMBG)}}}
	}
	return nil
}
