package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

const providerPersonID = "44444444-4444-4444-4444-444444444444"

// providerPageCases are the provider's pages and the contracts' and
// delegations' pages (issue 23 items 1 and 3) for TestPagesSpeakOneLanguage:
// the provider's home (contracts with places, a person named, another
// without the identity scope), a delegated person (identity, the plan's
// goals, no contact section without that scope), the contracts as a
// centre's head (a suspended one with why, the forms) and sent back with
// every fault, the delegations with a revoked one and the grant form.
func providerPageCases(s *server) []pageCase {
	bad := url.Values{"service": {"counselling"}, "provider_pib": {"02655284"}, "capacity": {"0"}, "rate": {"x"}, "unit": {"hour"}}
	return []pageCase{
		{name: "provider: home", tpl: "provider_home", run: get(s, "tamara.sunce", "/provider", s.providerHome),
			want: map[string][]string{"cnr": {"Dnevni centar Sunce", "Jovana Vujović", "1 od 20 zauzeto, 19 slobodno", "usluga u toku", "ovlašćenje ne obuhvata identitet"},
				"en": {"Dnevni centar Sunce", "1 of 20 in use, 19 free", "receiving the service", "the delegation does not cover the identity"}}},
		{name: "provider: a person", tpl: "provider_person", run: get(s, "tamara.sunce", "/provider/persons/"+providerPersonID, s.providerPersonPage, "id", providerPersonID),
			want: map[string][]string{"cnr": {"Jovana Vujović", "Samostalno oblačenje", "CSR Podgorica", "ciljevi plana usluga"},
				"en": {"Jovana Vujović", "The service plan's goals", "identity (name, date of birth, address)"}}},
		{name: "contracts: head", tpl: "service_contracts", run: get(s, "sanja.head", "/services/contracts", s.contractsPage),
			want: map[string][]string{"cnr": {"UG-2026-0001", "licenca istekla", "Ministarstvo", "Obnovi ugovor", "Zaključi ugovor"},
				"en": {"licence expired", "The ministry", "Renew the contract", "Sign the contract"}}},
		{name: "contracts: sent back", tpl: "service_contracts", run: post(s, "sanja.head", "/services/contracts", bad, s.createContract),
			want: map[string][]string{"cnr": {"kapacitet je 0 lica", "„x” nije iznos u eurima", "Kapacitet (broj korisnika istovremeno)"},
				"en": {"the capacity is 0 persons", "x is not an amount in euros"}}},
		{name: "delegations: head", tpl: "service_delegations", run: get(s, "sanja.head", "/services/delegations", s.delegationsPage),
			want: map[string][]string{"cnr": {"opozvano", "Izdaj ovlašćenje", "identitet (ime, datum rođenja, adresa)"}, "en": {"revoked", "Grant the delegation"}}},
	}
}

func providerFakeAPI(r *gin.Engine) {
	data := func(c *gin.Context, body string) {
		sv, _ := providers.ServiceByCode("day_care_disability")
		body = strings.ReplaceAll(strings.ReplaceAll(body, "\n", ""), "$SERVICE", sv.Label(c.Query("lang")))
		c.Data(http.StatusOK, "application/json", []byte(body))
	}
	referral := `{"id":7,"service":"day_care_disability","service_name":"$SERVICE","centre_id":"csr-podgorica","centre_name":"CSR Podgorica",
		"contract_number":"UG-2026-0001","state":"active","referred_on":"2026-11-20","started_on":"2026-11-25"%s}`
	person := `{"id":"` + providerPersonID + `","scope":["identity","plan"],"identity":{"given_name":"Jovana","family_name":"Vujović","birth_date":"2006-01-21",
		"address":{"street":"Slobode 1","settlement":"Podgorica","municipality":"ME-16","municipality_name":"Podgorica"}},"referrals":[` +
		strings.Replace(referral, "%s", `,"goals":[{"goal":"Samostalno oblačenje","service":"Dnevni boravak","due":"2027-06-30"}]`, 1) + `]}`
	r.GET("/api/v1/provider/persons", func(c *gin.Context) {
		data(c, `{"provider_pib":"02655284","provider_name":"Dnevni centar Sunce","persons":[`+strings.Replace(person, `,"goals":[{"goal":"Samostalno oblačenje","service":"Dnevni boravak","due":"2027-06-30"}]`, "", 1)+
			`,{"id":"55555555-5555-5555-5555-555555555555","scope":["plan"],"referrals":[`+strings.Replace(referral, "%s", "", 1)+`]}]}`)
	})
	r.GET("/api/v1/provider/persons/:id", func(c *gin.Context) { data(c, person) })
	r.GET("/api/v1/service-contracts", func(c *gin.Context) {
		data(c, `{"contracts":[{"id":1,"number":"UG-2026-0001","service":"day_care_disability","service_name":"$SERVICE","centre_id":"csr-podgorica",
			"centre_name":"CSR Podgorica","provider_pib":"02655284","provider_name":"Dnevni centar Sunce","capacity":20,"in_use":1,"free":19,
			"valid_from":"2026-11-01","valid_until":"2027-12-31","unit":"day","rate":"12.50","normative":true,"legal_ref":"Sl. list CG 3/2026, čl. 69",
			"payee_iban":"ME25510000000770012395","state":"active","created_by":"demo","created_at":"2026-11-01T08:00:00Z"},
			{"id":2,"number":"UG-2026-0002","service":"day_care_disability","service_name":"$SERVICE","centre_id":"","centre_name":"",
			"provider_pib":"02000008","provider_name":"Pomoć u kući Nikšić d.o.o.","capacity":40,"in_use":0,"free":40,"valid_from":"2026-11-01",
			"valid_until":"2027-12-31","unit":"visit","rate":"8.00","normative":false,"legal_ref":"čl. 67","payee_iban":"ME25510000000154001236",
			"state":"suspended","suspended_because":"licence_expired","created_by":"demo","created_at":"2026-11-01T08:00:00Z"}]}`)
	})
	r.POST("/api/v1/service-contracts", func(c *gin.Context) {
		c.Data(http.StatusBadRequest, "application/json", []byte(`{"error":{"code":"invalid","message":"2 problems","fields":[`+
			`{"field":"capacity","message":"the capacity is 0 persons: from 1 to 10000"},{"field":"rate","message":"\"x\" is not an amount in euros (12.50)"}]}}`))
	})
	r.GET("/api/v1/service-delegations", func(c *gin.Context) {
		data(c, `{"delegations":[{"id":3,"centre_id":"csr-podgorica","centre_name":"CSR Podgorica","provider_pib":"02655284",
			"provider_name":"Dnevni centar Sunce","scope":["identity","contact","plan"],"valid_from":"2026-11-01","valid_until":"2028-11-01","dv":false,
			"in_force":true,"granted_by":"sanja.head","granted_at":"2026-11-01T08:00:00Z"},{"id":2,"centre_id":"csr-podgorica",
			"centre_name":"CSR Podgorica","provider_pib":"02655284","provider_name":"Dnevni centar Sunce","scope":["identity"],
			"valid_from":"2026-01-01","valid_until":"2027-01-01","dv":true,"in_force":false,"granted_by":"sanja.head","granted_at":"2026-01-01T08:00:00Z",
			"revoked_at":"2026-10-31T09:00:00Z","revoked_by":"sanja.head","revoke_reason":"Nova pravila o podacima"}]}`)
	})
}

// TestProviderHomeIsTheStaffsHome: a provider's staff land on /provider
// and its link is first in their menu; a centre's head finds the
// contracts and delegations in the menu, a finance officer neither.
func TestProviderHomeIsTheStaffsHome(t *testing.T) {
	for user, want := range map[string]string{"tamara.sunce": "/provider", "dusan.pomoc": "/provider"} {
		u := demoUser(t, user)
		if got := homeOf(u); got != want {
			t.Errorf("%s lands on %s; want %s", user, got, want)
		}
		if m := menuOf(u); len(m) == 0 || m[0].Path != "/provider" {
			t.Errorf("%s's menu = %v; want /provider first", user, m)
		}
	}
	paths := func(user string) string {
		var out []string
		for _, l := range menuOf(demoUser(t, user)) {
			out = append(out, l.Path)
		}
		return strings.Join(out, " ")
	}
	if m := paths("sanja.head"); !strings.Contains(m, "/services/contracts") || !strings.Contains(m, "/services/delegations") {
		t.Errorf("the head's menu %s lacks the contracts or the delegations", m)
	}
	if m := paths("goran.ministry"); !strings.Contains(m, "/services/contracts") || strings.Contains(m, "/services/delegations") {
		t.Errorf("the ministry's menu %s: want the contracts, not the delegations (the centres grant them)", m)
	}
	if m := paths("nina.finance"); strings.Contains(m, "/services/contracts") || strings.Contains(m, "/services/delegations") {
		t.Errorf("the finance officer's menu %s holds the contracts' or the delegations' page", m)
	}
}

func demoUser(t *testing.T, username string) domain.User {
	t.Helper()
	u, ok := domain.DemoUser(username)
	if !ok {
		t.Fatalf("no demo user %s", username)
	}
	return u
}
