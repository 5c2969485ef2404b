package web

import (
	"fmt"
	"strings"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
	"github.com/karton-social/karton/domain/cases"
)

// enumWords name, in both languages, the values the API gives as codes
// (issue 17): states, roles, kinds, channels. Each is the catalogue's entry
// "<enum>.<value>"; a page says a code through the template function enum,
// never as it is. TestPagesSpeakOneLanguage renders every page and fails on
// a code of these lists left in the text.
var enumWords = map[string]map[string][2]string{
	"claim_state": {
		"filed": {"podnesen", "filed"}, "evidence": {"pribavljanje dokaza", "gathering evidence"},
		"review": {"na pregledu", "under review"}, "approval": {"čeka odobrenje rješenja", "awaiting approval"},
		"deciding": {"izrada rješenja", "decision being issued"}, "approved": {"odobren", "approved"},
		"rejected": {"odbijen", "rejected"}, "withdrawn": {"povučen", "withdrawn"},
	},
	"task_state": {"open": {"otvoren", "open"}, "completed": {"završen", "completed"}, "cancelled": {"otkazan", "cancelled"}},
	"case_status": {
		"open": {"otvoren", "open"}, "closed": {"zatvoren", "closed"},
		"information_only": {"samo informacija", "information only"}, "benefit_application": {"upućeno na zahtjev za pravo", "referred to a benefit claim"},
	},
	"role": {
		"caseworker": {"stručni radnik", "caseworker"}, "supervisor": {"rukovodilac stručnog tima", "supervisor"},
		"centre_head": {"direktor centra", "centre head"}, "dv_caseworker": {"stručni radnik za nasilje u porodici", "domestic-violence caseworker"},
		"dv_supervisor":   {"rukovodilac tima za nasilje u porodici", "domestic-violence supervisor"},
		"finance_officer": {"službenik za finansije", "finance officer"}, "ministry_analyst": {"analitičar Ministarstva", "ministry analyst"},
		"appeals_officer": {"službenik za drugostepeni postupak", "appeals officer"}, "police_officer": {"policija", "police"},
		"employment_officer": {"Zavod za zapošljavanje", "Employment Agency"}, "employer": {"poslodavac", "employer"},
		"citizen": {"građanin", "citizen"}, "auditor": {"revizor", "auditor"}, "admin": {"administrator sistema", "system administrator"},
		"ministry_officer": {"službenik Ministarstva", "ministry officer"},
	},
	"sex": {"M": {"muški", "male"}, "F": {"ženski", "female"}},
	"relation": {
		"head": {"nosilac domaćinstva", "head of household"}, "spouse": {"supružnik", "spouse"}, "child": {"dijete", "child"},
		"parent": {"roditelj", "parent"}, "sibling": {"brat ili sestra", "sibling"}, "other": {"drugo", "other"},
	},
	"evidence_kind": {
		"identity": {"lični podaci", "identity"}, "residence": {"prebivalište", "residence"}, "household": {"domaćinstvo", "household"},
		"vehicles": {"vozila", "vehicles"}, "registered_income": {"prijavljeni prihodi", "registered income"}, "pension": {"penzija", "pension"},
		"health_insurance": {"zdravstveno osiguranje", "health insurance"}, "unemployment": {"evidencija nezaposlenih", "unemployment"},
		"real_estate": {"nepokretnosti", "real estate"}, "education": {"obrazovanje", "education"},
		"agriculture": {"poljoprivreda", "agriculture"}, "livestock": {"stočni fond", "livestock"},
	},
	"registry": {
		"population": {"Ministarstvo unutrašnjih poslova: centralni registar stanovništva", "Ministry of Interior: central population register"},
		"vehicles":   {"Ministarstvo unutrašnjih poslova: registar motornih vozila", "Ministry of Interior: motor-vehicle register"},
		"tax":        {"Poreska uprava", "Tax Administration"}, "pension": {"Fond penzijskog i invalidskog osiguranja", "Pension and Disability Insurance Fund"},
		"health": {"Fond za zdravstveno osiguranje", "Health Insurance Fund"}, "employment": {"Zavod za zapošljavanje", "Employment Agency"},
		"realestate": {"Uprava za nekretnine", "Real Estate Administration"}, "education": {"Ministarstvo prosvjete", "Ministry of Education"},
		"agriculture": {"Ministarstvo poljoprivrede", "Ministry of Agriculture"},
		"veterinary":  {"Uprava za bezbjednost hrane, veterinu i fitosanitarne poslove", "Veterinary Administration"},
	},
	"decision_kind": {
		"grant": {"priznavanje prava", "grant"}, "rejection": {"odbijanje zahtjeva", "rejection"},
		"revision_change": {"izmjena po reviziji", "change on revision"}, "revision_end": {"prestanak prava po reviziji", "end on revision"},
	},
	"periodicity":       {"monthly": {"mjesečno", "monthly"}, "one_off": {"jednokratno", "one-off"}, "in_kind": {"u naturi", "in kind"}},
	"entitlement_state": {"active": {"aktivno", "active"}, "suspended": {"obustavljeno", "suspended"}, "ended": {"prestalo", "ended"}},
	"payment_state": {
		"prepared": {"pripremljena", "prepared"}, "exception": {"izuzeta", "held back"}, "sent": {"poslata", "sent"},
		"paid": {"isplaćena", "paid"}, "rejected": {"odbijena", "rejected"}, "returned": {"vraćena", "returned"},
	},
	"payroll_state": {
		"preparing": {"u pripremi", "being prepared"}, "awaiting_submission": {"čeka slanje na odobrenje", "awaiting submission"},
		"awaiting_approval": {"čeka odobrenje", "awaiting approval"}, "approved": {"odobren, datoteke se šalju", "approved, files being sent"},
		"sent": {"poslat banci i Pošti", "sent to the bank and the Post"},
	},
	"channel":        {"bank": {"banka", "bank"}, "post": {"Pošta", "Post"}},
	"payroll_change": {"new": {"novo pravo", "new right"}, "stopped": {"prestala isplata", "stopped"}, "changed": {"promijenjen iznos", "changed amount"}},
	"access_outcome": {"allowed": {"dozvoljeno", "allowed"}, "denied": {"odbijeno", "denied"}, "failed": {"neuspješno", "failed"}},
	"dv_state": {
		"received": {"primljeno", "received"}, "contacted": {"ostvaren kontakt", "contacted"},
		"reported": {"izvještaj poslat policiji", "reported to the police"}, "closed": {"zatvoreno", "closed"},
	},
	"report_state": {"none": {"nije slat", "not sent"}, "pending": {"u slanju", "being sent"}, "acknowledged": {"policija potvrdila prijem", "acknowledged by the police"}},
	"delivery":     {"pending": {"u slanju", "being sent"}, "acknowledged": {"Zavod potvrdio prijem", "acknowledged by the agency"}},
	"by":           {"police": {"policija", "the police"}, "system": {"Karton", "Karton"}},
	"dv_role": {
		"victim": {"žrtva", "victim"}, "perpetrator": {"učinilac", "perpetrator"}, "child": {"dijete", "child"}, "witness": {"svjedok", "witness"},
	},
	"case_role": {
		"beneficiary": {"korisnik", "beneficiary"}, "family": {"član porodice", "family member"}, "guardian": {"staratelj", "guardian"},
		"reporter": {"podnosilac prijave", "reporter"}, "perpetrator": {"učinilac", "perpetrator"},
	},
	"relationship": {
		"spouse": {"supružnik", "spouse"}, "former_spouse": {"bivši supružnik", "former spouse"}, "partner": {"partner", "partner"},
		"former_partner": {"bivši partner", "former partner"}, "parent": {"roditelj", "parent"}, "child": {"dijete", "child"},
		"sibling": {"brat ili sestra", "sibling"}, "other_relative": {"drugi srodnik", "other relative"},
		"household_member": {"član domaćinstva", "household member"}, "common_child": {"zajedničko dijete", "common child"}, "other": {"drugo", "other"},
	},
}

// deskMessages are the words of the desk's second pass (issue 17): the
// header, the forms' summaries and confirmations, the parameters waiting
// for confirmation.
var deskMessages = map[string]map[string]string{
	"form_errors":         {"cnr": "Obrazac nije sačuvan. Ispravite:", "en": "The form was not saved. Correct:"},
	"confirm":             {"cnr": "Potvrđujem", "en": "I confirm"},
	"confirm_withdraw":    {"cnr": "Potvrđujem da podnosilac povlači zahtjev. Povučeni zahtjev se ne može vratiti.", "en": "I confirm that the applicant withdraws the claim. A withdrawn claim cannot be taken back."},
	"confirm_reject":      {"cnr": "Potvrđujem odbijanje zahtjeva iz navedenih razloga.", "en": "I confirm the rejection of the claim for the reasons given."},
	"confirm_transfer":    {"cnr": "Potvrđujem ustupanje predmeta drugom centru.", "en": "I confirm the transfer of the case to another centre."},
	"confirm_close":       {"cnr": "Potvrđujem prijedlog zatvaranja predmeta.", "en": "I confirm the proposal to close the case."},
	"confirm_payroll":     {"cnr": "Potvrđujem da sam provjerio/la datoteke i njihove SHA-256 otiske.", "en": "I confirm I have checked the files and their SHA-256 digests."},
	"confirm_needed":      {"cnr": "potvrdite radnju označavanjem polja „Potvrđujem”", "en": "confirm the action by ticking the box"},
	"param_pending":       {"cnr": "parametar čeka potvrdu", "en": "parameter awaiting confirmation"},
	"param_owner":         {"cnr": "potvrđuje", "en": "to be confirmed by"},
	"choose_procedure":    {"cnr": "Izaberite postupak", "en": "Choose the procedure"},
	"procedures_fitting":  {"cnr": "Postupci za lice ovog uzrasta", "en": "Procedures for a person of this age"},
	"procedures_other":    {"cnr": "Postupci za sve uzraste", "en": "Procedures for any age"},
	"age_years":           {"cnr": "godina", "en": "years old"},
	"choose_staff":        {"cnr": "Izaberite radnika", "en": "Choose a worker"},
	"intake_description":  {"cnr": "Opis sa prijema", "en": "Description at intake"},
	"not_applicable":      {"cnr": "—", "en": "—"},
	"declared":            {"cnr": "izjava", "en": "declared"},
	"claimed_by":          {"cnr": "Preuzeo/la", "en": "Held by"},
	"group":               {"cnr": "Grupa", "en": "Group"},
	"jmbg_len":            {"cnr": "JMBG: potrebno je 13 cifara, upisano je %d", "en": "JMBG: 13 digits needed, %d typed"},
	"jmbg_date":           {"cnr": "JMBG: cifre 1–7 nisu stvarni datum rođenja", "en": "JMBG: digits 1-7 are not a real date of birth"},
	"jmbg_check":          {"cnr": "JMBG: kontrolna cifra je %d, a treba da bude %d", "en": "JMBG: the check digit is %d, expected %d"},
	"csrf_expired":        {"cnr": "Obrazac je istekao ili nije poslat iz Kartona. Vratite se, osvježite stranicu i pokušajte ponovo.", "en": "The form has expired or did not come from Karton. Go back, reload the page and try again."},
	"idp_down":            {"cnr": "Servis za prijavu nije dostupan. Pokušajte ponovo za minut.", "en": "The identity provider is not reachable. Try again in a minute."},
	"login_incomplete":    {"cnr": "Prijava nije završena. Počnite ponovo na /login.", "en": "The login did not complete. Start again at /login."},
	"login_refused":       {"cnr": "Servis za prijavu nije prihvatio prijavu. Počnite ponovo na /login.", "en": "The identity provider refused the login. Start again at /login."},
	"logout_failed":       {"cnr": "Karton nije mogao da zabilježi odjavu, pa sesija i dalje važi. Vratite se i odjavite ponovo.", "en": "Karton could not record the logout, so the session is still valid. Go back and log out again."},
	"page_failed":         {"cnr": "Stranica se ne može prikazati.", "en": "The page could not be shown."},
	"board_only":          {"cnr": "Pregled rada je za rukovodioce stručnog tima.", "en": "The board is for supervisors."},
	"form_unavailable":    {"cnr": "Obrazac trenutno nije dostupan.", "en": "The form is not available."},
	"choose_file":         {"cnr": "izaberite datoteku", "en": "choose a file to upload"},
	"document_added":      {"cnr": "Dokument je priložen.", "en": "The document is on file."},
	"stage_due":           {"cnr": "rok", "en": "due"},
	"consent_short":       {"cnr": "Saglasnost", "en": "Consent"},
	"form_no":             {"cnr": "obrazac", "en": "form"},
	"attempts":            {"cnr": "pokušaja", "en": "attempts"},
	"last_attempt_failed": {"cnr": "posljednji pokušaj slanja nije uspio; šalje se ponovo", "en": "the last attempt to send failed; it is sent again"},
	// task types the inbox lists besides the claims', cases' and activation's
	"payment.correct_account": {"cnr": "Ispravka računa za isplatu", "en": "Correct the payee account"},
	"appeal.review":           {"cnr": "Žalba: pregled prvostepenog organa", "en": "Appeal: first-instance review"},
	"appeal.approve":          {"cnr": "Žalba: odobrenje izmjene rješenja", "en": "Appeal: approve the change"},
	"appeal.decide":           {"cnr": "Žalba: drugostepeno odlučivanje", "en": "Appeal: second-instance decision"},
	"change.close_right":      {"cnr": "Prestanak prava po službenoj dužnosti", "en": "End a right ex officio"},
}

func init() {
	for enum, values := range enumWords {
		for v, w := range values {
			messages[enum+"."+v] = map[string]string{"cnr": w[0], "en": w[1]}
		}
	}
	for k, v := range deskMessages {
		messages[k] = v
	}
}

// enum says code, a value of enum, in lang; a code the list does not know
// is shown as it is (and TestPagesSpeakOneLanguage says which).
func enum(lang, name, code string) string {
	if w, ok := enumWords[name][code]; ok {
		if lang == "en" {
			return w[1]
		}
		return w[0]
	}
	return code
}

// benefitName is a benefit's name in lang, from its code.
func benefitName(lang, code string) string {
	if b, ok := benefits.Lookup(benefits.Code(code)); ok {
		if lang == "en" {
			return b.NameEn
		}
		return b.NameCnr
	}
	if words, ok := payrollBatchNames[code]; ok {
		if lang == "en" {
			return words[1]
		}
		return words[0]
	}
	return code
}

// payrollBatchNames name a payroll's batches that pay no benefit, where
// its summary names a benefit (store.PayrollRefunds, store.PayrollServiceCosts).
var payrollBatchNames = map[string][2]string{
	"employer_refunds": {"Refundacije poslodavcima (naknada zarade)", "Employers' refunds (salary compensation)"},
	"service_costs":    {"Troškovi usluga pružalaca", "Providers' service costs"},
}

// procedureName is a case procedure's name in lang, from its code.
func procedureName(lang, code string) string {
	if d, err := cases.Procedures.Get(code, 0); err == nil {
		if lang == "en" {
			return d.Name.EN
		}
		return d.Name.CNR
	}
	return code
}

// centreName names a social work centre by its id.
func centreName(id string) string {
	if c, ok := domain.CentreByID(id); ok {
		return c.Name
	}
	return id
}

// municipalityName names a municipality by its ISO code.
func municipalityName(code string) string {
	if m, ok := domain.MunicipalityByCode(code); ok {
		return m.Name
	}
	return code
}

// staffName is the name of the person behind a username (the staff the
// system knows), or, for another institution's system, the institution;
// a username it does not know is shown as it is.
func staffName(lang, username string) string {
	if u, ok := domain.DemoUser(username); ok {
		if u.Machine || u.Role == domain.RoleAdmin {
			return enum(lang, "role", string(u.Role))
		}
		return u.Name
	}
	if username == "police" || username == "system" {
		return enum(lang, "by", username)
	}
	return username
}

// roleName says a role, or a task's candidate group ("caseworker@csr-x").
func roleName(lang, role string) string {
	r, centre, ok := strings.Cut(role, "@")
	if ok {
		return enum(lang, "role", r) + " · " + centreName(centre)
	}
	return enum(lang, "role", r)
}

// str is v as text: "" for nothing.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// taskSubject is what a task is about, in lang: the case (its number and
// procedure), the claim, the notification or the referral; the workflows'
// own subject lines are English notes for developers, so only the record's
// number at their head is shown.
func taskSubject(lang string, tk map[string]any) string {
	d, _ := tk["data"].(map[string]any)
	if n := str(d["case"]); n != "" {
		if p := str(d["procedure"]); p != "" {
			return n + " · " + procedureName(lang, p)
		}
		return n
	}
	for _, k := range []string{"notification", "referral"} {
		if n := str(d[k]); n != "" {
			return n
		}
	}
	subject := str(tk["subject"])
	if head, _, ok := strings.Cut(subject, ":"); ok {
		subject = head
	}
	if f := strings.Fields(subject); len(f) == 2 && len(f[0]) == 3 && f[0][0] == 'P' { // "P01 S-2026-000001"
		return f[1] + " · " + procedureName(lang, f[0])
	}
	return subject
}
