package xroad

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/karton-social/karton/domain"
)

// Client asks the registries through the security server at BaseURL.
type Client struct {
	BaseURL  string // e.g. http://127.0.0.1:8081
	ClientID string // Karton's X-Road client id, e.g. ME/GOV/MRSS/karton
	HTTP     *http.Client
	Now      func() time.Time
}

// Answer is a validated answer of one registry.
type Answer struct {
	Source       domain.Source
	RequestID    string // X-Road-Id
	ResponseHash string // hex SHA-256 of the body
	RequestedAt  time.Time
	AnsweredAt   time.Time
	Body         []byte
	Facts        []Fact
}

// Fact is one validated fact: its value re-encoded as canonical JSON.
type Fact struct {
	Kind      domain.EvidenceKind
	ValidFrom time.Time
	Value     []byte
}

// ErrUnavailable marks failures worth retrying: timeouts, 5xx, garbage.
var ErrUnavailable = errors.New("registry unavailable")

// Fetch asks source everything it holds on the person with JMBG jmbg, for
// case issue. A 4xx answer is returned as a *domain.Error (not worth a
// retry); anything else that went wrong wraps ErrUnavailable.
func (c *Client) Fetch(ctx context.Context, source domain.Source, jmbg domain.JMBG, issue string) (Answer, error) {
	in, ok := domain.InstitutionFor(source)
	if !ok {
		return Answer{}, domain.Errorf(domain.CodeInvalid, "unknown source %q", source)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	path := ServicePath(in, string(jmbg))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+path, nil)
	if err != nil {
		return Answer{}, fmt.Errorf("build request to %s: %w", source, err)
	}
	req.Header.Set(HeaderClient, c.ClientID)
	req.Header.Set(HeaderIssue, issue)
	req.Header.Set("Accept", "application/json")
	a := Answer{Source: source, RequestedAt: now()}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("%w: %s: %v", ErrUnavailable, source, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return Answer{}, fmt.Errorf("%w: %s: read answer: %v", ErrUnavailable, source, err)
	}
	a.AnsweredAt = now()
	if a.RequestID, err = checkAnswer(resp, body, string(source), in.Name, "the query", RequestHash(http.MethodGet, path, c.ClientID, issue)); err != nil {
		return Answer{}, err
	}
	sum := sha256.Sum256(body)
	a.ResponseHash = hex.EncodeToString(sum[:])
	a.Body = body
	if a.Facts, err = decode(in, string(jmbg), body); err != nil {
		return Answer{}, fmt.Errorf("%w: %s: %v", ErrUnavailable, source, err)
	}
	return a, nil
}

// decode validates the body: the subject is the person asked about, every
// kind is one the institution supplies, and every value decodes into the
// kind's type. It returns the facts with canonical JSON values.
func decode(in domain.Institution, jmbg string, body []byte) ([]Fact, error) {
	var r struct {
		Subject string `json:"subject"`
		Facts   []struct {
			Kind      domain.EvidenceKind `json:"kind"`
			ValidFrom string              `json:"valid_from"`
			Value     json.RawMessage     `json:"value"`
		} `json:"facts"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("answer is not valid JSON: %v", err)
	}
	if r.Subject != jmbg {
		return nil, fmt.Errorf("answer is about another subject")
	}
	want := map[domain.EvidenceKind]bool{}
	for _, k := range in.Kinds {
		want[k] = true
	}
	out := make([]Fact, 0, len(r.Facts))
	seen := map[domain.EvidenceKind]bool{}
	for _, f := range r.Facts {
		if !want[f.Kind] || seen[f.Kind] {
			return nil, fmt.Errorf("answer has an unexpected or repeated kind %q", f.Kind)
		}
		seen[f.Kind] = true
		from, err := time.Parse(time.DateOnly, f.ValidFrom)
		if err != nil {
			return nil, fmt.Errorf("%s: valid_from %q is not a date", f.Kind, f.ValidFrom)
		}
		v, err := domain.CanonicalFact(f.Kind, f.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.Kind, err)
		}
		out = append(out, Fact{Kind: f.Kind, ValidFrom: from, Value: v})
	}
	if len(seen) != len(want) {
		return nil, fmt.Errorf("answer lacks some of the kinds %v", in.Kinds)
	}
	return out, nil
}

// checkAnswer reads a registry's answer the same way for every service:
// 5xx or another status than 200 is ErrUnavailable, 4xx the registry's
// refusal (404: not found), and an answer must echo the request's hash and
// carry a valid X-Road id, which it returns. label names the service in
// errors ("tax", "tax changes"); refused what the registry refused.
func checkAnswer(resp *http.Response, body []byte, label, institution, refused, hash string) (string, error) {
	switch {
	case resp.StatusCode >= 500:
		return "", fmt.Errorf("%w: %s answered %d", ErrUnavailable, label, resp.StatusCode)
	case resp.StatusCode >= 400:
		var eb ErrorBody
		_ = json.Unmarshal(body, &eb)
		code := domain.CodeInvalid
		if resp.StatusCode == http.StatusNotFound {
			code = domain.CodeNotFound
		}
		return "", domain.Errorf(code, "%s refused %s (%d): %s", institution, refused, resp.StatusCode, eb.Message)
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("%w: %s answered %d", ErrUnavailable, label, resp.StatusCode)
	}
	if got := resp.Header.Get(HeaderRequestHash); got != hash {
		return "", fmt.Errorf("%w: %s: request hash %q does not match the request sent", ErrUnavailable, label, got)
	}
	id := resp.Header.Get(HeaderID)
	if id == "" || len(id) > 200 {
		return "", fmt.Errorf("%w: %s: answer without a valid %s", ErrUnavailable, label, HeaderID)
	}
	return id, nil
}
