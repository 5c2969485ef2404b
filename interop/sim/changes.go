package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/xroad"
)

// The registries' feeds of changes (xroad.ChangesPath): each source that
// publishes changes keeps a log in memory, filled by the knob
// PUT /sim/changes (one change: kind, jmbg, date, payload) and listed by
// GET /sim/changes. A cursor is "<epoch>.<n>": the simulator's start time
// and the number of the source's events already read. A cursor of another
// epoch (the simulator restarted and its log is new) reads from the start,
// and ids carry the epoch, so a restarted simulator's events are never
// taken for ones already read.
type changeLog struct {
	mu     sync.Mutex
	epoch  string
	events map[domain.Source][]xroad.WireChange
	dead   map[domain.JMBG]string // date of death, for the population register's identity answers
}

// ChangeInjection is the knob's body: one change to publish. Source is the
// kind's registry when empty; Date is when it happened (today when empty).
type ChangeInjection struct {
	Kind    domain.ChangeKind `json:"kind"`
	JMBG    string            `json:"jmbg"`
	Date    string            `json:"date"`
	Source  domain.Source     `json:"source"`
	Payload json.RawMessage   `json:"payload"`
}

func (l *changeLog) init() {
	if l.events == nil {
		l.epoch = strconv.FormatInt(time.Now().UnixNano()/int64(time.Millisecond), 36)
		l.events = map[domain.Source][]xroad.WireChange{}
		l.dead = map[domain.JMBG]string{}
	}
}

// InjectChange publishes one change in its registry's feed and returns it
// as the feed will give it.
func (s *Server) InjectChange(in ChangeInjection) (xroad.WireChange, error) {
	src, ok := domain.ChangeSourceOf(in.Kind)
	if !ok {
		return xroad.WireChange{}, domain.FieldError("kind", "is not a change a registry publishes (death, birth, income, pension, move, vehicle, property)")
	}
	if in.Source != "" && in.Source != src {
		return xroad.WireChange{}, domain.FieldError("source", "%s publishes %s changes, not %s", src, in.Kind, in.Source)
	}
	if _, _, err := domain.ParseJMBG(in.JMBG); err != nil {
		return xroad.WireChange{}, domain.FieldError("jmbg", "%v", err)
	}
	day := time.Now().UTC().Format(time.DateOnly)
	if in.Date != "" {
		d, err := time.Parse(time.DateOnly, in.Date)
		if err != nil {
			return xroad.WireChange{}, domain.FieldError("date", "is not a date (YYYY-MM-DD)")
		}
		day = d.Format(time.DateOnly)
	}
	payload := in.Payload
	if len(payload) == 0 || string(payload) == "null" {
		payload = json.RawMessage("{}")
	}
	var obj map[string]any
	if json.Unmarshal(payload, &obj) != nil {
		return xroad.WireChange{}, domain.FieldError("payload", "is not a JSON object")
	}
	inst, _ := domain.InstitutionFor(src)
	l := &s.changes
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	n := len(l.events[src]) + 1
	e := xroad.WireChange{ID: fmt.Sprintf("%s-%s-%s-%d", inst.Member, inst.Service, l.epoch, n), Subject: in.JMBG, Kind: in.Kind,
		OccurredOn: day, Source: src, Payload: payload}
	l.events[src] = append(l.events[src], e)
	if in.Kind == domain.ChangeDeath {
		l.dead[domain.JMBG(in.JMBG)] = day
	}
	return e, nil
}

// Changes lists every change published so far, by source in a fixed order.
func (s *Server) Changes() []xroad.WireChange {
	l := &s.changes
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []xroad.WireChange{}
	for _, src := range domain.ChangeFeeds() {
		out = append(out, l.events[src]...)
	}
	return out
}

// diedOn is the date of death the feed published for jmbg, if any.
func (s *Server) diedOn(jmbg domain.JMBG) (string, bool) {
	l := &s.changes
	l.mu.Lock()
	defer l.mu.Unlock()
	d, ok := l.dead[jmbg]
	return d, ok
}

// page is the events of src from cursor since, at most limit, and the
// cursor after them.
func (s *Server) page(src domain.Source, since string, limit int) (events []xroad.WireChange, next string, more bool) {
	l := &s.changes
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	from := 0
	if ep, n, ok := strings.Cut(since, "."); ok && ep == l.epoch {
		if k, err := strconv.Atoi(n); err == nil && k >= 0 && k <= len(l.events[src]) {
			from = k
		}
	}
	all := l.events[src]
	to := min(len(all), from+limit)
	events = append([]xroad.WireChange{}, all[from:to]...)
	return events, l.epoch + "." + strconv.Itoa(to), to < len(all)
}

// serveChangeKnob is PUT /sim/changes (inject one change; 201 with it) and
// GET /sim/changes (every change published).
func (s *Server) serveChangeKnob(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"changes": s.Changes()})
	case http.MethodPut, http.MethodPost:
		var in ChangeInjection
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			writeErr(w, http.StatusBadRequest, "invalid change", err.Error())
			return
		}
		e, err := s.InjectChange(in)
		if err != nil {
			writeErr(w, http.StatusBadRequest, "invalid change", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(e)
	default:
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed", r.Method)
	}
}

// serveChanges answers a feed of changes (parts: the path split at "/",
// already known to be r1/ME/GOV/{member}/changes/{service}/events), with
// the same knobs as the evidence services: latency, a source down, errors,
// hangs and garbage.
func (s *Server) serveChanges(w http.ResponseWriter, r *http.Request, parts []string) {
	s.requests.Add(1)
	if r.Method != http.MethodGet {
		writeErr(w, http.StatusMethodNotAllowed, "method not allowed", r.Method)
		return
	}
	var in domain.Institution
	found := false
	for _, cand := range domain.Institutions() {
		if cand.Member == parts[3] && cand.Service == parts[5] {
			in, found = cand, true
		}
	}
	published := false
	for _, src := range domain.ChangeFeeds() {
		published = published || src == in.Source
	}
	if !found || !published {
		writeErr(w, http.StatusNotFound, "no such feed", parts[3]+"/"+parts[5])
		return
	}
	client := r.Header.Get(xroad.HeaderClient)
	if client == "" {
		writeErr(w, http.StatusBadRequest, "missing header", xroad.HeaderClient)
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > xroad.MaxChangesPage {
			writeErr(w, http.StatusBadRequest, "invalid limit", fmt.Sprintf("want 1 to %d", xroad.MaxChangesPage))
			return
		}
		limit = n
	}
	if !s.weather(w, r, in.Source) {
		return
	}
	events, next, more := s.page(in.Source, r.URL.Query().Get("since"), limit)
	body, err := json.Marshal(xroad.ChangesResponse{Events: events, Next: next, More: more})
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "encode", err.Error())
		return
	}
	if s.chance(s.Faults().GarbageRate) {
		body = []byte(`{"events": [{"id": 42}], "next": ""`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(xroad.HeaderID, fmt.Sprintf("%s/%s/%s", in.Member, xroad.ChangesSubsystem, newID()))
	w.Header().Set(xroad.HeaderRequestHash, xroad.RequestHash(r.Method, r.URL.RequestURI(), client, r.Header.Get(xroad.HeaderIssue)))
	_, _ = w.Write(body)
}

// weather applies the knobs in force to a request for source: latency,
// then down, hang or error. It returns false when it has answered (or
// never will).
func (s *Server) weather(w http.ResponseWriter, r *http.Request, source domain.Source) bool {
	f := s.Faults()
	if f.Latency > 0 {
		select {
		case <-time.After(f.Latency):
		case <-r.Context().Done():
			return false
		}
	}
	for _, d := range f.Down {
		if d == source {
			writeErr(w, http.StatusServiceUnavailable, "service down", string(source))
			return false
		}
	}
	if s.chance(f.HangRate) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Minute):
		}
		return false
	}
	if s.chance(f.ErrorRate) {
		writeErr(w, http.StatusServiceUnavailable, "temporarily unavailable", string(source))
		return false
	}
	return true
}

// markDead makes the population register's identity answer say the person
// died, once the feed published the death.
func (s *Server) markDead(jmbg string, facts []xroad.WireFact) {
	day, dead := s.diedOn(domain.JMBG(jmbg))
	if !dead {
		return
	}
	for i, f := range facts {
		if id, ok := f.Value.(domain.IdentityFact); ok {
			id.Alive = false
			id.DeathDate = day
			facts[i].Value = id
		}
	}
}
