package web

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
)

// fakeWaitingLists answers the waiting-list routes for the pages' tests:
// Sunce's day-care list (a person named, one not), and the reports of
// November: without ?month (the provider's page) Sunce has not reported
// yet; with it (the centres' page) Sunce is overdue and Pomoć reported
// late, with a reminder and an escalation sent.
func fakeWaitingLists(r *gin.Engine) {
	r.GET("/api/v1/waiting-lists", func(c *gin.Context) {
		c.Data(http.StatusOK, "application/json", []byte(`{"as_of":"2026-12-07","lists":[{"provider_pib":"02655284","provider_name":"Dnevni centar Sunce",`+
			`"service":"day_care_disability","count":3,"longest_days":48,"others":1,"entries":[`+
			`{"position":1,"referral_id":1,"waiting_since":"2026-10-20","days":48,"contract_number":"UG-2026-0001","centre_id":"csr-podgorica","named":true,`+
			`"person_id":"11111111-1111-1111-1111-111111111111","person_name":"Ana Vukić"},`+
			`{"position":3,"referral_id":3,"waiting_since":"2026-11-12","days":25,"contract_number":"UG-2026-0001","centre_id":"csr-niksic","named":false}]}]}`))
	})
	r.GET("/api/v1/waiting-list-reports", func(c *gin.Context) {
		providers := `[{"provider_pib":"02655284","provider_name":"Dnevni centar Sunce","reported":false,"late":false,"overdue":false}]`
		reports := `[{"id":1,"provider_pib":"02655284","provider_name":"Dnevni centar Sunce","month":"2026-10","due_on":"2026-11-05",` +
			`"submitted_at":"2026-11-04T09:00:00Z","submitted_by":"tamara.sunce","late":false,"matches":false,"differences":"2 ≠ 3",` +
			`"services":[{"service":"day_care_disability","count":2,"entries":[{"referral_id":1,"position":1,"days":11}]}]}]`
		reminders := `[{"provider_pib":"02655284","provider_name":"Dnevni centar Sunce","month":"2026-11","kind":"reminder","sent_on":"2026-12-03","sent_to":["provider:02655284"]}]`
		if c.Query("month") != "" {
			providers = `[{"provider_pib":"02655284","provider_name":"Dnevni centar Sunce","reported":false,"late":false,"overdue":true},` +
				`{"provider_pib":"02000008","provider_name":"Pomoć u kući Nikšić","reported":true,"report_id":2,"submitted_at":"2026-12-06T08:00:00Z","late":true,"overdue":false}]`
			reminders = `[{"provider_pib":"02655284","provider_name":"Dnevni centar Sunce","month":"2026-11","kind":"escalation","sent_on":"2026-12-06",` +
				`"sent_to":["provider:02655284","centre:csr-podgorica"]}]`
		}
		c.Data(http.StatusOK, "application/json", []byte(`{"month":"2026-11","due_on":"2026-12-05","providers":`+providers+`,"reports":`+reports+
			`,"reminders":`+reminders+`}`))
	})
}

// waitingListPageCases are the waiting-list pages for
// TestPagesSpeakOneLanguage: the provider's list with the report's form
// and a reminder; a centre's and the ministry's view of every list, who
// reported and who is late, the escalation.
func waitingListPageCases(s *server) []pageCase {
	return []pageCase{
		{name: "provider waiting list", tpl: "provider_waiting_list", run: get(s, "tamara.sunce", "/provider/waiting-list", s.providerWaitingListPage),
			want: map[string][]string{"cnr": {"Ana Vukić", "Podnesi izvještaj", "novembar 2026", "Rok za podnošenje: 05.12.2026.", "Podsjetnik: izvještaj o listi čekanja"},
				"en": {"Ana Vukić", "Submit the report", "November 2026", "Due by 5 Dec 2026", "Reminder: the waiting-list report"}}},
		{name: "services waiting lists", tpl: "waiting_lists", run: get(s, "ana.caseworker", "/services/waiting-lists?month=2026-11", s.waitingListsPage),
			want: map[string][]string{"cnr": {"Dnevni boravak za djecu sa smetnjama u razvoju", "kasni", "(sa zakašnjenjem)", "opomena za novembar 2026"},
				"en": {"Day care for children with disabilities", "overdue", "(late)", "escalation for November 2026"}}},
	}
}

// TestWaitingListRefusalsSaid: the API's refusals of a report are said in
// Montenegrin on the page, each fault of a refusal of several.
func TestWaitingListRefusalsSaid(t *testing.T) {
	for _, c := range []struct{ msg, want string }{
		{"the month 2026-12 has not ended: a month is reported once it is over", "mjesec 2026-12 još nije završen: izvještaj se podnosi kad mjesec prođe"},
		{"say whether the list matches the provider's own (true) or not (false, with the differences)", "označite da li se lista slaže sa vašom evidencijom"},
		{"a list that does not match says how it differs", "ako se lista ne slaže, upišite razlike"},
		{"the waiting-list report of 2026-11 was submitted on 2026-12-03 by tamara.sunce", "izvještaj o listi čekanja za 2026-11 je već podnesen (2026-12-03, tamara.sunce)"},
		{`"november" is not a month: want YYYY-MM`, "mjesec se upisuje kao GGGG-MM"},
		{"the provider had no contract in force in 2026-09: no waiting-list report is due", "pružalac u 2026-09 nije imao važeći ugovor: izvještaj nije potreban"},
	} {
		if got := sayMessage("cnr", "invalid", "month", c.msg); got != c.want {
			t.Errorf("sayMessage(%q) = %q; want %q", c.msg, got, c.want)
		}
	}
}
