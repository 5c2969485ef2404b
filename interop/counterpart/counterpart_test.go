package counterpart_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/interop/sim"
)

// sent is a request as the endpoint saw it.
type sent struct {
	method, path, contentType, key, body string
}

// endpoint answers every request with status and body and keeps what it
// was sent.
func endpoint(t *testing.T, status int, body string) (*httptest.Server, *[]sent) {
	t.Helper()
	var got []sent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, sent{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Idempotency-Key"), string(b)})
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

// call is one client's exchange, for the table.
type call struct {
	name    string
	do      func(ctx context.Context, url string) error
	want    sent // what the endpoint must receive
	ok      int  // a status the endpoint promises
	goodAck string
	badAck  string // a promised status with a body that is no answer
	who     string
}

func calls() []call {
	report := counterpart.PoliceReport{Reference: "NAS-1", Kind: "answer", CentreID: "csr-pg", RiskLevel: "high",
		OccurredAt: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), SentAt: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC),
		Persons: []counterpart.PolicePerson{{Role: "victim", JMBG: "0101990215009"}}}
	return []call{
		{name: "police", who: "police endpoint", ok: http.StatusCreated,
			do: func(ctx context.Context, url string) error {
				ack, err := counterpart.Police{URL: url}.Report(ctx, report)
				if err == nil && ack.PoliceReference != "UP/1" {
					return errors.New("wrong reference " + ack.PoliceReference)
				}
				return err
			},
			want: sent{"POST", "/police/dv/reports", "application/json", "NAS-1/answer",
				`{"karton_reference":"NAS-1","kind":"answer","centre_id":"csr-pg","centre":"","occurred_at":"2026-03-01T10:00:00Z","municipality":"","risk_level":"high","persons":[{"role":"victim","jmbg":"0101990215009"}],"sent_at":"2026-03-01T11:00:00Z"}`},
			goodAck: `{"police_reference":"UP/1","received_at":"2026-03-01T11:00:01Z"}`, badAck: `{"received_at":"2026-03-01T11:00:01Z"}`},
		{name: "agency", who: "employment agency", ok: http.StatusAccepted,
			do: func(ctx context.Context, url string) error {
				_, err := counterpart.Agency{URL: url}.Send(ctx, counterpart.AgencyMessages, "step-2", []byte(`{"kind":"reminder"}`))
				return err
			},
			want:    sent{"POST", "/agency/activation/messages", "application/json", "step-2", `{"kind":"reminder"}`},
			goodAck: `{"agency_reference":"ZZZ-1","received_at":"2026-03-01T11:00:01Z"}`, badAck: `{"agency_reference":"ZZZ-1"}`},
		{name: "treasury", who: "treasury", ok: http.StatusOK,
			do: func(ctx context.Context, url string) error {
				a, err := counterpart.Treasury{URL: url}.Pay(ctx, []byte("<Document/>"))
				if err == nil && (a.Pain002 != "<p2/>" || a.Camt054 != "<c54/>") {
					return errors.New("wrong answer")
				}
				return err
			},
			want:    sent{"POST", "/treasury/payments", "application/xml", "", "<Document/>"},
			goodAck: `{"pain002":"<p2/>","camt054":"<c54/>"}`, badAck: `<html>gateway</html>`},
	}
}

// TestClients: each client sends its protocol's request and takes its
// answer; a 503, a 4xx and a body that is not the promised answer are
// *Error, with the status and whether a retry may help.
func TestClients(t *testing.T) {
	ctx := context.Background()
	for _, c := range calls() {
		t.Run(c.name, func(t *testing.T) {
			srv, got := endpoint(t, c.ok, c.goodAck)
			if err := c.do(ctx, srv.URL); err != nil {
				t.Fatalf("success: %v", err)
			}
			if len(*got) != 1 || (*got)[0] != c.want {
				t.Errorf("sent %+v\nwant %+v", *got, c.want)
			}

			for _, tc := range []struct {
				status    int
				body      string
				temporary bool
				msg       string
			}{
				{http.StatusServiceUnavailable, `{"type":"service down"}`, true, c.who + ` answered 503: {"type":"service down"}`},
				{http.StatusBadRequest, `{"type":"invalid"}`, false, c.who + ` answered 400: {"type":"invalid"}`},
				{c.ok, c.badAck, true, c.who + ": "},
			} {
				srv, _ := endpoint(t, tc.status, tc.body)
				err := c.do(ctx, srv.URL)
				var ce *counterpart.Error
				if !errors.As(err, &ce) {
					t.Fatalf("%d %s: got %v, want a *counterpart.Error", tc.status, tc.body, err)
				}
				if ce.Status != tc.status || ce.Temporary() != tc.temporary || !strings.HasPrefix(err.Error(), tc.msg) {
					t.Errorf("%d %s: got %q (status %d, temporary %v), want %q… (temporary %v)",
						tc.status, tc.body, err, ce.Status, ce.Temporary(), tc.msg, tc.temporary)
				}
			}

			// No answer at all.
			srv.Close()
			err := c.do(ctx, srv.URL)
			var ce *counterpart.Error
			if !errors.As(err, &ce) || ce.Status != 0 || !ce.Temporary() || !strings.HasPrefix(err.Error(), c.who+": ") {
				t.Errorf("closed endpoint: got %v", err)
			}
		})
	}
}

// TestClientsAgainstSimulator: the simulators in interop/sim take what the
// police and agency clients send, the same key gets the same police
// reference, and a simulator that is down is a 503 *Error.
func TestClientsAgainstSimulator(t *testing.T) {
	s := sim.NewServer(sim.NewPopulation(1), sim.Faults{AgencyManual: true})
	srv := httptest.NewServer(s)
	defer srv.Close()
	ctx := context.Background()
	police := counterpart.Police{URL: srv.URL}
	r := counterpart.PoliceReport{Reference: "NAS-7", Kind: "report", CentreID: "csr-pg", RiskLevel: "low",
		Persons: []counterpart.PolicePerson{{Role: "victim", JMBG: "0101990215009"}}}
	a1, err := police.Report(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := police.Report(ctx, r)
	if err != nil || a2.PoliceReference != a1.PoliceReference || len(s.PoliceReports()) != 1 {
		t.Errorf("again: %+v %v, %d reports; want %s once", a2, err, len(s.PoliceReports()), a1.PoliceReference)
	}
	agency := counterpart.Agency{URL: srv.URL}
	msg := `{"message_id":"AKT-1/m1","referral_id":"AKT-1","kind":"reminder","text":"x","sent_at":"2026-03-01T11:00:00Z"}`
	if _, err := agency.Send(ctx, counterpart.AgencyMessages, "m1", []byte(msg)); err != nil {
		t.Fatal(err)
	}
	s.SetFaults(sim.Faults{PoliceDown: true, AgencyDown: true})
	var ce *counterpart.Error
	if _, err := police.Report(ctx, r); !errors.As(err, &ce) || ce.Status != http.StatusServiceUnavailable {
		t.Errorf("police down: %v", err)
	}
	if _, err := agency.Send(ctx, counterpart.AgencyMessages, "m2", []byte(msg)); !errors.As(err, &ce) || ce.Status != http.StatusServiceUnavailable {
		t.Errorf("agency down: %v", err)
	}
}
