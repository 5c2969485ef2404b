package web

import (
	"maps"
	"strings"
)

// caseMessages are the words of the case pages and of the procedures'
// forms: field labels (f.<field>), choices (o.<value>), stages and task
// types. A field or choice without an entry shows its name in words.
var caseMessages = map[string]map[string]string{
	"cases":                    {"cnr": "Predmeti", "en": "Cases"},
	"new_case":                 {"cnr": "Novi predmet", "en": "New case"},
	"case":                     {"cnr": "Predmet", "en": "Case"},
	"procedure":                {"cnr": "Postupak", "en": "Procedure"},
	"stage":                    {"cnr": "Faza", "en": "Stage"},
	"status":                   {"cnr": "Status", "en": "Status"},
	"manager":                  {"cnr": "Voditelj slučaja", "en": "Case manager"},
	"team":                     {"cnr": "Tim", "en": "Team"},
	"scope_mine":               {"cnr": "Moji", "en": "Mine"},
	"scope_team":               {"cnr": "Tima", "en": "My team's"},
	"participants":             {"cnr": "Učesnici", "en": "Participants"},
	"role":                     {"cnr": "Uloga", "en": "Role"},
	"stages":                   {"cnr": "Faze i rokovi", "en": "Stages and deadlines"},
	"started":                  {"cnr": "Početak", "en": "Started"},
	"finished":                 {"cnr": "Završeno", "en": "Done"},
	"met_deadline":             {"cnr": "U roku", "en": "On time"},
	"late":                     {"cnr": "Van roka", "en": "Late"},
	"tracking":                 {"cnr": "Lista praćenja", "en": "Tracking list"},
	"add_tracking":             {"cnr": "Dodaj stavku praćenja", "en": "Add a tracking item"},
	"mark_done":                {"cnr": "Obavljeno", "en": "Mark done"},
	"decisions":                {"cnr": "Rješenja", "en": "Decisions"},
	"prepare_decision":         {"cnr": "Pripremi rješenje", "en": "Prepare a decision"},
	"subprocedures":            {"cnr": "Podpostupci", "en": "Sub-procedures"},
	"start_subprocedure":       {"cnr": "Pokreni podpostupak", "en": "Start a sub-procedure"},
	"history":                  {"cnr": "Tok predmeta", "en": "History"},
	"note":                     {"cnr": "Bilješka", "en": "Note"},
	"add_note":                 {"cnr": "Dodaj bilješku", "en": "Add a note"},
	"transfer":                 {"cnr": "Ustupi drugom centru", "en": "Transfer to another centre"},
	"propose_closing":          {"cnr": "Predloži zatvaranje", "en": "Propose closing"},
	"dv_register":              {"cnr": "Nasilje u porodici", "en": "Domestic violence"},
	"dv_first_contact":         {"cnr": "Hitno: prvi kontakt sa žrtvom", "en": "Urgent: first contact with the victim"},
	"police_notification":      {"cnr": "Obavještenje policije", "en": "Police notification"},
	"police_report":            {"cnr": "Izvještaj policiji", "en": "Report to the police"},
	"reference":                {"cnr": "Broj", "en": "Reference"},
	"received":                 {"cnr": "Primljeno", "en": "Received"},
	"occurred":                 {"cnr": "Događaj", "en": "Occurred"},
	"measures":                 {"cnr": "Zaštitne mjere", "en": "Protective measures"},
	"unidentified":             {"cnr": "nije identifikovano", "en": "not identified"},
	"f.contact":                {"cnr": "Kontakt", "en": "Contact"},
	"f.contacted_at":           {"cnr": "Vrijeme kontakta", "en": "Contacted at"},
	"f.open_case":              {"cnr": "Otvori predmet (ili pridruži otvorenom)", "en": "Open a case (or join the open one)"},
	"f.victim_person_id":       {"cnr": "Žrtva (ID lica, ako je policija nije identifikovala)", "en": "Victim (person id, when the police could not identify her)"},
	"o.in_person":              {"cnr": "Lično", "en": "In person"},
	"o.phone":                  {"cnr": "Telefonom", "en": "By phone"},
	"o.at_police":              {"cnr": "U policiji", "en": "At the police"},
	"o.at_hospital":            {"cnr": "U bolnici", "en": "At the hospital"},
	"o.not_reached":            {"cnr": "Nije dostupna", "en": "Not reached"},
	"o.removal_from_residence": {"cnr": "Udaljenje iz stana", "en": "Removal from the residence"},
	"o.restraining_order":      {"cnr": "Zabrana približavanja", "en": "Restraining order"},
	"o.harassment_ban":         {"cnr": "Zabrana uznemiravanja i uhođenja", "en": "Ban on harassment and stalking"},
	"o.addiction_treatment":    {"cnr": "Obavezno liječenje od zavisnosti", "en": "Mandatory addiction treatment"},
	"o.psychosocial_treatment": {"cnr": "Obavezni psihosocijalni tretman", "en": "Mandatory psycho-social treatment"},
	"show_all":                 {"cnr": "Prikaži sve", "en": "Show all"},
	"ask_review":               {"cnr": "Zatraži reviziju plana", "en": "Ask for a review"},
	"reopen":                   {"cnr": "Ponovo otvori", "en": "Reopen"},
	"send":                     {"cnr": "Sačuvaj", "en": "Save"},
	"waiting_case":             {"cnr": "Predmet prelazi u sljedeću fazu; stranica se osvježava.", "en": "The case is moving to its next stage; this page reloads."},
	"fix_fields":               {"cnr": "Ispravite označena polja.", "en": "Correct the marked fields."},
	"required":                 {"cnr": "obavezno", "en": "required"},
	"choose":                   {"cnr": "Izaberite", "en": "Choose"},
	"one_per_line":             {"cnr": "jedno po redu", "en": "one per line"},
	"search_person_case":       {"cnr": "Za koga se otvara predmet? JMBG ili ime", "en": "Whom is the case about? JMBG or name"},
	"open_case":                {"cnr": "Otvori predmet", "en": "Open the case"},
	"case_deadlines":           {"cnr": "Rokovi predmeta", "en": "Case deadlines"},
	"overdue_tracking":         {"cnr": "Prekoračene stavke praćenja", "en": "Overdue tracking items"},
	"outcome.submit":           {"cnr": "Sačuvaj", "en": "Save"},
	"outcome.approve":          {"cnr": "Odobri", "en": "Approve"},
	"outcome.return":           {"cnr": "Vrati na doradu", "en": "Return"},
	"outcome.acknowledge":      {"cnr": "Primljeno k znanju", "en": "Acknowledge"},
	"s.intake":                 {"cnr": "Prijem", "en": "Intake"},
	"s.opening":                {"cnr": "Otvaranje slučaja", "en": "Opening"},
	"s.initial_assessment":     {"cnr": "Početna procjena", "en": "Initial assessment"},
	"s.detailed_assessment":    {"cnr": "Usmjerena procjena", "en": "Detailed assessment"},
	"s.plan":                   {"cnr": "Individualni plan", "en": "Individual plan"},
	"s.monitoring":             {"cnr": "Sprovođenje i praćenje", "en": "Implementation and monitoring"},
	"s.review":                 {"cnr": "Evaluacija i revizija", "en": "Review"},
	"s.closing":                {"cnr": "Zatvaranje", "en": "Closing"},
	"case_opening":             {"cnr": "Otvaranje slučaja", "en": "Open the case"},
	"case_initial_assessment":  {"cnr": "Početna procjena", "en": "Initial assessment"},
	"case_detailed_assessment": {"cnr": "Usmjerena procjena", "en": "Detailed assessment"},
	"case_plan":                {"cnr": "Individualni plan", "en": "Individual plan"},
	"case_closing":             {"cnr": "Zatvaranje slučaja", "en": "Close the case"},
	"case_review":              {"cnr": "Revizija plana", "en": "Review"},
	"case_approval":            {"cnr": "Odobrenje faze", "en": "Approve a stage"},
	"case_decision_approval":   {"cnr": "Odobrenje rješenja", "en": "Approve a decision"},
	"case_tracking_overdue":    {"cnr": "Prekoračena stavka praćenja", "en": "Overdue tracking item"},
	"f.source":                 {"cnr": "Kako je centar saznao", "en": "Source"},
	"f.reporter":               {"cnr": "Podnosilac prijave", "en": "Reporter"},
	"f.description":            {"cnr": "Opis", "en": "Description"},
	"f.urgency":                {"cnr": "Hitnost", "en": "Urgency"},
	"f.outcome":                {"cnr": "Ishod prijema", "en": "Outcome of the intake"},
	"f.case_manager":           {"cnr": "Voditelj slučaja", "en": "Case manager"},
	"f.team":                   {"cnr": "Tim", "en": "Team"},
	"f.network":                {"cnr": "Socijalna mreža", "en": "Social network"},
	"f.name":                   {"cnr": "Ime i prezime", "en": "Name"},
	"f.jmbg":                   {"cnr": "JMBG", "en": "JMBG"},
	"f.relation":               {"cnr": "Odnos", "en": "Relation"},
	"f.safety":                 {"cnr": "Bezbjednost", "en": "Safety"},
	"f.urgent_measures":        {"cnr": "Hitne mjere", "en": "Urgent measures"},
	"f.findings":               {"cnr": "Nalaz", "en": "Findings"},
	"f.risk_level":             {"cnr": "Nivo rizika", "en": "Risk level"},
	"f.indicators":             {"cnr": "Indikatori rizika", "en": "Risk indicators"},
	"f.safety_plan":            {"cnr": "Bezbjednosni plan", "en": "Safety plan"},
	"f.needs":                  {"cnr": "Potrebe", "en": "Needs"},
	"f.risks":                  {"cnr": "Rizici", "en": "Risks"},
	"f.strengths":              {"cnr": "Snage", "en": "Strengths"},
	"f.participated":           {"cnr": "Korisnik je učestvovao u procjeni", "en": "The beneficiary took part"},
	"f.goals":                  {"cnr": "Ciljevi", "en": "Goals"},
	"f.goal":                   {"cnr": "Cilj", "en": "Goal"},
	"f.service":                {"cnr": "Usluga", "en": "Service"},
	"f.provider":               {"cnr": "Pružalac", "en": "Provider"},
	"f.responsible":            {"cnr": "Odgovorno lice", "en": "Responsible"},
	"f.due":                    {"cnr": "Rok", "en": "Due"},
	"f.progress":               {"cnr": "Napredak", "en": "Progress"},
	"f.next":                   {"cnr": "Dalje", "en": "Next"},
	"f.reason":                 {"cnr": "Razlog", "en": "Reason"},
	"f.summary":                {"cnr": "Sažetak", "en": "Summary"},
	"f.court":                  {"cnr": "Sud", "en": "Court"},
	"f.court_reference":        {"cnr": "Broj predmeta suda", "en": "Court reference"},
	"f.opinion":                {"cnr": "Mišljenje", "en": "Opinion"},
	"f.kind":                   {"cnr": "Vrsta", "en": "Kind"},
	"f.what":                   {"cnr": "Šta", "en": "What"},
	"f.reasoning":              {"cnr": "Obrazloženje", "en": "Reasoning"},
	"f.disposition":            {"cnr": "Dispozitiv", "en": "Disposition"},
	"o.walk_in":                {"cnr": "Lično u centru", "en": "Walk-in"},
	"o.hotline":                {"cnr": "SOS linija", "en": "Hotline"},
	"o.school":                 {"cnr": "Škola", "en": "School"},
	"o.health_service":         {"cnr": "Zdravstvena ustanova", "en": "Health service"},
	"o.court":                  {"cnr": "Sud", "en": "Court"},
	"o.ex_officio":             {"cnr": "Po službenoj dužnosti", "en": "Ex officio"},
	"o.police":                 {"cnr": "Policija", "en": "Police"},
	"o.routine":                {"cnr": "Redovno", "en": "Routine"},
	"o.urgent":                 {"cnr": "Hitno", "en": "Urgent"},
	"o.immediate":              {"cnr": "Odmah", "en": "Immediate"},
	"o.information_only":       {"cnr": "Samo informacija", "en": "Information only"},
	"o.benefit_application":    {"cnr": "Zahtjev za pravo", "en": "Benefit application"},
	"o.open_case":              {"cnr": "Otvaranje slučaja", "en": "Open a case"},
	"o.relative":               {"cnr": "Srodnik", "en": "Relative"},
	"o.guardian":               {"cnr": "Staratelj", "en": "Guardian"},
	"o.reporter":               {"cnr": "Podnosilac prijave", "en": "Reporter"},
	"o.foster_parent":          {"cnr": "Hranitelj", "en": "Foster parent"},
	"o.teacher":                {"cnr": "Nastavnik", "en": "Teacher"},
	"o.doctor":                 {"cnr": "Ljekar", "en": "Doctor"},
	"o.other":                  {"cnr": "Drugo", "en": "Other"},
	"o.safe":                   {"cnr": "Bezbjedan", "en": "Safe"},
	"o.at_risk":                {"cnr": "Ugrožen", "en": "At risk"},
	"o.in_danger":              {"cnr": "U neposrednoj opasnosti", "en": "In danger"},
	"o.low":                    {"cnr": "Nizak", "en": "Low"},
	"o.medium":                 {"cnr": "Srednji", "en": "Medium"},
	"o.high":                   {"cnr": "Visok", "en": "High"},
	"o.achieved":               {"cnr": "Ostvareno", "en": "Achieved"},
	"o.on_track":               {"cnr": "Po planu", "en": "On track"},
	"o.partly":                 {"cnr": "Djelimično", "en": "Partly"},
	"o.not_achieved":           {"cnr": "Nije ostvareno", "en": "Not achieved"},
	"o.continue":               {"cnr": "Nastaviti", "en": "Continue"},
	"o.revise_plan":            {"cnr": "Revidirati plan", "en": "Revise the plan"},
	"o.close":                  {"cnr": "Zatvoriti", "en": "Close"},
	"o.goals_achieved":         {"cnr": "Ciljevi ostvareni", "en": "Goals achieved"},
	"o.moved":                  {"cnr": "Preseljenje", "en": "Moved away"},
	"o.death":                  {"cnr": "Smrt", "en": "Death"},
	"o.transferred":            {"cnr": "Ustupljeno", "en": "Transferred"},
	"o.refused":                {"cnr": "Odbijena saradnja", "en": "Refused"},
	"o.no_longer_needed":       {"cnr": "Prestala potreba", "en": "No longer needed"},
	"o.court_decision":         {"cnr": "Odluka suda", "en": "Court decision"},
	"o.age_limit":              {"cnr": "Starosna granica", "en": "Age limit"},
	"o.visit":                  {"cnr": "Posjeta", "en": "Visit"},
	"o.report":                 {"cnr": "Izvještaj", "en": "Report"},
	"o.review":                 {"cnr": "Revizija", "en": "Review"},
	"o.contact":                {"cnr": "Kontakt", "en": "Contact"},
	// Form hints (h.<form>.<field>); the schemas' descriptions are English.
	"h.intake.source":                    {"cnr": "kako je centar saznao za lice", "en": "how the centre learnt of the person"},
	"h.intake.reporter":                  {"cnr": "ko je prijavio, kad to nije samo lice", "en": "who reported, when not the person"},
	"h.intake.outcome":                   {"cnr": "šta je odlučeno na prijemu", "en": "what the intake decided"},
	"h.opening.case_manager":             {"cnr": "radnik centra koji vodi slučaj", "en": "the centre's worker who manages the case"},
	"h.opening.team":                     {"cnr": "radnici centra koji rade na slučaju", "en": "the centre's workers on the case"},
	"h.detailed_assessment.participated": {"cnr": "korisnik je učestvovao u procjeni", "en": "the beneficiary took part in the assessment"},
}

func init() { maps.Copy(messages, caseMessages) }

// hint is a form field's help in the page's language: the catalogue's
// h.<form>.<field> or h.<field>, else, in English, the schema's
// description (written in English: a Montenegrin page shows none).
func hint(lang, form, key, def string) string {
	form = form[strings.LastIndex(form, ":")+1:] // a stage's form is named stage:<stage>:<form>
	for _, k := range []string{"h." + form + "." + key, "h." + key} {
		if s := t(lang, k); s != k {
			return s
		}
	}
	if lang != "en" {
		return ""
	}
	return def
}

// label names a form's field or choice (prefix "f." or "o."): its entry,
// else the name in words ("urgent_measures" -> "Urgent measures").
func label(lang, prefix, key string) string {
	if s := t(lang, prefix+key); s != prefix+key {
		return s
	}
	s := strings.ReplaceAll(key, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
