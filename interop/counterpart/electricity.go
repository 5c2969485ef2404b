package counterpart

import (
	"bytes"
	"context"
	"net/http"
	"time"
)

// Electricity is the power utility's (EPCG's) endpoint for the subsidy's
// monthly list: POST <URL>/epcg/subsidy/lists takes the list (CSV, schema
// version 1 of domain/electricity) and answers either at once with the
// file of discounts it applied (200, CSV) or later (202: the file is
// uploaded to Karton when it comes). The same Idempotency-Key (the month
// and the list's SHA-256) gets the same answer: a list is never taken twice.
type Electricity struct {
	URL  string
	HTTP *http.Client // nil: a client with a 2-minute timeout
}

// ElectricityPath is where the company takes the lists.
const ElectricityPath = "/epcg/subsidy/lists"

// ElectricityAnswer is the company's answer to a list: the file of
// discounts (nil when it answers later).
type ElectricityAnswer struct {
	Discounts []byte
}

// SendList posts the month's list under Idempotency-Key key and returns
// the company's answer: 200 with the discounts, or 202 without; anything
// else is an *Error.
func (c Electricity) SendList(ctx context.Context, key string, list []byte) (ElectricityAnswer, error) {
	const who = "electricity company"
	status, b, err := post(ctx, request{who: who, client: c.HTTP, timeout: 2 * time.Minute, url: c.URL + ElectricityPath,
		contentType: "text/csv; charset=utf-8", key: key, body: list, limit: 64 << 20,
		ok: []int{http.StatusOK, http.StatusAccepted}})
	if err != nil {
		return ElectricityAnswer{}, err
	}
	if status == http.StatusAccepted {
		return ElectricityAnswer{}, nil
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return ElectricityAnswer{}, &Error{Who: who, Status: status, Body: b, Err: errNoAck}
	}
	return ElectricityAnswer{Discounts: b}, nil
}
