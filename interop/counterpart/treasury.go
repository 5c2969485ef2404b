package counterpart

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Treasury is the client of the treasury's payment gateway: POST
// <URL>/treasury/payments takes a pain.001 and answers pain.002 and
// camt.054. It answers the same message id with the same statuses.
type Treasury struct {
	URL  string
	HTTP *http.Client // nil: a client with a 1 min timeout
}

// TreasuryAnswer is the treasury's answer to a pain.001: the statuses of
// its transfers (pain.002) and their bookings and returns (camt.054), as
// XML.
type TreasuryAnswer struct {
	Pain002 string `json:"pain002"`
	Camt054 string `json:"camt054"`
}

// Pay sends a pain.001 file and returns the treasury's answer: 200 with a
// JSON body; anything else is an *Error.
func (c Treasury) Pay(ctx context.Context, pain001 []byte) (TreasuryAnswer, error) {
	const who = "treasury"
	status, b, err := post(ctx, request{who: who, client: c.HTTP, timeout: time.Minute, url: c.URL + "/treasury/payments",
		contentType: "application/xml", body: pain001, limit: 1 << 30, // a month's answers run to tens of MB
		ok: []int{http.StatusOK}})
	if err != nil {
		return TreasuryAnswer{}, err
	}
	var a TreasuryAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return TreasuryAnswer{}, &Error{Who: who, Status: status, Body: b, Err: err}
	}
	return a, nil
}
