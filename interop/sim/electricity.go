package sim

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain/electricity"
)

// ElectricityKnobs are the power utility's knobs (PUT /sim/electricity):
// down answers 503; Deferred takes a list with 202 and no discounts (the
// file is uploaded later); Skip names households the company gives no
// discount; Unknown adds that many households Karton did not send.
// Faults.Latency delays its answers too.
type ElectricityKnobs struct {
	Down     bool     `json:"down"`
	Deferred bool     `json:"deferred"`
	Skip     []string `json:"skip"`
	Unknown  int      `json:"unknown"`
}

// electricitySim is the power utility: its knobs, and the answer it gave
// each list by Idempotency-Key, so that a list sent again gets the same.
type electricitySim struct {
	mu      sync.Mutex
	knobs   ElectricityKnobs
	answers map[string][]byte
	lists   int
}

// Tariff is the simulated price of a kWh (GUESS: EPCG's household tariff
// is about 0.10 EUR/kWh with taxes).
var Tariff = decimal.RequireFromString("0.10")

// ElectricityDiscount is what the simulated company takes off a
// household's bill: its consumption drawn from the household id (150 to
// 800 kWh), the bill at Tariff, and the category's discount (DOMAIN.md
// §7.3): vulnerable customers 50% of the first 600 kWh; MO families 30%
// capped at 18 EUR, 24 EUR when the bill is above 60 EUR; carers and
// veterans 30% capped at 18 EUR (GUESS).
func ElectricityDiscount(l electricity.Line) electricity.Discount {
	f := fnv.New64a()
	f.Write([]byte("kwh/" + l.HouseholdID))
	kwh := 150 + int(f.Sum64()%651)
	bill := decimal.NewFromInt(int64(kwh)).Mul(Tariff).Round(2)
	var amount decimal.Decimal
	switch l.Category {
	case electricity.Vulnerable:
		amount = decimal.NewFromInt(int64(min(kwh, 600))).Mul(Tariff).Mul(decimal.RequireFromString("0.5"))
	default:
		limit := decimal.NewFromInt(18)
		if l.Category == electricity.MO && bill.GreaterThan(decimal.NewFromInt(60)) {
			limit = decimal.NewFromInt(24)
		}
		amount = decimal.Min(bill.Mul(decimal.RequireFromString("0.3")), limit)
	}
	return electricity.Discount{HouseholdID: l.HouseholdID, JMBG: l.JMBG, Category: l.Category, KWh: kwh, Bill: bill, Amount: amount.Round(2)}
}

// serveElectricityKnobs answers GET and PUT /sim/electricity.
func (s *Server) serveElectricityKnobs(w http.ResponseWriter, r *http.Request) {
	serveSettings(w, r, "invalid knobs", s.SetElectricityKnobs, func() ElectricityKnobs {
		s.epcg.mu.Lock()
		defer s.epcg.mu.Unlock()
		return s.epcg.knobs
	})
}

// SetElectricityKnobs replaces the power utility's knobs.
func (s *Server) SetElectricityKnobs(k ElectricityKnobs) {
	s.epcg.mu.Lock()
	s.epcg.knobs = k
	s.epcg.mu.Unlock()
}

// ElectricityLists counts the lists the company took (a list sent again
// under the same key is not counted twice).
func (s *Server) ElectricityLists() int {
	s.epcg.mu.Lock()
	defer s.epcg.mu.Unlock()
	return s.epcg.lists
}

// serveElectricity stands in for the power utility: it takes the month's
// list (POST counterpart.ElectricityPath, CSV) and answers the file of
// discounts it applied, or 202 when deferred; a list it cannot read is a
// 400 listing the problems; the same Idempotency-Key gets the same answer.
func (s *Server) serveElectricity(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed", r.Method)
		return
	}
	if d := s.Faults().Latency; d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	s.epcg.mu.Lock()
	defer s.epcg.mu.Unlock()
	k := s.epcg.knobs
	if k.Down {
		writeErr(w, http.StatusServiceUnavailable, "service down", "electricity company")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		writeErr(w, http.StatusBadRequest, "missing header", "Idempotency-Key")
		return
	}
	if answer, ok := s.epcg.answers[key]; ok {
		writeElectricityAnswer(w, answer)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		writeErr(w, http.StatusBadRequest, "unreadable", err.Error())
		return
	}
	month := listMonth(body)
	lines, err := electricity.ParseList(body, month)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "invalid list", err.Error())
		return
	}
	var answer []byte
	if !k.Deferred {
		answer = electricity.WriteDiscounts(month, discountsFor(lines, k))
	}
	if s.epcg.answers == nil {
		s.epcg.answers = map[string][]byte{}
	}
	s.epcg.answers[key] = answer
	s.epcg.lists++
	writeElectricityAnswer(w, answer)
}

func writeElectricityAnswer(w http.ResponseWriter, answer []byte) {
	if answer == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	_, _ = w.Write(answer)
}

// discountsFor is the company's answer to lines under the knobs.
func discountsFor(lines []electricity.Line, k ElectricityKnobs) []electricity.Discount {
	skip := map[string]bool{}
	for _, h := range k.Skip {
		skip[h] = true
	}
	out := []electricity.Discount{}
	for _, l := range lines {
		if !skip[l.HouseholdID] {
			out = append(out, ElectricityDiscount(l))
		}
	}
	for i := range k.Unknown {
		out = append(out, ElectricityDiscount(electricity.Line{HouseholdID: fmt.Sprintf("epcg-unknown-%d", i+1), JMBG: "0101990210005", Category: electricity.MO}))
	}
	electricity.SortDiscounts(out)
	return out
}

// listMonth is the month the list's version line names ("" when it has
// none: ParseList then says what is wrong).
func listMonth(body []byte) string {
	first, _, _ := bytes.Cut(body, []byte("\n"))
	parts := strings.Split(strings.TrimSuffix(string(first), "\r"), ",")
	if len(parts) != 3 || parts[0] != electricity.ListKind || parts[1] != electricity.Version {
		return ""
	}
	return parts[2]
}
