package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// The employers' portal's pages in TestPagesSpeakOneLanguage: the
// employer's home and a leave, each sent back with a refusal, and the
// centre's list and leave with its task.

const leaveNumber = "RN-2026-000001"

func employerPageCases(s *server) []pageCase {
	leaveForm := url.Values{"employee_jmbg": {"0303991215503"}, "kind": {"maternity"}, "first_day": {"2026-07-01"}, "last_day": {"2026-10-06"},
		"child_jmbg": {"2907026215001"}, "payee_account": {"ME25510000000265528422"}}
	return []pageCase{
		{name: "employer", tpl: "employer_home", run: get(s, "maja.employer", "/employer", s.employerHome), want: both("Nova prijava odsustva", "File a leave")},
		{name: "employer: leave sent back", tpl: "employer_home", run: post(s, "maja.employer", "/employer/leaves", leaveForm, s.fileLeave),
			want: both("evidencija Fonda PIO (M4) ne pokazuje", "the pension fund's register (M4) does not show")},
		{name: "employer: leave", tpl: "employer_leave", run: get(s, "maja.employer", "/employer/leaves/"+leaveNumber, s.leavePage, "number", leaveNumber),
			want: both("Osnov refundacije iz službenih evidencija", "The refund's basis from the registries")},
		{name: "employer: month sent back", tpl: "employer_leave", run: post(s, "maja.employer", "/employer/leaves/"+leaveNumber+"/claims",
			url.Values{"month": {"2026-09"}, "salary_paid": {"1240,00"}}, s.claimMonth, "number", leaveNumber),
			want: both("priložite izvod banke", "attach the bank statement")},
		{name: "refunds", tpl: "employer_refunds", run: get(s, "ana.caseworker", "/refunds", s.refundsPage)},
		{name: "refunds: leave with its task", tpl: "employer_leave", run: get(s, "ana.caseworker", "/refunds/"+leaveNumber, s.leavePage, "number", leaveNumber),
			want: both("Refundacija poslodavcu: provjera mjeseca", "Employer's refund: check the month")},
	}
}

func employerFakeAPI(r *gin.Engine) {
	js := func(status int, body string) gin.HandlerFunc {
		return func(c *gin.Context) { c.Data(status, "application/json", []byte(body)) }
	}
	r.GET("/api/v1/refund-leaves", js(http.StatusOK, `{"leaves":[`+leaveSummaryJSON+`]}`))
	r.POST("/api/v1/refund-leaves", js(http.StatusBadRequest, `{"error":{"code":"invalid","field":"employee_jmbg",`+
		`"message":"the pension fund's register (M4) does not show this person insured with employer 02655284 on 2026-07-01"}}`))
	// The staff's view has the leave's open tasks (the employer's page shows none).
	r.GET("/api/v1/refund-leaves/:number", js(http.StatusOK, strings.Replace(leaveJSON, `"claimable":["2026-09","2026-10"]`,
		`"claimable":["2026-09","2026-10"],"tasks":[`+refundTaskJSON+`]`, 1)))
	r.POST("/api/v1/refund-leaves/:number/claims", js(http.StatusBadRequest, `{"error":{"code":"invalid","field":"statement",`+
		`"message":"send the bank statement of the salary paid as multipart/form-data field \"statement\""}}`))
}

const leaveSummaryJSON = `{"number":"` + leaveNumber + `","employer_pib":"02655284","employer_name":"Demo d.o.o.","benefit":"RNZ","kind":"maternity",
	"employee_jmbg":"0303991215503","child_jmbg":"2907026215001","first_day":"2026-07-01","last_day":"2026-10-06","ended_on":null,"state":"active"}`

var leaveJSON = `{"number":"` + leaveNumber + `","employer_pib":"02655284","employer_name":"Demo d.o.o.","benefit":"RNZ","kind":"maternity",
	"employee_jmbg":"0303991215503","child_jmbg":"2907026215001","first_day":"2026-07-01","last_day":"2026-10-06","ended_on":"2026-10-02",
	"state":"active","end_reason":"return_to_work","state_reason":"","centre_id":"csr-podgorica","payee_account":"ME25510000000265528422",
	"insured_months":9,"insured_since":"2025-10-01","rate":70,"base_gross":"1240.00","birth_date":"2026-07-29",
	"assessment":[` + refundLine("Mjeseci neprekidnog osiguranja do početka odsustva (01.07.2026.)", "Months of continuous insurance up to the leave's start (2026-07-01)", "9",
	"Fond PIO, obrazac M4", "Pension Fund, form M4") + `,` + refundLine("Prosječna bruto zarada za 12 mjeseci sa zaradom od 07.2025. do 06.2026.",
	"Average gross salary over the 12 months with a salary from 2025-07 to 2026-06", "1240.00", "obračun", "calculation") + `],
	"refusal":null,
	"months":[{"month":"2026-07","state":"decided","salary_paid":"1240.00","statement_sha256":"ab","statement_type":"application/pdf","filed_by":"maja.employer",
		"filed_at":"2026-08-03T09:00:00Z","days":31,"certified_days":31,"compensation":"1240.00","refund":"868.00",
		"lines":[` + refundLine("Refundacija: naknada × 70%", "Refund: the compensation × 70%", "868.00", "Zakon o socijalnoj i dječjoj zaštiti", "Law on Social and Child Protection") + `],
		"discrepancies":[],
		"decision":{"id":"d1","number":"csr-podgorica/2026/00001","month":"2026-07","kind":"grant","amount":"868.00","reason":"","prepared_by":"ana.caseworker",
			"approved_by":"marko.supervisor","issued_at":"2026-08-05T10:00:00Z","document_sha256":"cd","document_url":"/api/v1/refund-decisions/d1/document"},
		"payments":[{"payroll":"2026-08","amount":"868.00","account":"ME25510000000265528422","end_to_end_id":"F202607X","state":"paid","reason":""}]},
		{"month":"2026-08","state":"review","salary_paid":"1000.00","statement_sha256":"ef","statement_type":"application/pdf","filed_by":"maja.employer",
		"filed_at":"2026-09-02T09:00:00Z","days":31,"certified_days":25,"compensation":"1240.00","refund":"868.00","lines":[],
		"discrepancies":[{"cnr":"Doznake Fonda za zdravstveno osiguranje pokrivaju 25 od 31 dana odsustva u mjesecu.",
			"en":"The health fund's certificates cover 25 of the 31 days of leave in the month."}],"decision":null,"payments":[]}],
	"decisions":[],"claimable":["2026-09","2026-10"],"workflow_id":"refund/` + leaveNumber + `","filed_by":"maja.employer","filed_at":"2026-07-20T08:00:00Z"}`

func refundLine(whatCnr, whatEn, value, srcCnr, srcEn string) string {
	return `{"what":{"cnr":"` + whatCnr + `","en":"` + whatEn + `"},"value":"` + value + `","source":{"cnr":"` + srcCnr + `","en":"` + srcEn + `"}}`
}

const refundTaskJSON = `{"id":"refund:` + leaveNumber + `:review-2026-08-1","type":"refund.review","subject":"` + leaveNumber + `","person_id":null,
	"centre_id":"csr-podgorica","candidate_group":"caseworker@csr-podgorica","assignee":null,"owner":null,"priority":40,"due_at":"2026-09-07T09:00:00Z",
	"follow_up_at":null,"state":"open","overdue":false,"escalated_to":null,"data":{"refund":"` + leaveNumber + `","month":"2026-08","amount":"868.00","days":"31",
	"discrepancies":"1","rate":"70","first_decision":"false"},"outcome":null,"outcome_data":null,"completed_by":null,"completed_at":null,"created_at":"2026-09-02T09:00:00Z"}`
