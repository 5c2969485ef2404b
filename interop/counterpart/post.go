package counterpart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// Error is an exchange that did not end in the answer the endpoint
// promises: no answer at all (Status 0), a status it does not promise, or
// a promised status with a body that is not the promised one.
type Error struct {
	Who    string // the institution, as the message names it: "police endpoint"
	Status int    // the HTTP status; 0 when no answer came
	Body   []byte // the answer's body (its first 200 bytes are in the message)
	Err    error  // what went wrong when the status was not the trouble
}

func (e *Error) Error() string {
	switch {
	case e.Status == 0:
		return e.Who + ": " + e.Err.Error()
	case e.Err != nil:
		return fmt.Sprintf("%s: %v in %.200s", e.Who, e.Err, e.Body)
	}
	return fmt.Sprintf("%s answered %d: %.200s", e.Who, e.Status, e.Body)
}

func (e *Error) Unwrap() error { return e.Err }

// Temporary reports whether sending again may help: no answer, a 5xx, or
// a body that is not the promised one. A 4xx says the request itself is
// wrong (the activities retry it anyway: the institution may be fixed).
func (e *Error) Temporary() bool {
	return e.Status == 0 || e.Status >= 500 || e.Err != nil
}

// errNoAck is a promised status whose body is not the promised answer.
var errNoAck = errors.New("no acknowledgement")

// request is one POST to an institution's endpoint.
type request struct {
	who         string       // the institution, for errors
	client      *http.Client // nil: a client with timeout
	timeout     time.Duration
	url         string
	contentType string
	key         string // the Idempotency-Key header; "" sends none
	body        []byte
	limit       int64 // the most of the answer read
	ok          []int // the statuses the endpoint promises
}

// post sends r and returns the answer's status and body when the status
// is one of r.ok; anything else is an *Error.
func post(ctx context.Context, r request) (int, []byte, error) {
	hc := r.client
	if hc == nil {
		hc = &http.Client{Timeout: r.timeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(r.body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", r.contentType)
	if r.key != "" {
		req.Header.Set("Idempotency-Key", r.key)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, &Error{Who: r.who, Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, r.limit))
	if err != nil {
		return 0, nil, &Error{Who: r.who, Status: resp.StatusCode, Body: b, Err: fmt.Errorf("read answer: %w", err)}
	}
	if !slices.Contains(r.ok, resp.StatusCode) {
		return 0, nil, &Error{Who: r.who, Status: resp.StatusCode, Body: b}
	}
	return resp.StatusCode, b, nil
}
