package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/codec"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/store"
)

const uiOrigin = "http://127.0.0.1:8233"

// newCodecServer runs the API with the codec endpoint over a fresh database.
func newCodecServer(t *testing.T) (*httptest.Server, *store.DB, *codec.Codec) {
	t.Helper()
	ring, err := codec.NewKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	c := codec.New(ring)
	ts, db := newServerFor(t, func(d *api.Deps) {
		d.DevIssuer = nil
		d.Codec = api.CodecEndpoint{Codec: c, Origins: []string{uiOrigin, "http://localhost:8233/"}}
	})
	return ts, db, c
}

// remote is the SDK's own client of the codec protocol, as a user.
func remote(ts *httptest.Server, user string) converter.PayloadCodec {
	return converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: ts.URL + "/codec",
		ModifyRequest: func(r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+tokens[user])
			r.Header.Set("X-Namespace", "default")
			return nil
		}})
}

func TestCodecEndpointDecodesWhatTheCallerMayRead(t *testing.T) {
	ctx := context.Background()
	ts, db, c := newCodecServer(t)
	person := func(jmbg, municipality string) domain.Person {
		return seedPerson(t, db, jmbg, municipality, "Test", "Osoba")
	}
	own, other := person("2101006500003", "Podgorica"), person("0101900350008", "Nikšić")
	claim := func(p domain.Person) store.Claim {
		cl, err := db.CreateClaim(ctx, store.Claim{Benefit: "DNJP", ApplicantID: p.ID, CentreID: p.CentreID, Consent: true, FiledBy: "seed",
			Period: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Members: []domain.PersonID{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	ownClaim, otherClaim := claim(own), claim(other)
	kase := func(procedure, parent string, dv bool) string {
		number, err := db.NextCaseNumber(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.RecordCase(ctx, store.CaseRecord{Case: store.Case{Number: number, Procedure: procedure, Version: 1, CentreID: own.CentreID,
			Status: "open", Stage: "opening", OpenedBy: "seed", OpenedAt: time.Now(), Parent: parent, DV: dv,
			Persons: []store.CasePerson{{PersonID: own.ID, Role: "beneficiary"}}}}); err != nil {
			t.Fatal(err)
		}
		return number
	}
	plainCase, dvCase := kase("P07", "", false), kase("P05", "", true)
	subCase := kase("P07", dvCase, false) // a sub-procedure of a DV case is DV
	n, _, err := db.RecordDVNotification(ctx, store.DVNotification{Direction: "from_police", PoliceReference: "UP-CODEC-1", Sender: "police-system",
		ReceivedAt: time.Now(), OccurredAt: time.Now(), Municipality: "ME-16", CentreID: own.CentreID, Description: "seed notification",
		Body: json.RawMessage(`{}`), State: "received", Persons: []store.DVPerson{{Role: "victim", PersonID: own.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.IssueDecision(ctx, store.Decision{ClaimNumber: ownClaim.Number, CentreID: own.CentreID, Kind: "grant", Benefit: "DNJP",
		Amount: decimal.RequireFromString("87.24"), PeriodFrom: ownClaim.Period, PreparedBy: "a", ApprovedBy: "b", IssuedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateEntitlement(ctx, store.Entitlement{ClaimNumber: ownClaim.Number, DecisionID: d.ID, Benefit: "MO", BeneficiaryID: own.ID,
		Amount: decimal.RequireFromString("87.91"), Periodicity: "monthly", ValidFrom: ownClaim.Period})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := db.CreateReferral(ctx, store.Referral{PersonID: own.ID, EntitlementID: e.ID, CentreID: own.CentreID, ReferredBy: "seed", ReferredAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}

	scopes := map[string]string{
		"own claim":        "claim/" + ownClaim.Number,
		"other claim":      "claim/" + otherClaim.Number,
		"case":             "case/" + plainCase,
		"DV case":          "case/" + dvCase,
		"DV sub-procedure": "case/" + subCase,
		"DV notification":  "dv/" + n.Reference,
		"activation":       "activation/" + ref.ID,
		"evidence":         "evidence/" + string(own.ID),
		"payroll":          "payroll/2026-11",
		"scheduled":        "payroll-scheduled-2026-12-10T06:00:00Z",
		"unscoped":         "",
		"unknown":          "nowhere/1",
		"missing claim":    "claim/Z-2026-999999",
	}
	encode := func(scope string) *commonpb.Payload {
		p, err := converter.GetDefaultDataConverter().ToPayload(map[string]string{"jmbg": string(own.JMBG), "scope": scope})
		if err != nil {
			t.Fatal(err)
		}
		enc, err := c.Scoped(scope).Encode([]*commonpb.Payload{p})
		if err != nil {
			t.Fatal(err)
		}
		return enc[0]
	}
	decodable := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	for user, want := range map[string]map[string]bool{
		"ana.caseworker":    decodable("own claim", "case", "activation", "evidence"),
		"marko.supervisor":  decodable("own claim", "case", "activation", "evidence"),
		"dragana.dv":        decodable("own claim", "case", "DV case", "DV sub-procedure", "DV notification", "activation", "evidence"),
		"jelena.caseworker": decodable("other claim"),
		"nina.finance":      decodable("payroll", "scheduled"),
		"tea.auditor":       decodable(),
		"admin":             decodable(),
		"police-system":     decodable(), // reads its notifications by the API, never a workflow's payloads
		"employment-system": decodable(),
		"zorana.zzz":        decodable(),
		"citizen.demo":      decodable(),
	} {
		var names []string
		var in []*commonpb.Payload
		for name, scope := range scopes {
			names = append(names, name)
			in = append(in, encode(scope))
		}
		plain, _ := converter.GetDefaultDataConverter().ToPayload("written before the codec")
		in = append(in, plain)
		out, err := remote(ts, user).Decode(in)
		if err != nil {
			t.Fatalf("%s: decode: %v", user, err)
		}
		if len(out) != len(in) {
			t.Fatalf("%s: %d payloads back; want %d", user, len(out), len(in))
		}
		for i, name := range names {
			var v map[string]string
			decoded := !codec.IsEncrypted(out[i])
			if decoded {
				if err := converter.GetDefaultDataConverter().FromPayload(out[i], &v); err != nil || v["scope"] != scopes[name] {
					t.Errorf("%s: payload of %s decoded to %v, %v", user, name, v, err)
				}
			} else if string(out[i].Data) != string(in[i].Data) || codec.ScopeOf(out[i]) != scopes[name] {
				t.Errorf("%s: payload of %s came back changed but encrypted", user, name)
			}
			if decoded != want[name] {
				t.Errorf("%s: payload of %s decoded = %v; want %v", user, name, decoded, want[name])
			}
		}
		if string(out[len(out)-1].Data) != string(plain.Data) {
			t.Errorf("%s: a plain payload came back as %q", user, out[len(out)-1].Data)
		}
	}

	// Each decode request is in the audit log; one that touched the DV
	// compartment is restricted, and names whose data was shown.
	var rows int
	var restricted bool
	var persons []string
	err = db.Pool().QueryRow(ctx, `SELECT count(*) OVER (), restricted, person_ids::text[] FROM audit_log
		WHERE resource = 'codec' AND purpose = 'Temporal Web UI decode' AND username = 'dragana.dv'`).Scan(&rows, &restricted, &persons)
	if err != nil || rows != 1 || !restricted || len(persons) != 1 || persons[0] != string(own.ID) {
		t.Errorf("dragana's decode in the audit log: %d rows, restricted %v, persons %v, %v; want one restricted record naming %s", rows, restricted, persons, err, own.ID)
	}
	var outcome string
	if err := db.Pool().QueryRow(ctx, `SELECT outcome FROM audit_log WHERE resource = 'codec' AND username = 'citizen.demo'`).Scan(&outcome); err != nil || outcome != "denied" {
		t.Errorf("the citizen's decode in the audit log: %q, %v; want denied", outcome, err)
	}
	if n, broken, why, err := db.VerifyAudit(ctx); err != nil || broken != 0 {
		t.Errorf("audit chain after %d records: broken at %d (%s), %v", n, broken, why, err)
	}
}

func TestCodecEndpointAuthenticationAndCORS(t *testing.T) {
	ts, _, c := newCodecServer(t)
	enc, _ := c.Scoped("payroll/2026-11").Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}})
	body, _ := json.Marshal(map[string]any{"payloads": []map[string]any{{"metadata": enc[0].Metadata, "data": enc[0].Data}}})
	send := func(method, path string, header map[string]string, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		return resp
	}
	read := func(r *http.Response) string { b, _ := io.ReadAll(r.Body); return string(b) }
	jsonType := map[string]string{"Content-Type": "application/json"}

	if r := send("POST", "/codec/decode", jsonType, string(body)); r.StatusCode != 401 {
		t.Errorf("decode without a token = %d; want 401", r.StatusCode)
	}
	if r := send("POST", "/codec/decode", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer forged"}, string(body)); r.StatusCode != 401 ||
		!strings.Contains(read(r), api.RefusedToken) {
		t.Errorf("decode with a forged token = %d; want 401 saying only %q", r.StatusCode, api.RefusedToken)
	}
	// The pages' session cookie, sent by the Web UI with credentials, from its origin.
	r := send("POST", "/codec/decode?preserveStorageRefs=true", map[string]string{"Content-Type": "application/json", "Origin": uiOrigin,
		"Cookie": "karton_session=" + tokens["nina.finance"], "X-Namespace": "default"}, string(body))
	if got := read(r); r.StatusCode != 200 || !strings.Contains(got, `"data":"Ingi"`) {
		t.Errorf("decode with the session cookie = %d %s; want the payload decoded (data \"x\")", r.StatusCode, got)
	}
	if r.Header.Get("Access-Control-Allow-Origin") != uiOrigin || r.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("CORS headers of the answer = %v; want the UI's origin with credentials", r.Header)
	}
	if r := send("POST", "/codec/decode", map[string]string{"Content-Type": "text/plain", "Authorization": "Bearer " + tokens["nina.finance"]}, string(body)); r.StatusCode != 400 {
		t.Errorf("decode with text/plain = %d; want 400", r.StatusCode)
	}
	if r := send("POST", "/codec/decode", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + tokens["nina.finance"]}, `{"payloads":7}`); r.StatusCode != 400 {
		t.Errorf("decode of a malformed body = %d; want 400", r.StatusCode)
	}

	pre := map[string]string{"Origin": "http://localhost:8233", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-namespace"}
	r = send("OPTIONS", "/codec/decode", pre, "")
	if r.StatusCode != 204 || r.Header.Get("Access-Control-Allow-Origin") != "http://localhost:8233" ||
		!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "X-Namespace") || !strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		r.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("preflight from the UI = %d %v; want 204 allowing its origin, credentials, Authorization, Content-Type, X-Namespace", r.StatusCode, r.Header)
	}
	pre["Origin"] = "https://evil.example"
	if r := send("OPTIONS", "/codec/decode", pre, ""); r.StatusCode != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin = %d %v; want 403 without CORS headers", r.StatusCode, r.Header)
	}
	r = send("POST", "/codec/decode", map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example", "Authorization": "Bearer " + tokens["nina.finance"]}, string(body))
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("answer to another origin carries Access-Control-Allow-Origin %q", r.Header.Get("Access-Control-Allow-Origin"))
	}

	// Encoding, for the UI's signals and starts: staff only, no scope.
	plain, _ := json.Marshal(map[string]any{"payloads": []map[string]any{{"metadata": map[string][]byte{"encoding": []byte("json/plain")}, "data": []byte(`"hi"`)}}})
	out, err := remote(ts, "ana.caseworker").Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"hi"`)}})
	if err != nil || len(out) != 1 || !codec.IsEncrypted(out[0]) || codec.ScopeOf(out[0]) != "" {
		t.Errorf("encode as a caseworker = %v, %v; want one encrypted payload without scope", out, err)
	}
	if back, err := c.Decode(out); err != nil || string(back[0].Data) != `"hi"` {
		t.Errorf("the worker's codec decodes the UI's payload to %v, %v", back, err)
	}
	if r := send("POST", "/codec/encode", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + tokens["citizen.demo"]}, string(plain)); r.StatusCode != 403 {
		t.Errorf("encode as a citizen = %d; want 403", r.StatusCode)
	}
}
