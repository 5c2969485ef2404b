package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

// Police is the police's endpoint for what the centres send: POST
// <URL>/police/dv/reports takes a centre's report (the answer to a
// notification, or a report of violence the centre learnt of first) and
// acknowledges it with the police's reference.
type Police struct {
	URL  string
	HTTP *http.Client
}

// DVEvent and DVUpdate are the register's, for the workflows.
type (
	DVEvent  = store.DVEvent
	DVUpdate = store.DVUpdate
)

// DVRecordInput is a step of a domestic-violence notification: a line of
// its timeline (once per key) and what the step changed.
type DVRecordInput struct {
	Reference string
	Event     *DVEvent
	Update    *DVUpdate
}

// RecordDV writes a step of a notification; writing it again changes
// nothing more.
func (a *Activities) RecordDV(ctx context.Context, in DVRecordInput) error {
	if in.Update != nil {
		if err := a.DB.UpdateDVNotification(ctx, in.Reference, *in.Update); err != nil {
			return err
		}
	}
	if in.Event != nil {
		if _, err := a.DB.RecordDVEvent(ctx, in.Reference, *in.Event); err != nil {
			return err
		}
	}
	return nil
}

// OpenDVCaseOf is the open domestic-violence case of a person, or "".
func (a *Activities) OpenDVCaseOf(ctx context.Context, person domain.PersonID) (string, error) {
	return a.DB.OpenDVCaseOf(ctx, person)
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

// SendPoliceReport sends a centre's report to the police and returns
// their acknowledgement. Each attempt is recorded on the notification
// (pending, how many tries, the last error) so that the register shows a
// report that has not got through; the workflow retries until the police
// acknowledge. The police take the same report again without harm: it
// carries Karton's reference.
func (a *Activities) SendPoliceReport(ctx context.Context, r PoliceReport) (PoliceAck, error) {
	attempt := int(activity.GetInfo(ctx).Attempt)
	if err := a.DB.SetDVReport(ctx, r.Reference, "pending", attempt, "", a.now()); err != nil {
		return PoliceAck{}, err
	}
	ack, err := a.postPolice(ctx, r)
	if err != nil {
		_ = a.DB.SetDVReport(context.WithoutCancel(ctx), r.Reference, "pending", attempt, err.Error(), a.now())
		return PoliceAck{}, err
	}
	if err := a.DB.SetDVReport(ctx, r.Reference, "acknowledged", attempt, "", ack.ReceivedAt); err != nil {
		return PoliceAck{}, err
	}
	return ack, nil
}

func (a *Activities) postPolice(ctx context.Context, r PoliceReport) (PoliceAck, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return PoliceAck{}, err
	}
	hc := a.Police.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.Police.URL+"/police/dv/reports", bytes.NewReader(body))
	if err != nil {
		return PoliceAck{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", r.Reference+"/"+r.Kind)
	resp, err := hc.Do(req)
	if err != nil {
		return PoliceAck{}, fmt.Errorf("police endpoint: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return PoliceAck{}, fmt.Errorf("police endpoint answered %d: %.200s", resp.StatusCode, b)
	}
	var ack PoliceAck
	if err := json.Unmarshal(b, &ack); err != nil || ack.PoliceReference == "" {
		return PoliceAck{}, fmt.Errorf("police endpoint: no acknowledgement in %.200s", b)
	}
	return ack, nil
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
