package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/api"
	"github.com/karton-social/karton/devstack"
)

// providerResources are what a provider's staff work with (issue 23): the
// policy's block for them, and the catalogue everyone reads.
var providerResources = map[string]bool{"service_contract": true, "service_delegation": true, "service_referral": true, "service_person": true,
	"service_use": true, "cost_report": true, "waiting_list": true, "catalogue": true}

// TestProviderStaffAgainstEveryRoute is the delegation's access matrix
// (issue 23 item 3): a provider's staff member (tamara.sunce, of Sunce)
// sends every route of the API, each path parameter (and a body's
// person_id) naming first a person referred to Sunce under Podgorica's
// delegation, then a person nobody referred. Outside the provider's
// routes every answer is a refusal (the policy's 403 before any record is
// read, or 404) and the same for both persons, so it tells nothing about
// either; inside them nothing ever names the person not referred, and
// the delegated person view answers the referred one only (a refusal may
// repeat the id the request sent, nothing more). Once the
// centre's head revokes the delegation, the referred person too is a 404
// there and named by no answer of the provider's routes.
func TestProviderStaffAgainstEveryRoute(t *testing.T) {
	ctx := context.Background()
	ts, db := newServerWith(t, unreachableTemporal{})
	if _, err := devstack.LoadDemoServices(ctx, db, time.Now()); err != nil {
		t.Fatal(err)
	}
	own := referredPerson(t, db, "2101006500003", "Jovana", "Vujović")
	other := seedPerson(t, db, "0101900350008", "Podgorica", "Nikola", "Tuđi")
	param := regexp.MustCompile(`:[a-z_]+`)
	const user = "tamara.sunce"
	send := func(rt api.Route, id string) (int, string) {
		path := param.ReplaceAllString(rt.Path, id)
		body := ""
		if rt.Method != http.MethodGet {
			body = fmt.Sprintf(`{"person_id":%q}`, id)
		}
		code, b := doAs(t, ts, user, rt.Method, path, body)
		return code, string(b)
	}
	never := func(what, body string, secrets ...string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(body, s) {
				t.Errorf("%s names %q: %.300s", what, s, body)
			}
		}
	}
	routes := 0
	for _, rt := range api.Routes() {
		routes++
		what := rt.Method + " " + rt.Path
		ownCode, ownBody := send(rt, string(own.ID))
		otherCode, otherBody := send(rt, string(other.ID))
		never(what+" (the referred person)", ownBody, string(other.ID), "Tuđi", string(other.JMBG))
		never(what+" (the person not referred)", otherBody, "Tuđi", string(other.JMBG))
		if otherCode < 300 {
			never(what+" (the person not referred)", otherBody, string(other.ID))
		}
		for _, code := range []int{ownCode, otherCode} {
			if code >= 500 && code != http.StatusServiceUnavailable {
				t.Errorf("%s as %s = %d: %.300s", what, user, code, ownBody+otherBody)
			}
		}
		if !providerResources[rt.Resource] {
			refused := func(code int, body string) bool {
				return code == http.StatusNotFound || (code == http.StatusForbidden && strings.Contains(body, " may not "))
			}
			if !refused(ownCode, ownBody) || !refused(otherCode, otherBody) || ownCode != otherCode {
				t.Errorf("%s outside the provider's routes = %d / %d; want the same refusal (403 of the policy or 404) for both: %.200s | %.200s",
					what, ownCode, otherCode, ownBody, otherBody)
			}
			continue
		}
		if rt.Path == "/api/v1/provider/persons/:id" {
			if ownCode != http.StatusOK || !strings.Contains(ownBody, "Vujović") || otherCode != http.StatusNotFound {
				t.Errorf("the delegated person view: referred %d, not referred %d; want 200 and 404: %.300s", ownCode, otherCode, ownBody)
			}
			never(what, ownBody, string(own.JMBG))
		}
	}
	if routes < 100 {
		t.Fatalf("%d routes; want every route of the API", routes)
	}

	// The head of Podgorica revokes the delegation: at once, nothing of the
	// person is left for the provider.
	code, b := doAs(t, ts, "sanja.head", "GET", "/api/v1/service-delegations", "")
	if code != http.StatusOK {
		t.Fatalf("delegations: %d %s", code, b)
	}
	var id int64
	for _, d := range decodeAs[struct{ Delegations []delegationAnswer }](t, b).Delegations {
		if d.ProviderPIB == "02655284" && d.InForce {
			id = d.ID
		}
	}
	if code, b := doAs(t, ts, "sanja.head", "POST", fmt.Sprintf("/api/v1/service-delegations/%d/revoke", id), `{"reason":"matrix"}`); code != http.StatusOK {
		t.Fatalf("revoke: %d %s", code, b)
	}
	for _, rt := range api.Routes() {
		if !providerResources[rt.Resource] || rt.Method != http.MethodGet {
			continue
		}
		code, body := send(rt, string(own.ID))
		never(rt.Method+" "+rt.Path+" after the revocation", body, "Vujović")
		if rt.Path == "/api/v1/provider/persons/:id" && code != http.StatusNotFound {
			t.Errorf("the delegated person view after the revocation = %d; want 404: %.300s", code, body)
		}
	}
	if code, b := doAs(t, ts, user, "GET", "/api/v1/provider/persons", ""); code != http.StatusOK || strings.Contains(string(b), string(own.ID)) {
		t.Errorf("the provider's persons after the revocation: %d %s", code, b)
	}
}
