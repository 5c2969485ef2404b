package counterpart

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Agency is the Employment Agency's endpoint for what the centres send:
// POST <URL>/agency/activation/referrals takes a referral and answers with
// the agency's reference; POST <URL>/agency/activation/messages takes a
// reminder or the centre's outcome. Both are idempotent by their
// Idempotency-Key.
type Agency struct {
	URL  string
	HTTP *http.Client // nil: a client with a 30 s timeout
}

// The agency's two paths: referrals, and the messages about them.
const (
	AgencyReferrals = "/agency/activation/referrals"
	AgencyMessages  = "/agency/activation/messages"
)

// AgencyAck is the agency's acknowledgement.
type AgencyAck struct {
	AgencyReference string    `json:"agency_reference"`
	ReceivedAt      time.Time `json:"received_at"`
}

// Send posts body (JSON, valid against the agency's published schema) to
// path, AgencyReferrals or AgencyMessages, under Idempotency-Key key, and
// returns the acknowledgement: 200, 201 or 202 with the time received;
// anything else is an *Error.
func (c Agency) Send(ctx context.Context, path, key string, body []byte) (AgencyAck, error) {
	const who = "employment agency"
	status, b, err := post(ctx, request{who: who, client: c.HTTP, timeout: 30 * time.Second, url: c.URL + path,
		contentType: "application/json", key: key, body: body, limit: 1 << 20,
		ok: []int{http.StatusOK, http.StatusAccepted, http.StatusCreated}})
	if err != nil {
		return AgencyAck{}, err
	}
	var ack AgencyAck
	if err := json.Unmarshal(b, &ack); err != nil || ack.ReceivedAt.IsZero() {
		return AgencyAck{}, &Error{Who: who, Status: status, Body: b, Err: errNoAck}
	}
	return ack, nil
}
