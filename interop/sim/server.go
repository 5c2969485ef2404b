// Package sim simulates the nine institutions' registry services for
// development and tests. It speaks the protocol the real client speaks
// (package xroad), answers from a synthetic Population, and has knobs for
// latency and faults: errors, hangs, garbage answers, a source down.
package sim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/interop/xroad"
)

// Faults are the simulator's knobs. Rates are probabilities per request.
type Faults struct {
	Latency     time.Duration   `json:"latency"`      // added to every answer
	ErrorRate   float64         `json:"error_rate"`   // answer 503
	HangRate    float64         `json:"hang_rate"`    // never answer (until the client gives up)
	GarbageRate float64         `json:"garbage_rate"` // answer 200 with a body that is not the protocol's
	Down        []domain.Source `json:"down"`         // these sources answer 503 to everything
	// The treasury gateway rejects transfers to these IBANs (pain.002 RJCT
	// AC01) and executes but sees returned those to these (camt.054 AC04).
	TreasuryReject []string `json:"treasury_reject"`
	TreasuryReturn []string `json:"treasury_return"`
	// PoliceDown makes the police's endpoint answer 503: a centre's report
	// waits and is retried until it is back.
	PoliceDown bool `json:"police_down"`
	// AgencyDown makes the Employment Agency's endpoint answer 503: a
	// referral or message waits and is retried until it is back.
	AgencyDown bool `json:"agency_down"`
	// AgencyManual: the agency's staff work referrals by hand (on Karton's
	// agency page); otherwise the agency reports AgencyScript's steps by
	// itself, one every AgencyStepDelay (default 2 s).
	AgencyManual    bool          `json:"agency_manual"`
	AgencyScript    []string      `json:"agency_script"`
	AgencyStepDelay time.Duration `json:"agency_step_delay"`
}

// Server is the simulators of every registry behind one security server.
type Server struct {
	pop      *Population
	mu       sync.RWMutex
	faults   Faults
	requests atomic.Int64
	rnd      *mrand.Rand
	rndMu    sync.Mutex

	policeMu      sync.Mutex
	policeRefs    map[string]string // idempotency key -> the police's reference
	policeReports []json.RawMessage

	agency agency

	changes changeLog

	sick sickLeaves // the health fund's certificates (refunds.go)

	epcg electricitySim // the power utility's lists and answers (electricity.go)

	agri agricultureService // the farmers' allowance file's knobs (agriculture.go)
}

// NewServer serves pop with the given faults.
func NewServer(pop *Population, f Faults) *Server {
	return &Server{pop: pop, faults: f, rnd: mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 7))}
}

// SetFaults replaces the knobs at run time.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Faults returns the knobs in force.
func (s *Server) Faults() Faults {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.faults
}

// Requests counts the queries answered or refused so far.
func (s *Server) Requests() int64 { return s.requests.Load() }

func (s *Server) chance(p float64) bool {
	if p <= 0 {
		return false
	}
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	return s.rnd.Float64() < p
}

// ServeHTTP answers registry queries and feeds of changes (changes.go),
// and GET/PUT /sim/faults and /sim/changes for the knobs.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/sim/faults" {
		s.serveFaults(w, r)
		return
	}
	if r.URL.Path == "/sim/changes" {
		s.serveChangeKnob(w, r)
		return
	}
	if r.URL.Path == "/sim/agriculture" {
		s.serveAgricultureKnobs(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/agriculture/allowances/") {
		s.serveAgriculture(w, r)
		return
	}
	if r.URL.Path == "/sim/electricity" {
		s.serveElectricityKnobs(w, r)
		return
	}
	if r.URL.Path == "/epcg/subsidy/lists" { // counterpart.ElectricityPath
		s.serveElectricity(w, r)
		return
	}
	if r.URL.Path == "/sim/sick-leave" {
		s.serveSickLeaveKnob(w, r)
		return
	}
	if r.URL.Path == "/treasury/payments" {
		s.serveTreasury(w, r)
		return
	}
	if r.URL.Path == "/police/dv/reports" {
		s.servePolice(w, r)
		return
	}
	if r.URL.Path == "/agency/activation/referrals" || r.URL.Path == "/agency/activation/messages" {
		s.serveAgency(w, r)
		return
	}
	// /r1/ME/GOV/{member}/evidence/{service}/persons/{jmbg}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if len(parts) == 7 && parts[0] == "r1" && parts[1] == xroad.Instance && parts[2] == xroad.Class &&
		parts[4] == xroad.ChangesSubsystem && parts[6] == "events" {
		s.serveChanges(w, r, parts)
		return
	}
	s.requests.Add(1)
	if len(parts) != 8 || parts[0] != "r1" || parts[1] != xroad.Instance || parts[2] != xroad.Class ||
		parts[4] != xroad.Subsystem || parts[6] != "persons" {
		writeErr(w, http.StatusNotFound, "no such service", r.URL.Path)
		return
	}
	if r.Method != http.MethodGet {
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed", r.Method)
		return
	}
	var in domain.Institution
	found := false
	for _, cand := range append(domain.Institutions(), domain.RefundServices()...) {
		if cand.Member == parts[3] && cand.Service == parts[5] {
			in, found = cand, true
		}
	}
	if !found {
		writeErr(w, http.StatusNotFound, "no such service", parts[3]+"/"+parts[5])
		return
	}
	client := r.Header.Get(xroad.HeaderClient)
	if client == "" {
		writeErr(w, http.StatusBadRequest, "missing header", xroad.HeaderClient)
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
		if d == in.Source {
			writeErr(w, http.StatusServiceUnavailable, "service down", string(in.Source))
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
		writeErr(w, http.StatusServiceUnavailable, "temporarily unavailable", string(in.Source))
		return
	}
	jmbg := parts[7]
	if _, _, err := domain.ParseJMBG(jmbg); err != nil {
		writeErr(w, http.StatusBadRequest, "invalid subject", err.Error())
		return
	}
	h, m := s.pop.Lookup(domain.JMBG(jmbg))
	facts := Facts(in.Source, h, m)
	if facts == nil {
		facts = s.refundFacts(in.Source, h, m) // refunds.go
	}
	if in.Source == domain.SourcePopulation {
		s.markDead(jmbg, facts)
	}
	body, err := json.Marshal(xroad.Response{Subject: jmbg, Facts: facts})
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "encode", err.Error())
		return
	}
	if s.chance(f.GarbageRate) {
		body = []byte(`{"subject": "` + jmbg + `", "facts": [{"kind": "` + string(in.Kinds[0]) + `", "valid_from": "yesterday", "value": 42}]`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(xroad.HeaderID, fmt.Sprintf("%s/%s/%s", in.Member, in.Service, newID()))
	w.Header().Set(xroad.HeaderRequestHash, xroad.RequestHash(r.Method, r.URL.Path, client, r.Header.Get(xroad.HeaderIssue)))
	_, _ = w.Write(body)
}

func (s *Server) serveFaults(w http.ResponseWriter, r *http.Request) {
	serveSettings(w, r, "invalid faults", s.SetFaults, s.Faults)
}

// serveSettings answers GET and PUT of a simulator's settings (its faults,
// or an institution's knobs): PUT sets them from a JSON body with no
// unknown field (else 400 naming what), both answer the settings in force.
func serveSettings[T any](w http.ResponseWriter, r *http.Request, invalid string, set func(T), get func() T) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		var v T
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			writeErr(w, http.StatusBadRequest, invalid, err.Error())
			return
		}
		set(v)
	default:
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed", r.Method)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(get())
}

func writeErr(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(xroad.ErrorBody{Type: typ, Message: msg})
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func date(t time.Time) string { return t.Format(time.DateOnly) }

// Facts is what source states about member m of household h. Household
// assets (vehicles, land, animals, farm support) are recorded on the head.
func Facts(source domain.Source, h Household, m int) []xroad.WireFact {
	if m < 0 || m >= len(h.Members) {
		return nil
	}
	p := h.Members[m]
	head := p.Relation == domain.RelationHead
	hr := householdRand(h)
	since := AsOf.AddDate(-1-hr.IntN(10), -hr.IntN(12), 0)
	zero := decimal.Zero
	fact := func(k domain.EvidenceKind, from time.Time, v any) []xroad.WireFact {
		return []xroad.WireFact{{Kind: k, ValidFrom: date(from), Value: v}}
	}
	switch source {
	case domain.SourcePopulation:
		members := make([]domain.HouseholdMemberFact, len(h.Members))
		for i, x := range h.Members {
			members[i] = domain.HouseholdMemberFact{JMBG: string(x.JMBG), GivenName: x.GivenName, FamilyName: x.FamilyName, Relation: x.Relation}
		}
		return []xroad.WireFact{
			{Kind: domain.KindIdentity, ValidFrom: date(p.BirthDate), Value: domain.IdentityFact{
				JMBG: string(p.JMBG), GivenName: p.GivenName, FamilyName: p.FamilyName,
				BirthDate: date(p.BirthDate), Sex: p.Sex, Alive: true}},
			{Kind: domain.KindResidence, ValidFrom: date(since), Value: domain.ResidenceFact{
				Municipality: h.Address.Municipality, Settlement: h.Address.Settlement, Street: h.Address.Street}},
			{Kind: domain.KindHousehold, ValidFrom: date(since), Value: domain.HouseholdFact{HouseholdNumber: h.RegisterNumber, Members: members}},
		}
	case domain.SourceVehicles:
		v := domain.VehiclesFact{Vehicles: []domain.Vehicle{}}
		if head && hr.IntN(2) == 0 {
			year := 2000 + hr.IntN(25)
			v.Vehicles = append(v.Vehicles, domain.Vehicle{
				Registration: fmt.Sprintf("PG %03d%s", hr.IntN(1000), string(rune('A'+hr.IntN(26)))+string(rune('A'+hr.IntN(26)))),
				Make:         pick(hr, []string{"Volkswagen", "Škoda", "Opel", "Fiat", "Zastava", "Renault", "Toyota"}), Year: year,
				Value: decimal.NewFromInt(int64(500 + (year-2000)*600))})
		}
		return fact(domain.KindVehicles, since, v)
	case domain.SourceTax:
		inc := domain.IncomeFact{Sources: []domain.IncomeSource{}, MonthlyTotal: zero}
		if p.EmployedNet.IsPositive() {
			inc.Sources = append(inc.Sources, domain.IncomeSource{PayerPIB: p.EmployerPIB, Kind: "employment", Net: p.EmployedNet})
			inc.MonthlyTotal = p.EmployedNet
		}
		return fact(domain.KindIncome, AsOf, inc)
	case domain.SourcePension:
		pf := domain.PensionFact{Receives: p.Pension.IsPositive(), Kind: p.PensionKind, MonthlyAmount: p.Pension, InsuredYears: p.InsuredYears}
		if p.PensionKind == "disability" {
			pf.DisabilityLevel = "full"
		}
		return fact(domain.KindPension, AsOf, pf)
	case domain.SourceHealth:
		basis := "dependant"
		switch {
		case p.EmployedNet.IsPositive():
			basis = "employment"
		case p.Pension.IsPositive():
			basis = "pension"
		case p.Unemployed:
			basis = "unemployment_register"
		}
		return fact(domain.KindHealthInsurance, since, domain.HealthInsuranceFact{Insured: true, Basis: basis})
	case domain.SourceEmployment:
		u := domain.UnemploymentFact{Registered: p.Unemployed, BenefitMonthly: zero, WorkCapable: p.Unemployed}
		from := AsOf
		if p.Unemployed {
			u.Since = date(p.UnemployedFrom)
			from = p.UnemployedFrom
		}
		return fact(domain.KindUnemployment, from, u)
	case domain.SourceRealEstate:
		re := domain.RealEstateFact{Parcels: []domain.Parcel{}}
		if head && hr.IntN(10) < 7 {
			re.Parcels = append(re.Parcels, domain.Parcel{Cadastre: fmt.Sprintf("KO-%04d/%d", hr.IntN(9999), 1+hr.IntN(40)),
				Kind: "dwelling", AreaM2: decimal.NewFromInt(int64(35 + hr.IntN(120))), Share: "1/1"})
		}
		if head && h.Rural {
			re.Parcels = append(re.Parcels, domain.Parcel{Cadastre: fmt.Sprintf("KO-%04d/%d", hr.IntN(9999), 1+hr.IntN(400)),
				Kind: "land", AreaM2: decimal.NewFromInt(int64(1000 + hr.IntN(30000))), Share: "1/1"})
		}
		return fact(domain.KindRealEstate, since, re)
	case domain.SourceEducation:
		e := domain.EducationFact{Enrolled: p.Student != "", Institution: p.Student, Level: p.StudentLevel}
		return fact(domain.KindEducation, time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), e)
	case domain.SourceAgriculture:
		a := domain.AgricultureFact{FarmerAllowance: FarmerAllowance(h, m), PremiumsYearly: zero}
		if head && h.Rural && hr.IntN(3) == 0 {
			a.PremiumsYearly = decimal.NewFromInt(int64(200 + hr.IntN(3000)))
		}
		return fact(domain.KindAgriculture, AsOf, a)
	case domain.SourceVeterinary:
		l := domain.LivestockFact{}
		if head && h.Rural {
			l = domain.LivestockFact{Cattle: hr.IntN(6), SheepGoats: hr.IntN(40), Pigs: hr.IntN(4)}
		}
		return fact(domain.KindLivestock, since, l)
	}
	return nil
}

// householdRand is a random stream fixed by the household, so that every
// source and every member see the same household assets.
func householdRand(h Household) *mrand.Rand {
	f := fnv.New64a()
	f.Write([]byte(h.RegisterNumber))
	return mrand.New(mrand.NewPCG(f.Sum64(), 99))
}

// serveTreasury stands in for the treasury's payment gateway: it takes a
// pain.001 file and answers, for each transfer, accepted or rejected
// (pain.002) and booked or returned (camt.054), by the knobs.
func (s *Server) serveTreasury(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed", r.Method)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 256<<20))
	if err != nil {
		writeErr(w, http.StatusBadRequest, "unreadable", err.Error())
		return
	}
	m, err := iso20022.ParsePain001(body)
	if err != nil || m.ID == "" {
		writeErr(w, http.StatusBadRequest, "invalid pain.001", fmt.Sprint(err))
		return
	}
	f := s.Faults()
	in := func(list []string, iban string) bool {
		for _, x := range list {
			if x == iban {
				return true
			}
		}
		return false
	}
	var sts []iso20022.Status
	var booked []iso20022.Booked
	var returns []iso20022.Return
	batch, account := "", ""
	for _, b := range m.Batches {
		batch, account = b.ID, b.Debtor.IBAN
		for _, t := range b.Transfers {
			if in(f.TreasuryReject, t.IBAN) {
				sts = append(sts, iso20022.Status{EndToEndID: t.EndToEndID, Reason: "AC01"})
				continue
			}
			sts = append(sts, iso20022.Status{EndToEndID: t.EndToEndID, Accepted: true})
			booked = append(booked, iso20022.Booked{EndToEndID: t.EndToEndID, Amount: t.Amount})
			if in(f.TreasuryReturn, t.IBAN) {
				returns = append(returns, iso20022.Return{EndToEndID: t.EndToEndID, Amount: t.Amount, Reason: "AC04"})
			}
		}
	}
	now := time.Now()
	p2, err1 := iso20022.MarshalPain002(m.ID, batch, now, sts)
	c54, err2 := iso20022.MarshalCamt054("NTF-"+m.ID, account, now, booked, returns)
	if err1 != nil || err2 != nil {
		writeErr(w, http.StatusInternalServerError, "encode", fmt.Sprint(err1, err2))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"pain002": string(p2), "camt054": string(c54)})
}

// servePolice stands in for the police's domestic-violence system: it
// takes a centre's report (POST, JSON) and acknowledges it with the
// police's reference; the same Idempotency-Key gets the same reference.
// GET lists what it received.
func (s *Server) servePolice(w http.ResponseWriter, r *http.Request) {
	body, ok := counterpart(w, r, s.Faults().PoliceDown, "police", "reports", s.PoliceReports)
	if !ok {
		return
	}
	var report struct {
		Reference       string `json:"karton_reference"`
		PoliceReference string `json:"police_reference"`
		Kind            string `json:"kind"`
	}
	if json.Unmarshal(body, &report) != nil || report.Reference == "" {
		writeErr(w, http.StatusBadRequest, "invalid report", "want JSON with karton_reference")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		key = report.Reference + "/" + report.Kind
	}
	s.policeMu.Lock()
	if s.policeRefs == nil {
		s.policeRefs = map[string]string{}
	}
	ref, seen := s.policeRefs[key]
	if !seen {
		ref = report.PoliceReference
		if ref == "" {
			ref = fmt.Sprintf("UP-SIM/%d/%04d", time.Now().Year(), len(s.policeRefs)+1)
		}
		s.policeRefs[key] = ref
		s.policeReports = append(s.policeReports, body)
	}
	s.policeMu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"police_reference": ref, "received_at": time.Now().UTC()})
}

// counterpart starts the endpoint of another institution (the police, the
// employment agency): GET lists what it took, under name; a method other
// than POST is 405; down answers 503. Otherwise it returns the POST's body
// for the caller to take (nil when unreadable: the caller's check refuses
// it); ok is false when it has answered already.
func counterpart(w http.ResponseWriter, r *http.Request, down bool, who, name string, took func() []json.RawMessage) (body []byte, ok bool) {
	switch r.Method {
	case http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{name: took()})
		return nil, false
	case http.MethodPost:
	default:
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed", r.Method)
		return nil, false
	}
	if down {
		writeErr(w, http.StatusServiceUnavailable, "service down", who)
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, true
	}
	return body, true
}

// PoliceReports are the reports the police's endpoint took, once each.
func (s *Server) PoliceReports() []json.RawMessage {
	s.policeMu.Lock()
	defer s.policeMu.Unlock()
	return append([]json.RawMessage{}, s.policeReports...)
}
