package web

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// serviceReferralPageCases are the referral pages (issue 23 item 2) for
// TestPagesSpeakOneLanguage: the provider's list (a new referral with the
// person's name, one without: the delegation holds no identity), a new
// referral as the provider answers it, and an active one as the centre's
// caseworker reviews or ends it, with its steps in words.
func serviceReferralPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "service referrals: provider's list", tpl: "provider_referrals", run: get(s, "tamara.sunce", "/provider/referrals", s.providerReferrals),
			want: map[string][]string{"cnr": {"Nove uputnice", "Luka Perović", "ovlašćenje ne obuhvata identitet", "Dnevni boravak za djecu sa smetnjama u razvoju"},
				"en": {"New referrals", "Luka Perović", "the delegation does not cover the identity", "Day care for children with disabilities"}}},
		{name: "service referrals: answer", tpl: "service_referral", run: get(s, "tamara.sunce", "/service-referrals/31", s.serviceReferralPage, "id", "31"),
			want: both("Stavi na listu čekanja", "Put on the waiting list")},
		{name: "service referrals: the centre's", tpl: "service_referral", run: get(s, "ana.caseworker", "/service-referrals/32", s.serviceReferralPage, "id", "32"),
			want: map[string][]string{"cnr": {"Evidentiraj reviziju", "usluga počela", "cilj postignut"}, "en": {"Record a review", "the service started", "goal reached"}}},
	}
}

// fakeReferral is a referral as the API answers it.
func fakeReferral(id, state, extra string) string {
	return `{"id":` + id + `,"case_number":"S-2026-000001","person":{"id":"p1","name":"Luka Perović","birth_date":"2014-05-06"},"centre_id":"csr-podgorica",
		"centre_name":"JU Centar za socijalni rad Podgorica","contract_id":1,"contract_number":"UG-2026-0001","provider_pib":"02655284",
		"provider_name":"Dnevni centar Sunce","service":"day_care_disability","unit":"day","state":"` + state + `","referred_on":"2026-12-01",
		"referred_by":"ana.caseworker"` + extra + `}`
}

func serviceReferralFakeAPI(r *gin.Engine) {
	js := func(body string) gin.HandlerFunc {
		return func(c *gin.Context) {
			c.Data(http.StatusOK, "application/json", []byte(strings.ReplaceAll(body, "\n", "")))
		}
	}
	anonymous := strings.Replace(fakeReferral("33", "referred", ""), `"name":"Luka Perović","birth_date":"2014-05-06"`, `"id2":""`, 1)
	anonymous = strings.Replace(anonymous, `,"id2":""`, ``, 1)
	r.GET("/api/v1/service-referrals", js(`{"referrals":[`+fakeReferral("31", "referred", "")+`,`+anonymous+`,`+
		fakeReferral("32", "active", `,"started_on":"2026-12-02"`)+`]}`))
	r.GET("/api/v1/service-referrals/:id", func(c *gin.Context) {
		if c.Param("id") == "32" {
			js(fakeReferral("32", "active", `,"started_on":"2026-12-02","events":[{"at":"2026-12-01T09:00:00Z","by":"ana.caseworker","what":"referred","summary":"x"},
				{"at":"2026-12-02T09:00:00Z","by":"tamara.sunce","what":"active","summary":"x"}]`))(c)
			return
		}
		js(fakeReferral(c.Param("id"), "referred", ""))(c)
	})
	r.GET("/api/v1/cases/:number/service-referrals", js(`{"case_number":"S-2026-000900","services":["day_care_disability"],"contracts":[
		{"id":1,"number":"UG-2026-0001","service":"day_care_disability","provider_pib":"02655284","provider_name":"Dnevni centar Sunce","unit":"day",
		"rate":"12.50","capacity":20,"free":3},{"id":2,"number":"UG-2026-0002","service":"day_care_disability","provider_pib":"02000008",
		"provider_name":"Pun centar","unit":"day","rate":"10.00","capacity":5,"free":0}],"referrals":[`+fakeReferral("31", "waiting", "")+`]}`))
}

// TestCaseServicesBlock: the case page's block offers the contracts with a
// free place, said in the reader's language (provider, service, rate per
// unit, free places), lists the case's referrals, and is absent for a
// procedure that refers to no provider's service; the case's timeline
// says a referral's step in words.
func TestCaseServicesBlock(t *testing.T) {
	gin.SetMode(gin.TestMode)
	s := &server{cfg: Config{API: fakeAPI(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	var got, none gin.H
	s.request(t, "en", "ana.caseworker", "GET", "/cases/S-2026-000900", nil, nil, func(c *gin.Context) {
		got, none = s.caseServices(c, "S-2026-000900", "P14"), s.caseServices(c, "S-2026-000900", "P01")
	})
	if none != nil {
		t.Errorf("a P01 case has a services block: %v", none)
	}
	choices, _ := got["Contracts"].([]contractChoice)
	if len(choices) != 1 || choices[0].ID != 1 || choices[0].Label != "Dnevni centar Sunce · Day care for children with disabilities · €12.50 / day · free places: 3" {
		t.Fatalf("the contracts offered: %+v", got)
	}
	if line := serviceReferralEventLine("cnr", map[string]any{"service_referral_id": 7.0, "what": "waiting"}); line != "Uputnica 7: stavljen/a na listu čekanja" {
		t.Errorf("the case's timeline says %q", line)
	}
	rows, _ := got["Referrals"].([]referralRow)
	if len(rows) != 1 || rows[0].StateName != "on the waiting list" || got["MayRefer"] != true {
		t.Errorf("the case's referrals: %+v", got)
	}
}
