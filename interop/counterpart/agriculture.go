package counterpart

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Agriculture is the Ministry of Agriculture's file service: GET
// <URL>/agriculture/allowances/{YYYY-MM} answers the month's file of the
// farmers' old-age allowance (format karton-agri-v1, docs/exchanges.md),
// or 404 while the month is not published. GUESS: the ministry publishes
// behind the same security server as its registry service, so Karton asks
// it at the registry's address.
type Agriculture struct {
	URL  string
	HTTP *http.Client // nil: a client with a 60 s timeout
}

// ErrNotPublished says the ministry has not published the month's file yet.
var ErrNotPublished = errors.New("the month's file is not published yet")

// MaxAgricultureFile is the largest file read (some 3,300 rows of 30 bytes
// in 2023; this leaves room for a hundredfold).
const MaxAgricultureFile = 16 << 20

// MonthFile fetches the file of month (YYYY-MM): its bytes as sent;
// ErrNotPublished for a 404; anything else not 200 is an *Error.
func (c Agriculture) MonthFile(ctx context.Context, month string) ([]byte, error) {
	const who = "ministry of agriculture"
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL+"/agriculture/allowances/"+month, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &Error{Who: who, Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxAgricultureFile+1))
	switch {
	case err != nil:
		return nil, &Error{Who: who, Status: resp.StatusCode, Err: fmt.Errorf("read answer: %w", err)}
	case resp.StatusCode == http.StatusNotFound:
		return nil, ErrNotPublished
	case resp.StatusCode != http.StatusOK:
		return nil, &Error{Who: who, Status: resp.StatusCode, Body: b}
	case len(b) > MaxAgricultureFile:
		return nil, &Error{Who: who, Status: resp.StatusCode, Err: fmt.Errorf("the file is larger than %d bytes", MaxAgricultureFile)}
	}
	return b, nil
}
