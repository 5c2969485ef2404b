package counterpart

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Police is the police's endpoint for what the centres send: POST
// <URL>/police/dv/reports takes a centre's report (the answer to a
// notification, or a report of violence the centre learnt of first) and
// acknowledges it with the police's reference. The same Idempotency-Key
// (Karton's reference and the report's kind) gets the same reference.
type Police struct {
	URL  string
	HTTP *http.Client // nil: a client with a 30 s timeout
}

// PoliceReport is what a centre tells the police.
type PoliceReport struct {
	Reference       string          `json:"karton_reference"`
	PoliceReference string          `json:"police_reference,omitempty"` // empty: a report the police has not seen yet
	Kind            string          `json:"kind"`                       // answer (to a notification), report (the centre's own)
	CentreID        string          `json:"centre_id"`
	CentreName      string          `json:"centre"`
	OccurredAt      time.Time       `json:"occurred_at"`
	Municipality    string          `json:"municipality"`
	Description     string          `json:"description,omitempty"`
	RiskLevel       string          `json:"risk_level"`
	Contact         json.RawMessage `json:"first_contact,omitempty"`
	CaseNumber      string          `json:"case_number,omitempty"`
	Persons         []PolicePerson  `json:"persons"`
	SentAt          time.Time       `json:"sent_at"`
}

// PolicePerson is a person as the police's system knows them: by JMBG.
type PolicePerson struct {
	Role string `json:"role"`
	JMBG string `json:"jmbg,omitempty"`
	Name string `json:"name,omitempty"`
}

// PoliceAck is the police's acknowledgement.
type PoliceAck struct {
	PoliceReference string    `json:"police_reference"`
	ReceivedAt      time.Time `json:"received_at"`
}

// Report sends a report and returns the police's acknowledgement: 200 or
// 201 with a police reference; anything else is an *Error.
func (p Police) Report(ctx context.Context, r PoliceReport) (PoliceAck, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return PoliceAck{}, err
	}
	const who = "police endpoint"
	status, b, err := post(ctx, request{who: who, client: p.HTTP, timeout: 30 * time.Second, url: p.URL + "/police/dv/reports",
		contentType: "application/json", key: r.Reference + "/" + r.Kind, body: body, limit: 1 << 20,
		ok: []int{http.StatusOK, http.StatusCreated}})
	if err != nil {
		return PoliceAck{}, err
	}
	var ack PoliceAck
	if err := json.Unmarshal(b, &ack); err != nil || ack.PoliceReference == "" {
		return PoliceAck{}, &Error{Who: who, Status: status, Body: b, Err: errNoAck}
	}
	return ack, nil
}
