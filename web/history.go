package web

import (
	"strings"
)

// The timelines of a case, a DV notification and a referral are written by
// the workflows with a kind and a summary in English for developers. The
// pages say each line from its kind and its data (issue 17): the kind in
// words, then what the line is about (a date, a decision, a procedure, a
// centre), and a person's own words (a note, a tracking item) as written.

var historyMessages = map[string]map[string]string{
	"ev.case.intake":                        {"cnr": "Prijem", "en": "Intake"},
	"ev.case.stage_started":                 {"cnr": "Početak faze", "en": "Stage started"},
	"ev.case.stage_completed":               {"cnr": "Faza završena", "en": "Stage done"},
	"ev.case.approved":                      {"cnr": "Faza odobrena", "en": "Stage approved"},
	"ev.case.returned":                      {"cnr": "Faza vraćena na doradu", "en": "Stage returned"},
	"ev.case.note":                          {"cnr": "Bilješka", "en": "Note"},
	"ev.case.tracking_added":                {"cnr": "Dodata stavka praćenja", "en": "Tracking item added"},
	"ev.case.tracking_done":                 {"cnr": "Stavka praćenja obavljena", "en": "Tracking item done"},
	"ev.case.tracking_overdue":              {"cnr": "Stavka praćenja prekoračila rok", "en": "Tracking item overdue"},
	"ev.case.tracking_overdue_acknowledged": {"cnr": "Prekoračenje primljeno k znanju", "en": "Overdue item acknowledged"},
	"ev.case.decision_prepared":             {"cnr": "Pripremljeno rješenje", "en": "Decision prepared"},
	"ev.case.decision_returned":             {"cnr": "Rješenje vraćeno na doradu", "en": "Decision returned"},
	"ev.case.decision_issued":               {"cnr": "Rješenje doneseno", "en": "Decision issued"},
	"ev.case.subprocedure_started":          {"cnr": "Pokrenut podpostupak", "en": "Sub-procedure started"},
	"ev.case.subprocedure_closed":           {"cnr": "Podpostupak zatvoren", "en": "Sub-procedure closed"},
	"ev.case.reopened":                      {"cnr": "Predmet ponovo otvoren", "en": "Case reopened"},
	"ev.case.transferred":                   {"cnr": "Predmet ustupljen", "en": "Case transferred"},
	"ev.case.closing_proposed":              {"cnr": "Predloženo zatvaranje", "en": "Closing proposed"},
	"ev.case.review_requested":              {"cnr": "Zatražena revizija plana", "en": "Review asked for"},
	"ev.case.review_due":                    {"cnr": "Periodična revizija plana", "en": "Periodic review due"},
	"ev.case.reviewed":                      {"cnr": "Revizija plana obavljena", "en": "Plan reviewed"},
	"ev.case.closed":                        {"cnr": "Predmet zatvoren", "en": "Case closed"},
	"ev.dv.received":                        {"cnr": "Obavještenje primljeno", "en": "Notification received"},
	"ev.dv.police_update":                   {"cnr": "Dopuna policije", "en": "Police update"},
	"ev.dv.first_contact":                   {"cnr": "Prvi kontakt sa žrtvom", "en": "First contact with the victim"},
	"ev.dv.case_linked":                     {"cnr": "Povezano sa predmetom", "en": "Linked to a case"},
	"ev.dv.report_sent":                     {"cnr": "Izvještaj poslat policiji", "en": "Report sent to the police"},
	"ev.dv.report_acknowledged":             {"cnr": "Policija potvrdila prijem izvještaja", "en": "The police acknowledged the report"},
	"ev.ref.to_agency.referral":             {"cnr": "Uput poslat Zavodu za zapošljavanje", "en": "Referral sent to the Employment Agency"},
	"ev.ref.to_agency.reminder":             {"cnr": "Podsjetnik Zavodu", "en": "Reminder to the agency"},
	"ev.ref.to_agency.closed":               {"cnr": "Zavodu javljeno zatvaranje uputa", "en": "Closing told to the agency"},
	"ev.ref.to_agency.outcome":              {"cnr": "Zavodu javljena odluka centra", "en": "The centre's decision told to the agency"},
	"ev.ref.agency_acknowledged":            {"cnr": "Zavod primio uput", "en": "The agency took the referral"},
	"ev.ref.agency_step":                    {"cnr": "Korak Zavoda", "en": "The agency's step"},
	"ev.ref.decision_prepared":              {"cnr": "Pripremljena odluka", "en": "Decision prepared"},
	"ev.ref.decision_returned":              {"cnr": "Odluka vraćena na doradu", "en": "Decision returned"},
	"ev.ref.decision":                       {"cnr": "Odluka centra", "en": "The centre's decision"},
	"ev.ref.closed":                         {"cnr": "Uput zatvoren: Zavod nije javljao korake", "en": "Referral closed: the agency reported nothing"},
}

func init() {
	for k, v := range historyMessages {
		messages[k] = v
	}
}

// words is the catalogue's key in lang, or "" when it has none.
func words(lang, key string) string {
	if s := t(lang, key); s != key {
		return s
	}
	return ""
}

// dataField is the first of keys the data has (workflows record some structs
// with their Go names, others with JSON names).
func dataField(d map[string]any, keys ...string) string {
	for _, k := range keys {
		if v := str(d[k]); v != "" {
			return v
		}
	}
	return ""
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ": ")
}

// caseEventLine says a line of a case's history; decisions names the
// procedure's decision kinds in lang.
func caseEventLine(lang string, ev map[string]any, decisions map[string]string) string {
	kind, summary := str(ev["kind"]), str(ev["summary"])
	d, _ := ev["data"].(map[string]any)
	head := words(lang, "ev.case."+kind)
	for _, x := range []string{"approved", "returned"} {
		if stage, ok := strings.CutSuffix(kind, "_"+x); ok && head == "" && stage != "decision" {
			head = words(lang, "ev.case."+x) + " (" + t(lang, "s."+stage) + ")"
		}
	}
	if head == "" {
		head = label(lang, "o.", kind)
	}
	switch kind {
	case "note", "tracking_done", "tracking_overdue", "tracking_overdue_acknowledged", "decision_issued", "subprocedure_closed":
		return join(head, summary)
	case "tracking_added":
		return join(head, str(d["what"])+" ("+t(lang, "stage_due")+" "+date(lang, d["due"])+")")
	case "decision_prepared", "decision_returned":
		if n, ok := decisions[summary]; ok {
			return join(head, n)
		}
		return head
	case "subprocedure_started":
		if f := strings.Fields(summary); len(f) == 2 {
			return join(head, procedureName(lang, f[0])+" "+f[1])
		}
	case "transferred":
		if from, to, ok := strings.Cut(summary, " → "); ok {
			return join(head, centreName(from)+" → "+centreName(to))
		}
	case "placement": // issue 22 (placements.go)
		return join(head, placementEventLine(lang, d))
	case "service_referral": // issue 23 (servicereferrals.go)
		return join(head, serviceReferralEventLine(lang, d))
	case "closed":
		return join(head, label(lang, "o.", str(d["reason"])))
	case "intake":
		return join(head, label(lang, "o.", strings.TrimPrefix(summary, "intake: ")))
	case "stage_started":
		if _, due, ok := strings.Cut(summary, " due "); ok {
			return head + " · " + t(lang, "stage_due") + " " + date(lang, due)
		}
	}
	return head
}

// dvEventLine says a line of a DV notification's timeline.
func dvEventLine(lang string, ev map[string]any) string {
	kind, summary := str(ev["kind"]), str(ev["summary"])
	d, _ := ev["data"].(map[string]any)
	head := words(lang, "ev.dv."+kind)
	if head == "" {
		head = label(lang, "o.", kind)
	}
	switch kind {
	case "first_contact":
		return join(head, label(lang, "o.", str(d["contact"]))+", "+label(lang, "f.", "risk_level")+" "+strings.ToLower(label(lang, "o.", str(d["risk_level"]))))
	case "case_linked":
		return join(head, summary)
	case "report_acknowledged":
		return join(head, strings.TrimPrefix(summary, "police reference "))
	case "police_update":
		return join(head, dataField(d, "Note", "note"))
	}
	return head
}

// referralEventLine says a line of a referral's timeline.
func referralEventLine(lang string, ev map[string]any) string {
	kind := str(ev["kind"])
	d, _ := ev["data"].(map[string]any)
	switch kind {
	case "to_agency":
		if h := words(lang, "ev.ref.to_agency."+dataField(d, "Kind", "kind")); h != "" {
			return join(h, dataField(d, "DecisionNumber", "decision_number"))
		}
	case "agency_acknowledged":
		return join(words(lang, "ev.ref."+kind), dataField(d, "agency_reference", "AgencyReference"))
	case "agency_step":
		return join(words(lang, "ev.ref."+kind), label(lang, "o.", dataField(d, "Kind", "kind")))
	case "decision_prepared":
		return join(words(lang, "ev.ref."+kind), label(lang, "o.", dataField(d, "measure", "Measure")))
	case "decision":
		// "decision <number>: <measure> from <date>", or "no change ...: <reasoning>"
		if rest, ok := strings.CutPrefix(str(ev["summary"]), "decision "); ok {
			number, what, _ := strings.Cut(rest, ": ")
			measure, from, _ := strings.Cut(what, " from ")
			return join(words(lang, "ev.ref."+kind), number+" · "+label(lang, "o.", measure)+" "+t(lang, "from")+" "+from)
		}
		return join(words(lang, "ev.ref."+kind), label(lang, "o.", "none"))
	}
	if h := words(lang, "ev.ref."+kind); h != "" {
		return h
	}
	return label(lang, "o.", kind)
}
