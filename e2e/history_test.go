package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/devstack/system"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/sim"
)

// TestTemporalHoldsNoPersonalDataInClear files a claim and a police
// notification of domestic violence, takes the notification through the
// first contact (an update) and a police update (a signal), then reads
// every workflow's history from Temporal with a plain client, without the
// codec, as the Web UI or the CLI would: no JMBG, name or free text of
// the cases is anywhere in it. Decoded with the system's codec the same
// histories hold them (the test would see a leak). The codec endpoint
// decodes a DV payload for the DV caseworker only.
func TestTemporalHoldsNoPersonalDataInClear(t *testing.T) {
	ctx := context.Background()
	s := startStack(t, system.Options{SimHouseholds: 200, SimFaults: sim.Faults{Latency: 2 * time.Millisecond}}, 200)
	api := s.APIURL + "/api/v1"

	// A claim for a poor household of Podgorica.
	var applicant sim.Member
	var ids []string
	for i := 0; i < s.Population.Size() && ids == nil; i++ {
		h := s.Population.Household(i)
		if h.Address.Municipality != "ME-16" || len(h.Members) < 2 || !poor(h) {
			continue
		}
		applicant = h.Members[0]
		for _, m := range h.Members {
			_, body := call(t, "GET", api+"/persons?jmbg="+string(m.JMBG), "")
			var r struct{ Persons []struct{ ID string } }
			_ = json.Unmarshal(body, &r)
			if len(r.Persons) != 1 {
				t.Fatalf("demo person %s not found: %s", m.JMBG, body)
			}
			ids = append(ids, r.Persons[0].ID)
		}
	}
	if ids == nil {
		t.Fatal("no poor Podgorica household in the demo population")
	}
	members, _ := json.Marshal(ids[1:])
	code, body := call(t, "POST", api+"/claims", fmt.Sprintf(`{"benefit":"MO","applicant_person_id":%q,"member_person_ids":%s,"payee_account":"ME25 5050 0001 2345 6789 51","consent":true}`, ids[0], members))
	if code != 201 {
		t.Fatalf("file claim = %d %s", code, body)
	}
	var claim struct{ Number string }
	_ = json.Unmarshal(body, &claim)
	waitTask(t, s.APIURL, "ana.caseworker", claim.Number, "claim.review") // the evidence is in

	// A police notification, its first contact and a later police update.
	victim := registerInPodgorica(t, s, time.Date(1990, 3, 14, 0, 0, 0, 0, time.UTC), 717, "Vidosava", "Radunović")
	perpetrator, _ := domain.MakeJMBG(time.Date(1986, 9, 2, 0, 0, 0, 0, time.UTC), 21, 163)
	const (
		description = "Neighbours heard the quarrel on Vukotica street; the victim has visible bruises on both arms."
		findings    = "She stays with her aunt in Danilovgrad and keeps the children at home."
		courtNote   = "The misdemeanour court confirmed the restraining order for thirty days."
		aliasName   = "Radomirko"
	)
	code, body = as(t, "police-system", "POST", api+"/violence-notifications", fmt.Sprintf(`{"police_reference":"UP-PG/2026/0912",
		"occurred_at":"2026-11-29T22:40:00+01:00","place":{"municipality":"Podgorica","street":"Vukotica 7"},"description":%q,
		"persons":[{"role":"victim","jmbg":%q,"relationship":"spouse"},{"role":"perpetrator","jmbg":%q,"given_name":%q}],
		"measures":["removal_from_residence"],"officer":{"name":"Marko Perić","badge":"4471"}}`, description, victim.JMBG, perpetrator, aliasName))
	if code != 202 {
		t.Fatalf("police notification = %d %s", code, body)
	}
	var dv struct{ Reference string }
	_ = json.Unmarshal(body, &dv)
	task := ""
	for deadline := time.Now().Add(30 * time.Second); task == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, body := as(t, "dragana.dv", "GET", api+"/tasks?group=mine", "")
		var inbox struct{ Tasks []struct{ ID, Type string } }
		_ = json.Unmarshal(body, &inbox)
		for _, tk := range inbox.Tasks {
			if tk.Type == "dv_first_contact" {
				task = tk.ID
			}
		}
	}
	if task == "" {
		t.Fatal("no first-contact task for the DV caseworker")
	}
	first := fmt.Sprintf(`{"outcome":"submit","data":{"contact":"in_person","risk_level":"high","findings":%q,"open_case":true}}`, findings)
	if code, body := as(t, "dragana.dv", "POST", api+"/tasks/"+task+"/complete", first); code != 200 {
		t.Fatalf("first contact = %d %s", code, body)
	}
	var entry struct {
		CaseNumber string `json:"case_number"`
	}
	for deadline := time.Now().Add(30 * time.Second); entry.CaseNumber == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, body := as(t, "dragana.dv", "GET", api+"/violence-notifications/"+dv.Reference, "")
		_ = json.Unmarshal(body, &entry)
	}
	if entry.CaseNumber == "" {
		t.Fatal("the first contact opened no DV case")
	}
	update := fmt.Sprintf(`{"update_id":"court-1","kind":"court_outcome","at":"2026-12-02T09:00:00Z","outcome":%q}`, courtNote)
	if code, body := as(t, "police-system", "POST", api+"/violence-notifications/"+dv.Reference+"/updates", update); code != 202 {
		t.Fatalf("police update = %d %s", code, body)
	}
	time.Sleep(2 * time.Second) // the signal's workflow task, the case's first steps

	secrets := []string{string(applicant.JMBG), applicant.GivenName + " " + applicant.FamilyName, applicant.FamilyName,
		string(victim.JMBG), victim.GivenName, victim.FamilyName, string(perpetrator), aliasName, description, findings, courtNote}

	// Every history, as a client without the codec reads it.
	plain, err := client.Dial(client.Options{HostPort: s.Platform.Cfg.TemporalAddress, Namespace: "default",
		Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	list, err := plain.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	histories := map[string][]*historypb.HistoryEvent{}
	for _, ex := range list.Executions {
		id := ex.GetExecution().GetWorkflowId()
		it := plain.GetWorkflowHistory(ctx, id, ex.GetExecution().GetRunId(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				t.Fatalf("history of %s: %v", id, err)
			}
			histories[id] = append(histories[id], e)
		}
	}
	for _, id := range []string{"claim/" + claim.Number, "dv/" + dv.Reference, "case/" + entry.CaseNumber} {
		if len(histories[id]) == 0 {
			t.Fatalf("no history of %s among %d workflows", id, len(histories))
		}
	}
	var encrypted int
	var decoded bytes.Buffer // the payloads in clear, decoded by the system's codec
	for id, events := range histories {
		for _, e := range events {
			text, err := protojson.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := proto.Marshal(e)
			for _, secret := range secrets {
				if bytes.Contains(text, []byte(secret)) || bytes.Contains(raw, []byte(secret)) {
					t.Errorf("%s event %d (%s) holds %q in clear", id, e.GetEventId(), e.GetEventType(), secret)
				}
			}
			// Each payload's data (base64 in the text above), read as it is
			// and as JSON: nothing in clear either.
			copied := proto.Clone(e)
			err = proxy.VisitPayloads(ctx, copied, proxy.VisitPayloadsOptions{Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
				for _, p := range ps {
					var v any
					asJSON := json.Unmarshal(p.GetData(), &v) == nil
					for _, secret := range secrets {
						if bytes.Contains(p.GetData(), []byte(secret)) || asJSON && strings.Contains(fmt.Sprint(v), secret) {
							t.Errorf("%s event %d: a payload holds %q in clear (metadata %q)", id, e.GetEventId(), secret, p.GetMetadata())
						}
					}
					if codec.IsEncrypted(p) {
						encrypted++
						if codec.ScopeOf(p) == "" {
							t.Errorf("%s event %d (%s): an encrypted payload without a scope", id, e.GetEventId(), e.GetEventType())
						}
					}
				}
				out, err := s.Codec.Decode(ps)
				for _, p := range out {
					decoded.Write(p.GetData())
				}
				return out, err
			}})
			if err != nil {
				t.Fatalf("%s event %d: decode with the system's codec: %v", id, e.GetEventId(), err)
			}
		}
	}
	if encrypted < 20 {
		t.Errorf("%d encrypted payloads in %d histories; want the workflows' inputs, results and messages encrypted", encrypted, len(histories))
	}
	// The same histories through the codec hold what the cases are about:
	// the search above would have found a leak.
	for _, secret := range []string{string(victim.JMBG), string(perpetrator), aliasName, description, findings, courtNote} {
		if !bytes.Contains(decoded.Bytes(), []byte(secret)) {
			t.Errorf("decoded, the histories lack %q: the search for it in clear proves nothing", secret)
		}
	}

	// The codec endpoint decodes the notification's input for the DV
	// caseworker of Podgorica, and for nobody outside the compartment.
	input := histories["dv/"+dv.Reference][0].GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()
	if len(input) != 1 || !codec.IsEncrypted(input[0]) || codec.ScopeOf(input[0]) != "dv/"+dv.Reference {
		t.Fatalf("the notification's input = %v; want one payload encrypted, scoped dv/%s", input, dv.Reference)
	}
	for user, want := range map[string]bool{"dragana.dv": true, "marko.supervisor": false, "ana.caseworker": false} {
		tok, err := s.Token(user)
		if err != nil {
			t.Fatal(err)
		}
		remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: s.APIURL + "/codec",
			ModifyRequest: func(r *http.Request) error { r.Header.Set("Authorization", "Bearer "+tok); return nil }})
		out, err := remote.Decode(input)
		if err != nil {
			t.Fatalf("%s: codec endpoint: %v", user, err)
		}
		if got := !codec.IsEncrypted(out[0]); got != want || got != bytes.Contains(out[0].GetData(), []byte(description)) {
			t.Errorf("%s: the notification's input decoded = %v (%.80q); want %v", user, got, out[0].GetData(), want)
		}
	}
	var restricted bool
	if err := s.DB.Pool().QueryRow(ctx, `SELECT restricted FROM audit_log WHERE resource = 'codec' AND username = 'dragana.dv'`).Scan(&restricted); err != nil || !restricted {
		t.Errorf("the DV caseworker's decode in the audit log: restricted %v, %v; want a restricted record", restricted, err)
	}
}
