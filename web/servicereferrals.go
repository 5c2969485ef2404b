package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
	"github.com/karton-social/karton/domain/services"
)

// Referrals to a provider's service (issue 23 item 2,
// docs/service-referrals.md): the case page's block "Services" lists the
// case's referrals and refers its beneficiary to a contract with a free
// place; /service-referrals/{id} shows a referral with its dates, reviews,
// events and the actions the user's side may take; /provider/referrals is
// the provider's staff's list: new referrals to answer, waiting ones to
// start, active ones to end. Every page calls the API with the user's
// token: a referral not theirs is a 404 there and here, and a person's
// name shows only where the provider's delegation holds the identity.

// registerServiceReferrals adds the referral pages.
func (s *server) registerServiceReferrals(page, form func(string, gin.HandlerFunc)) {
	page("/provider/referrals", s.providerReferrals)
	page("/service-referrals/:id", s.serviceReferralPage)
	form("/cases/:number/service-referrals", s.referToService)
	for _, step := range []string{"answer", "start", "review", "end", "cancel"} {
		form("/service-referrals/:id/"+step, s.serviceReferralAction(step))
	}
}

// serviceName is a catalogue service's name in lang.
func serviceName(lang, code string) string {
	if sv, ok := providers.ServiceByCode(code); ok {
		return sv.Label(lang)
	}
	return code
}

// referralRow is a referral as the pages list it, its words in the
// reader's language.
type referralRow struct {
	ID, Person, Provider, Service, State, StateName, ReferredOn, StartedOn, WaitingSince string
}

func referralRows(lang string, list []obj) []referralRow {
	var rows []referralRow
	for _, r := range list {
		person, _ := r["person"].(map[string]any)
		rows = append(rows, referralRow{ID: jsonNumber(int(num(r["id"]))), Person: str(person["name"]), Provider: str(r["provider_name"]),
			Service: serviceName(lang, str(r["service"])), State: str(r["state"]), StateName: enum(lang, "service_referral_state", str(r["state"])),
			ReferredOn: str(r["referred_on"]), StartedOn: str(r["started_on"]), WaitingSince: str(r["waiting_since"])})
	}
	return rows
}

// contractChoice is a contract the referral form offers.
type contractChoice struct {
	ID    int64
	Label string
}

// caseServices is the case page's block "Services" for the case's
// procedure: nil when the procedure refers to no provider's service or
// the caller may not read its referrals.
func (s *server) caseServices(c *gin.Context, number, procedure string) gin.H {
	if len(services.ReferralServices(procedure)) == 0 {
		return nil
	}
	var res struct {
		Contracts []struct {
			ID                  int64
			Service, Unit, Rate string
			Free                int
			ProviderName        string `json:"provider_name"`
		}
		Referrals []obj
	}
	if r := s.getJSON(c, "/api/v1/cases/"+url.PathEscape(number)+"/service-referrals", &res); !r.ok() {
		return nil
	}
	lang := s.lang(c)
	var choices []contractChoice
	for _, k := range res.Contracts {
		if k.Free == 0 {
			continue
		}
		choices = append(choices, contractChoice{ID: k.ID, Label: k.ProviderName + " · " + serviceName(lang, k.Service) + " · " + money(lang, k.Rate) + " / " +
			enum(lang, "service_unit", k.Unit) + " · " + t(lang, "sr.free_places") + ": " + strconv.Itoa(k.Free)})
	}
	return gin.H{"Referrals": referralRows(lang, res.Referrals), "Contracts": choices, "Full": len(res.Contracts) > 0 && len(choices) == 0,
		"MayRefer": userOf(c).Role.Acts(domain.RoleCaseworker)}
}

// referToService sends the case page's referral and opens the referral.
func (s *server) referToService(c *gin.Context) {
	number := c.Param("number")
	id, _ := strconv.ParseInt(c.PostForm("contract_id"), 10, 64)
	r := s.call(c, http.MethodPost, "/api/v1/cases/"+url.PathEscape(number)+"/service-referrals", obj{"contract_id": id}, "")
	if !r.ok() {
		backError(c, "/cases/"+url.PathEscape(number), s.say(c, r))
		return
	}
	var out struct{ ID int64 }
	_ = json.Unmarshal(r.body, &out)
	back(c, "/service-referrals/"+strconv.FormatInt(out.ID, 10), t(s.lang(c), "done"))
}

// providerReferrals is the provider's staff's list of the referrals to
// their provider: new ones to answer, waiting ones to start, active ones
// to end.
func (s *server) providerReferrals(c *gin.Context) {
	var res struct{ Referrals []obj }
	if r := s.getJSON(c, "/api/v1/service-referrals?state=referred,waiting,active", &res); !r.ok() {
		s.refused(c, r)
		return
	}
	lang := s.lang(c)
	groups := map[string][]referralRow{}
	for _, row := range referralRows(lang, res.Referrals) {
		groups[row.State] = append(groups[row.State], row)
	}
	s.render(c, http.StatusOK, "provider_referrals", gin.H{"New": groups[services.ReferralReferred], "Waiting": groups[services.ReferralWaiting],
		"Active": groups[services.ReferralActive], "Today": referralToday(), "Reasons": services.EndReasons()})
}

// serviceReferralPage shows a referral with the actions the user's side
// may take in its state.
func (s *server) serviceReferralPage(c *gin.Context) {
	id := c.Param("id")
	var p obj
	if r := s.getJSON(c, "/api/v1/service-referrals/"+url.PathEscape(id), &p); !r.ok() {
		s.refused(c, r)
		return
	}
	u := userOf(c)
	lang := s.lang(c)
	state := str(p["state"])
	provider := u.Role == domain.RoleProviderStaff
	centre := !provider && u.Role.Acts(domain.RoleCaseworker)
	var events []string
	for _, e := range asList(p["events"]) {
		events = append(events, date(lang, str(e["at"]))+" · "+staffName(lang, str(e["by"]))+" · "+t(lang, "sr.ev."+str(e["what"])))
	}
	var reviews []string
	for _, v := range asList(p["reviews"]) {
		line := date(lang, str(v["day"])) + " · " + staffName(lang, str(v["by"])) + " · " + t(lang, "sr.outcome."+str(v["outcome"]))
		if n := str(v["note"]); n != "" {
			line += ": " + n
		}
		reviews = append(reviews, line)
	}
	s.render(c, http.StatusOK, "service_referral", gin.H{"R": p, "Service": serviceName(lang, str(p["service"])),
		"StateName": enum(lang, "service_referral_state", state), "EndReason": enum(lang, "service_end_reason", str(p["end_reason"])),
		"Events": events, "Reviews": reviews, "Provider": provider, "Today": referralToday(), "Reasons": services.EndReasons(),
		"Outcomes":  []string{"continue", "adjust", "end"},
		"MayAnswer": provider && state == services.ReferralReferred, "MayStart": provider && state == services.ReferralWaiting,
		"MayReview": centre && state == services.ReferralActive, "MayEnd": (provider || centre) && state == services.ReferralActive,
		"MayCancel": centre && (state == services.ReferralReferred || state == services.ReferralWaiting)})
}

// referralToday is the day the forms start from.
func referralToday() string { return time.Now().Format(time.DateOnly) }

// serviceReferralAction passes a step's form on to the API and comes back
// to where the form was.
func (s *server) serviceReferralAction(step string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			id = "0"
		}
		f := func(k string) string { return strings.TrimSpace(c.PostForm(k)) }
		var body any
		switch step {
		case "answer":
			body = obj{"answer": f("answer"), "start_day": f("start_day")}
		case "start":
			body = obj{"day": f("day")}
		case "review":
			body = obj{"day": f("day"), "note": f("note"), "outcome": f("outcome")}
		case "end":
			body = obj{"day": f("day"), "reason": f("reason")}
		}
		r := s.call(c, http.MethodPost, "/api/v1/service-referrals/"+id+"/"+step, body, "")
		dest := "/service-referrals/" + id
		if back := f("back"); back == "/provider/referrals" {
			dest = back
		}
		s.afterAction(c, r, dest, nil)
	}
}

// serviceReferralEventLine says a referral's step on the case's timeline
// in lang, from the event's data (its summary is Montenegrin).
func serviceReferralEventLine(lang string, d map[string]any) string {
	what := t(lang, "sr.ev."+str(d["what"]))
	if what == "" || what == "sr.ev."+str(d["what"]) {
		return ""
	}
	return t(lang, "sr.referral") + " " + strconv.Itoa(int(num(d["service_referral_id"]))) + ": " + what
}
