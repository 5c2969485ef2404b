package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/domain/services"
)

// The contracts with providers and the delegations (issue 23 items 1 and
// 3): /services/contracts lists the contracts the user may read, with the
// form that contracts a provider (a centre's head for their centre, a
// ministry officer for the ministry or a centre) and, on each contract of
// theirs, the forms that renew, end and resume it; /services/delegations
// lists the delegations of the user's centre (every centre's for the
// ministry) with the head's forms that grant and revoke them. A refusal
// is said beside the form, every fault listed, the values kept.

func (s *server) registerServiceContracts(page, form func(string, gin.HandlerFunc)) {
	page("/services/contracts", s.contractsPage)
	form("/services/contracts", s.createContract)
	form("/services/contracts/:id/:action", s.contractAction)
	page("/services/delegations", s.delegationsPage)
	form("/services/delegations", s.grantDelegation)
	form("/services/delegations/:id/revoke", s.revokeDelegation)
}

func serviceChoices(lang string) []choice {
	var out []choice
	for _, sv := range providers.Services() {
		out = append(out, choice{sv.Code, sv.Label(lang)})
	}
	return out
}

func centreChoices() []choice {
	var out []choice
	for _, ce := range domain.Centres() {
		out = append(out, choice{ce.ID, ce.Name})
	}
	return out
}

// contractsForm is what the contracts' page shows beside a form sent back.
type contractsForm struct {
	Form    string // "new", or "<action>-<id>"
	Errs    map[string]string
	Summary string
}

type labelled struct{ Label, Message string }

// errList names each fault by the field's label on these forms (sc.f.*,
// else the desk's), in the order of the fields' names.
func errList(lang string, errs map[string]string) []labelled {
	var out []labelled
	for _, k := range sortedKeys(errs) {
		label := t(lang, "sc.f."+k)
		if label == "sc.f."+k {
			label = fieldLabel(lang, k)
		}
		out = append(out, labelled{label, errs[k]})
	}
	return out
}

func (s *server) contractsPage(c *gin.Context) { s.renderContracts(c, http.StatusOK, contractsForm{}) }

func (s *server) renderContracts(c *gin.Context, status int, f contractsForm) {
	lang := s.lang(c)
	var res struct{ Contracts []obj }
	if r := s.getJSON(c, "/api/v1/service-contracts?lang="+lang, &res); !r.ok() {
		s.refused(c, r)
		return
	}
	u := userOf(c)
	ministry := u.CentreID == ""
	for _, x := range res.Contracts {
		x["mine"] = may(u, "service_contract", "update") && (ministry || str(x["centre_id"]) == u.CentreID)
	}
	s.render(c, status, "service_contracts", gin.H{"Contracts": res.Contracts, "MayCreate": may(u, "service_contract", "create"),
		"Ministry": ministry, "Services": serviceChoices(lang), "Centres": centreChoices(), "Units": services.Units(),
		"SentForm": f.Form, "Errs": f.Errs, "ErrList": errList(lang, f.Errs), "Summary": f.Summary, "Values": formValues(c)})
}

// contractAnswer answers a contract's form: a refusal about the form
// beside it; success back to the list with done said.
func (s *server) contractAnswer(c *gin.Context, r apiResult, form string) {
	lang := s.lang(c)
	switch {
	case r.status == http.StatusBadRequest || r.status == http.StatusConflict || r.status == http.StatusNotFound:
		errs, summary := fieldErrors(lang, r, "")
		s.renderContracts(c, r.status, contractsForm{Form: form, Errs: errs, Summary: summary})
	case !r.ok():
		backError(c, "/services/contracts", s.say(c, r))
	default:
		back(c, "/services/contracts", t(lang, "done"))
	}
}

func formInt(c *gin.Context, field string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(c.PostForm(field)))
	return n
}

// createContract sends the new contract's form.
func (s *server) createContract(c *gin.Context) {
	body := obj{"service": c.PostForm("service"), "provider_pib": strings.TrimSpace(c.PostForm("provider_pib")), "capacity": formInt(c, "capacity"),
		"valid_from": c.PostForm("valid_from"), "valid_until": c.PostForm("valid_until"), "unit": c.PostForm("unit"),
		"rate": strings.ReplaceAll(strings.TrimSpace(c.PostForm("rate")), ",", "."), "normative": c.PostForm("normative") == "yes",
		"legal_ref": c.PostForm("legal_ref"), "payee_iban": strings.ReplaceAll(c.PostForm("payee_iban"), " ", "")}
	if userOf(c).CentreID == "" {
		body["centre_id"] = c.PostForm("centre_id")
	}
	s.contractAnswer(c, s.call(c, http.MethodPost, "/api/v1/service-contracts", body, ""), "new")
}

// contractAction sends a contract's renewal, end or resumption.
func (s *server) contractAction(c *gin.Context) {
	id, action := c.Param("id"), c.Param("action")
	var body obj
	switch action {
	case "renew":
		body = obj{"valid_until": c.PostForm("valid_until")}
		for _, f := range []string{"valid_from", "rate"} {
			if v := strings.ReplaceAll(strings.TrimSpace(c.PostForm(f)), ",", "."); v != "" {
				body[f] = v
			}
		}
		if n := formInt(c, "capacity"); n != 0 {
			body["capacity"] = n
		}
	case "end":
		body = obj{"day": c.PostForm("day"), "reason": strings.TrimSpace(c.PostForm("reason"))}
	case "resume":
	default:
		s.refused(c, apiResult{status: http.StatusNotFound})
		return
	}
	r := s.call(c, http.MethodPost, "/api/v1/service-contracts/"+url.PathEscape(id)+"/"+action, body, "")
	s.contractAnswer(c, r, action+"-"+id)
}

func (s *server) delegationsPage(c *gin.Context) {
	s.renderDelegations(c, http.StatusOK, contractsForm{})
}

func (s *server) renderDelegations(c *gin.Context, status int, f contractsForm) {
	var res struct{ Delegations []obj }
	lang := s.lang(c)
	if r := s.getJSON(c, "/api/v1/service-delegations", &res); !r.ok() {
		s.refused(c, r)
		return
	}
	u := userOf(c)
	s.render(c, status, "service_delegations", gin.H{"Delegations": res.Delegations, "MayGrant": may(u, "service_delegation", "create"),
		"Scopes": services.Scopes(), "SentForm": f.Form, "Errs": f.Errs, "ErrList": errList(lang, f.Errs), "Summary": f.Summary, "Values": formValues(c)})
}

func (s *server) delegationAnswer(c *gin.Context, r apiResult, form string) {
	lang := s.lang(c)
	switch {
	case r.status == http.StatusBadRequest || r.status == http.StatusConflict || r.status == http.StatusNotFound:
		errs, summary := fieldErrors(lang, r, "")
		s.renderDelegations(c, r.status, contractsForm{Form: form, Errs: errs, Summary: summary})
	case !r.ok():
		backError(c, "/services/delegations", s.say(c, r))
	default:
		back(c, "/services/delegations", t(lang, "done"))
	}
}

// grantDelegation sends the head's new delegation.
func (s *server) grantDelegation(c *gin.Context) {
	_ = c.Request.ParseForm()
	body := obj{"provider_pib": strings.TrimSpace(c.PostForm("provider_pib")), "scope": c.Request.PostForm["scope"],
		"valid_from": c.PostForm("valid_from"), "valid_until": c.PostForm("valid_until"), "dv": c.PostForm("dv") == "yes"}
	if body["scope"] == nil {
		body["scope"] = []string{}
	}
	s.delegationAnswer(c, s.call(c, http.MethodPost, "/api/v1/service-delegations", body, ""), "new")
}

// revokeDelegation sends the head's revocation with its reason.
func (s *server) revokeDelegation(c *gin.Context) {
	id := c.Param("id")
	r := s.call(c, http.MethodPost, "/api/v1/service-delegations/"+url.PathEscape(id)+"/revoke", obj{"reason": strings.TrimSpace(c.PostForm("reason"))}, "")
	s.delegationAnswer(c, r, "revoke-"+id)
}
