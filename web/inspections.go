package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain/providers"
)

// The ministry officer's page of a provider (issue 21 item 1): its
// licences with their states, inspections with findings and fines,
// suspensions and the history, and the forms to schedule an inspection,
// record findings, propose, decide and appeal a fine, suspend, lift and
// withdraw. Everything goes through the API as the officer.

func (s *server) registerInspections(page, form func(string, gin.HandlerFunc)) {
	page("/providers", s.providersList)
	page("/providers/:id", s.providerPage)
	form("/providers/:id/act", s.providerAct)
}

// providersList is the officer's way in: every licence on the register
// with its provider, each provider a link to its page.
func (s *server) providersList(c *gin.Context) {
	lang := s.lang(c)
	var reg struct {
		AsOf    string `json:"as_of"`
		Entries []obj  `json:"entries"`
	}
	if r := s.getJSON(c, "/api/v1/public/providers?lang="+lang, &reg); !r.ok() {
		s.render(c, http.StatusServiceUnavailable, "message", gin.H{"Title": "insp_providers", "Message": t(lang, "provider_unavailable")})
		return
	}
	s.render(c, http.StatusOK, "providers", gin.H{"Entries": reg.Entries, "AsOf": reg.AsOf})
}

// providerPage renders the provider's supervision.
func (s *server) providerPage(c *gin.Context) { s.renderProvider(c, http.StatusOK) }

func (s *server) renderProvider(c *gin.Context, status int) {
	lang := s.lang(c)
	id := c.Param("id")
	var v obj
	r := s.getJSON(c, "/api/v1/providers/"+url.PathEscape(id)+"/supervision?lang="+lang, &v)
	if !r.ok() {
		s.render(c, r.status, "message", gin.H{"Title": t(lang, "insp_title"), "Message": s.say(c, r)})
		return
	}
	prov, _ := v["provider"].(obj)
	licences := asList(prov["licences"])
	for _, l := range licences {
		state, _ := l["state"].(string)
		l["Open"] = state != providers.Withdrawn && state != providers.Expired
		l["Suspended"] = state == providers.Suspended
	}
	inspections := asList(v["inspections"])
	for _, i := range inspections {
		i["FindingsList"] = asList(i["findings"])
		i["FinesList"] = asList(i["fines"])
		for _, f := range i["FinesList"].([]obj) {
			if a, ok := f["appeal"].(obj); ok {
				f["Appeal"] = a
			}
		}
	}
	history := asList(v["history"])
	for _, e := range history {
		e["Text"] = historyDetail(lang, e)
	}
	var kinds, items []choice
	for _, k := range providers.InspectionKinds {
		kinds = append(kinds, choice{k, t(lang, "insp_kind."+k)})
	}
	for _, it := range providers.InspectionChecklist() {
		items = append(items, choice{it.Code, it.Label(lang)})
	}
	s.render(c, status, "provider", gin.H{"P": prov, "Licences": licences, "Inspections": inspections, "Suspensions": asList(v["suspensions"]),
		"History": history, "Kinds": kinds, "Items": items, "ID": id, "Outcomes": []string{providers.FineUpheld, providers.FineAnnulled, providers.FineChanged}})
}

// historyDetail says an event's detail in lang: a service, a kind or an
// outcome by its name, an amount as money; reasons and summaries as the
// officer wrote them.
func historyDetail(lang string, e obj) string {
	kind, _ := e["kind"].(string)
	detail, _ := e["detail"].(string)
	switch kind {
	case "licence_recorded":
		if sv, ok := providers.ServiceByCode(detail); ok {
			return sv.Label(lang)
		}
	case "inspection_scheduled":
		return t(lang, "insp_kind."+detail)
	case "fine_proposed", "fine_decided":
		return money(lang, detail)
	case "appeal_decided":
		return t(lang, "insp_outcome."+detail)
	}
	return detail
}

// providerAct is every form of the page: do names the act, licence the
// licence, inspection and fine the record it is about.
func (s *server) providerAct(c *gin.Context) {
	id := c.Param("id")
	page := "/providers/" + url.PathEscape(id)
	_ = c.Request.ParseForm()
	f := c.Request.PostForm
	val := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	lic := page + "/licences/" + url.PathEscape(val("licence"))
	var path string
	var body obj
	switch val("do") {
	case "inspect":
		path, body = lic+"/inspections", obj{"kind": val("kind"), "scheduled_on": val("scheduled_on")}
	case "findings":
		var list []obj
		for _, it := range providers.InspectionChecklist() {
			x := obj{"item": it.Code, "note": val("note." + it.Code)}
			switch val("compliant." + it.Code) {
			case "yes":
				x["compliant"] = true
			case "no":
				x["compliant"] = false
			}
			list = append(list, x)
		}
		path, body = lic+"/inspections/"+url.PathEscape(val("inspection"))+"/findings", obj{"items": list, "summary": val("summary")}
	case "fine":
		path, body = lic+"/inspections/"+url.PathEscape(val("inspection"))+"/fines",
			obj{"amount": strings.ReplaceAll(val("amount"), ",", "."), "legal_reference": val("legal_reference"), "reason": val("reason"), "due_on": val("due_on")}
	case "decide":
		path = lic + "/fines/" + url.PathEscape(val("fine")) + "/decide"
	case "appeal":
		path, body = lic+"/fines/"+url.PathEscape(val("fine"))+"/appeal", obj{"filed_on": val("filed_on"), "grounds": val("grounds")}
	case "outcome":
		body = obj{"outcome": val("outcome")}
		if a := val("amount"); a != "" {
			body["amount"] = strings.ReplaceAll(a, ",", ".")
		}
		path = lic + "/fines/" + url.PathEscape(val("fine")) + "/appeal/outcome"
	case "suspend":
		path, body = lic+"/suspend", obj{"from": val("from"), "reason": val("reason")}
	case "lift":
		path, body = lic+"/lift-suspension", obj{"reason": val("reason")}
	case "withdraw":
		path, body = lic+"/withdraw", obj{"reason": val("reason")}
	default:
		c.String(http.StatusNotFound, t(s.lang(c), "insp_no_act"))
		return
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		c.String(http.StatusNotFound, t(s.lang(c), "insp_no_act"))
		return
	}
	var r apiResult
	if body == nil {
		r = s.call(c, http.MethodPost, "/api/v1"+path, []byte{}, "application/json")
	} else {
		r = s.call(c, http.MethodPost, "/api/v1"+path, body, "")
	}
	if !r.ok() {
		backError(c, page, s.say(c, r))
		return
	}
	back(c, page, t(s.lang(c), "insp_done."+val("do")))
}

// placementFields makes the decision form's provider of procedure a
// choice among the providers whose licence for its placement's service is
// in force today (the register is constitutive), each by name and licence;
// a procedure that places nobody with a provider has no such field.
func (s *server) placementFields(c *gin.Context, procedure string, fields []field) []field {
	services := providers.PlacementServices(procedure, "institution_placement")
	out := fields[:0:0]
	for _, f := range fields {
		if f.Key != "provider_id" {
			out = append(out, f)
			continue
		}
		if services == nil {
			continue
		}
		f.Kind, f.Options, f.Labels = "select", nil, map[string]string{}
		for _, sv := range services {
			var v struct {
				Providers []obj `json:"providers"`
			}
			if r := s.getJSON(c, "/api/v1/providers?lang="+s.lang(c)+"&service="+url.QueryEscape(sv), &v); !r.ok() {
				continue
			}
			for _, p := range v.Providers {
				id := jsonNumber(int(placementNum(p["id"])))
				f.Options = append(f.Options, id)
				f.Labels[id] = str(p["name"]) + ", " + str(p["municipality_name"]) + " (" + str(p["licence_number"]) + ")"
			}
		}
		out = append(out, f)
	}
	return out
}

func placementNum(v any) float64 {
	n, _ := v.(float64)
	return n
}
