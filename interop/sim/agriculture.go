package sim

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/agriculture"
)

// FarmerAllowanceAmount is the allowance the simulated ministry pays: 70%
// of the minimum pension, EUR 207.45 in 2023 (DOMAIN.md §7.3).
var FarmerAllowanceAmount = decimal.RequireFromString("207.45")

// DefaultAgricultureHouseholds is how many of the population's households
// (the first ones) the ministry's file covers by default: those `karton
// dev` loads (KARTON_DEMO_HOUSEHOLDS, default 1000), so that every JMBG in
// it is registered in Karton.
const DefaultAgricultureHouseholds = 1000

// AgricultureKnobs are the ministry's file service's own knobs (PUT
// /sim/agriculture); the Faults' latency, error, hang and garbage rates
// and a Down list naming "agriculture" apply to it too.
type AgricultureKnobs struct {
	// Households: the file covers the first this many households (0:
	// DefaultAgricultureHouseholds).
	Households int `json:"households"`
	// BadRow breaks the check digit of the file's first JMBG.
	BadRow bool `json:"bad_row"`
	// Unpublished months (YYYY-MM) answer 404: the ministry has not
	// published their file yet.
	Unpublished []string `json:"unpublished"`
}

// agricultureService holds the knobs.
type agricultureService struct {
	mu    sync.Mutex
	knobs AgricultureKnobs
}

func (a *agricultureService) get() AgricultureKnobs {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.knobs
}

// SetAgricultureKnobs replaces the file service's knobs.
func (s *Server) SetAgricultureKnobs(k AgricultureKnobs) {
	s.agri.mu.Lock()
	s.agri.knobs = k
	s.agri.mu.Unlock()
}

// FarmerAllowance is what the simulated ministry pays member m of h a
// month: the head of a rural household, a man of 65 or a woman of 60 on
// AsOf, without a pension or a wage, one in two of them; else zero. The
// registry's agriculture fact (Facts) and the monthly file say the same.
func FarmerAllowance(h Household, m int) decimal.Decimal {
	if m < 0 || m >= len(h.Members) || !h.Rural {
		return decimal.Zero
	}
	p := h.Members[m]
	age := 65
	if p.Sex == domain.SexFemale {
		age = 60
	}
	if p.Relation != domain.RelationHead || p.BirthDate.AddDate(age, 0, 0).After(AsOf) ||
		p.Pension.IsPositive() || p.EmployedNet.IsPositive() || jmbgHash(p.JMBG, "farmer")%2 != 0 {
		return decimal.Zero
	}
	return FarmerAllowanceAmount
}

// AgricultureFile is the ministry's file for month m over the first n
// households: one row for each member paid (format karton-agri-v1).
func AgricultureFile(pop *Population, n int, m domain.Month) []byte {
	var rows []agriculture.Row
	for i := 0; i < n && i < pop.Size(); i++ {
		h := pop.Household(i)
		for k := range h.Members {
			if a := FarmerAllowance(h, k); a.IsPositive() {
				rows = append(rows, agriculture.Row{JMBG: h.Members[k].JMBG, Amount: a, Period: m})
			}
		}
	}
	return agriculture.Write(rows)
}

// serveAgriculture answers GET /agriculture/allowances/{YYYY-MM}: the
// month's file as text/csv, or 404 for a month not published.
func (s *Server) serveAgriculture(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if r.Method != http.MethodGet {
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed", r.Method)
		return
	}
	m, err := domain.ParseMonth(strings.TrimPrefix(r.URL.Path, "/agriculture/allowances/"))
	if err != nil {
		writeErr(w, http.StatusNotFound, "no such file", r.URL.Path)
		return
	}
	f := s.Faults()
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return
		}
	}
	for _, d := range f.Down {
		if d == domain.SourceAgriculture {
			writeErr(w, http.StatusServiceUnavailable, "service down", string(d))
			return
		}
	}
	if s.chance(f.HangRate) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Minute):
		}
		return
	}
	if s.chance(f.ErrorRate) {
		writeErr(w, http.StatusServiceUnavailable, "temporarily unavailable", string(domain.SourceAgriculture))
		return
	}
	k := s.agri.get()
	for _, u := range k.Unpublished {
		if u == m.String() {
			writeErr(w, http.StatusNotFound, "not published", m.String())
			return
		}
	}
	n := k.Households
	if n <= 0 {
		n = DefaultAgricultureHouseholds
	}
	body := AgricultureFile(s.pop, n, m)
	if k.BadRow {
		body = breakFirstJMBG(body)
	}
	if s.chance(f.GarbageRate) {
		body = append(body[:len(body)/2:len(body)/2], "#total;1;0.01\n"...)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	_, _ = w.Write(body)
}

// breakFirstJMBG changes the check digit of the file's first row.
func breakFirstJMBG(b []byte) []byte {
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 || len(lines[2]) < 13 || strings.HasPrefix(lines[2], "#") {
		return b
	}
	d := lines[2][12]
	lines[2] = lines[2][:12] + string('0'+(d-'0'+1)%10) + lines[2][13:]
	return []byte(strings.Join(lines, "\n"))
}

// serveAgricultureKnobs is GET and PUT /sim/agriculture.
func (s *Server) serveAgricultureKnobs(w http.ResponseWriter, r *http.Request) {
	serveSettings(w, r, "invalid knobs", s.SetAgricultureKnobs, s.agri.get)
}
