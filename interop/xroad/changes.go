package xroad

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/karton-social/karton/domain"
)

// The feeds of changes (issue 16 item 3). A registry that publishes
// changes offers, beside its evidence service, a feed read "since a
// cursor", the X-Road way (the consumer polls; nothing is pushed):
//
//	GET /r1/{instance}/{class}/{member}/changes/{service}/events?since={cursor}&limit={n}
//
// with the same headers as a query (X-Road-Client; X-Road-Issue is
// IssueChanges) and the same answer headers (X-Road-Id, and
// X-Road-Request-Hash over the path with its query). The body:
//
//	{"events": [{"id": "MUP-population-register-…", "subject": "2101006500003",
//	  "kind": "death", "occurred_on": "2026-03-14", "source": "population", "payload": {}}],
//	 "next": "…", "more": false}
//
// next is the cursor to ask from next time (opaque to the consumer; the
// cursor it sent when there was nothing new); more says another page waits.
const (
	ChangesSubsystem = "changes"
	IssueChanges     = "change-feed"
	// MaxChangesPage is the most events a page may hold.
	MaxChangesPage = 1000
)

// ChangesPath is the path of the feed of changes of in's service.
func ChangesPath(in domain.Institution) string {
	return fmt.Sprintf("/r1/%s/%s/%s/%s/%s/events", Instance, Class, in.Member, ChangesSubsystem, in.Service)
}

// ChangesResponse is the body of a feed's page.
type ChangesResponse struct {
	Events []WireChange `json:"events"`
	Next   string       `json:"next"`
	More   bool         `json:"more"`
}

// WireChange is one change as a feed publishes it.
type WireChange struct {
	ID         string            `json:"id"`
	Subject    string            `json:"subject"` // the person's JMBG
	Kind       domain.ChangeKind `json:"kind"`
	OccurredOn string            `json:"occurred_on"` // YYYY-MM-DD
	Source     domain.Source     `json:"source"`
	Payload    json.RawMessage   `json:"payload,omitempty"`
}

// ChangePage is a validated page of a feed.
type ChangePage struct {
	Source    domain.Source
	RequestID string // X-Road-Id
	Since     string // the cursor asked from
	Next      string
	More      bool
	Events    []Change
}

// Change is one validated change.
type Change struct {
	ID         string
	JMBG       domain.JMBG
	Kind       domain.ChangeKind
	OccurredOn time.Time
	Source     domain.Source
	Payload    []byte // a JSON object, compact; {} when the source gave none
}

var (
	changeID   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)
	jmbgDigits = regexp.MustCompile(`^[0-9]{13}$`)
)

// Changes reads source's feed from cursor since (empty: from the start),
// at most limit events. Errors are as Fetch's: a 4xx is a *domain.Error, an
// outage or a page that does not validate wraps ErrUnavailable.
func (c *Client) Changes(ctx context.Context, source domain.Source, since string, limit int) (ChangePage, error) {
	in, ok := domain.InstitutionFor(source)
	if !ok {
		return ChangePage{}, domain.Errorf(domain.CodeInvalid, "unknown source %q", source)
	}
	if limit <= 0 || limit > MaxChangesPage {
		limit = MaxChangesPage
	}
	q := url.Values{"since": {since}, "limit": {strconv.Itoa(limit)}}
	path := ChangesPath(in) + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+path, nil)
	if err != nil {
		return ChangePage{}, fmt.Errorf("build request to %s: %w", source, err)
	}
	req.Header.Set(HeaderClient, c.ClientID)
	req.Header.Set(HeaderIssue, IssueChanges)
	req.Header.Set("Accept", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return ChangePage{}, fmt.Errorf("%w: %s changes: %v", ErrUnavailable, source, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return ChangePage{}, fmt.Errorf("%w: %s changes: read answer: %v", ErrUnavailable, source, err)
	}
	p := ChangePage{Source: source, Since: since}
	if p.RequestID, err = checkAnswer(resp, body, string(source)+" changes", in.Name, "the feed of changes",
		RequestHash(http.MethodGet, path, c.ClientID, IssueChanges)); err != nil {
		return ChangePage{}, err
	}
	if err := decodeChanges(source, body, limit, &p); err != nil {
		return ChangePage{}, fmt.Errorf("%w: %s changes: %v", ErrUnavailable, source, err)
	}
	return p, nil
}

// decodeChanges validates a page: every event has an id, a subject of 13
// digits, a kind the source publishes, a date and an object payload; the
// page has a cursor and no more events than asked for.
func decodeChanges(source domain.Source, body []byte, limit int, p *ChangePage) error {
	var r ChangesResponse
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&r); err != nil {
		return fmt.Errorf("answer is not valid JSON: %v", err)
	}
	if r.Next == "" || len(r.Next) > 200 {
		return fmt.Errorf("answer has no valid cursor")
	}
	if len(r.Events) > limit {
		return fmt.Errorf("answer has %d events; %d were asked for", len(r.Events), limit)
	}
	p.Next, p.More = r.Next, r.More
	p.Events = make([]Change, 0, len(r.Events))
	seen := map[string]bool{}
	for i, e := range r.Events {
		if !changeID.MatchString(e.ID) || seen[e.ID] {
			return fmt.Errorf("event %d: id %q is not a valid, unique id", i, e.ID)
		}
		seen[e.ID] = true
		if !jmbgDigits.MatchString(e.Subject) {
			return fmt.Errorf("event %s: subject is not 13 digits", e.ID)
		}
		if from, ok := domain.ChangeSourceOf(e.Kind); !ok || from != source || (e.Source != "" && e.Source != source) {
			return fmt.Errorf("event %s: kind %q is not one %s publishes", e.ID, e.Kind, source)
		}
		day, err := time.Parse(time.DateOnly, e.OccurredOn)
		if err != nil {
			return fmt.Errorf("event %s: occurred_on %q is not a date", e.ID, e.OccurredOn)
		}
		payload := []byte("{}")
		if len(e.Payload) > 0 && string(e.Payload) != "null" {
			var obj map[string]json.RawMessage
			if json.Unmarshal(e.Payload, &obj) != nil || len(e.Payload) > 4096 {
				return fmt.Errorf("event %s: payload is not a JSON object of at most 4 KiB", e.ID)
			}
			if payload, err = json.Marshal(obj); err != nil {
				return fmt.Errorf("event %s: payload: %v", e.ID, err)
			}
		}
		p.Events = append(p.Events, Change{ID: e.ID, JMBG: domain.JMBG(e.Subject), Kind: e.Kind, OccurredOn: day, Source: source, Payload: payload})
	}
	return nil
}
