package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Languages the pages speak: Montenegrin (Latin script) and English.
var languages = []string{"cnr", "en"}

// messages is the one catalogue of every text the pages show.
var messages = map[string]map[string]string{
	"app":                   {"cnr": "Karton", "en": "Karton"},
	"tagline":               {"cnr": "Socijalni e-karton", "en": "Social e-file"},
	"inbox":                 {"cnr": "Moji zadaci", "en": "My inbox"},
	"new_claim":             {"cnr": "Novi zahtjev", "en": "New claim"},
	"board":                 {"cnr": "Pregled rada", "en": "Supervisor board"},
	"login":                 {"cnr": "Prijava", "en": "Log in"},
	"logout":                {"cnr": "Odjava", "en": "Log out"},
	"login_intro":           {"cnr": "Prijavite se preko nacionalnog servisa za identitet.", "en": "Log in with the national identity provider."},
	"language":              {"cnr": "Jezik", "en": "Language"},
	"my_tasks":              {"cnr": "Moji zadaci", "en": "My tasks"},
	"group_tasks":           {"cnr": "Nepreuzeti zadaci moje grupe", "en": "My group's unclaimed tasks"},
	"no_tasks":              {"cnr": "Nema zadataka.", "en": "No tasks."},
	"task":                  {"cnr": "Zadatak", "en": "Task"},
	"subject":               {"cnr": "Predmet", "en": "Subject"},
	"due":                   {"cnr": "Rok", "en": "Due"},
	"state":                 {"cnr": "Stanje", "en": "State"},
	"overdue":               {"cnr": "Prekoračen rok", "en": "Overdue"},
	"escalated":             {"cnr": "Eskalirano", "en": "Escalated"},
	"claim_task":            {"cnr": "Preuzmi", "en": "Claim"},
	"release_task":          {"cnr": "Vrati grupi", "en": "Release"},
	"open":                  {"cnr": "Otvori", "en": "Open"},
	"filter":                {"cnr": "Filtriraj", "en": "Filter"},
	"type":                  {"cnr": "Vrsta", "en": "Type"},
	"all":                   {"cnr": "Sve", "en": "All"},
	"only_overdue":          {"cnr": "Samo prekoračeni", "en": "Overdue only"},
	"counts":                {"cnr": "Ukupno", "en": "Counts"},
	"claim.review":          {"cnr": "Pregled zahtjeva", "en": "Review claim"},
	"claim.approve":         {"cnr": "Odobrenje rješenja o pravu", "en": "Approve a claim's decision"},
	"claim.obtain_evidence": {"cnr": "Pribavljanje dokaza", "en": "Obtain evidence"},
	"claim.obtain_document": {"cnr": "Pribavljanje dokumenta", "en": "Obtain document"},
	"person":                {"cnr": "Lice", "en": "Person"},
	"jmbg":                  {"cnr": "JMBG", "en": "JMBG"},
	"given_name":            {"cnr": "Ime", "en": "Given name"},
	"family_name":           {"cnr": "Prezime", "en": "Family name"},
	"birth_date":            {"cnr": "Datum rođenja", "en": "Date of birth"},
	"sex":                   {"cnr": "Pol", "en": "Sex"},
	"address":               {"cnr": "Adresa", "en": "Address"},
	"municipality":          {"cnr": "Opština", "en": "Municipality"},
	"settlement":            {"cnr": "Naselje", "en": "Settlement"},
	"street":                {"cnr": "Ulica i broj", "en": "Street and number"},
	"centre":                {"cnr": "Centar za socijalni rad", "en": "Social work centre"},
	"household":             {"cnr": "Domaćinstvo", "en": "Household"},
	"relation":              {"cnr": "Srodstvo", "en": "Relation"},
	"evidence":              {"cnr": "Dokazi iz registara", "en": "Evidence from registries"},
	"source":                {"cnr": "Izvor", "en": "Source"},
	"kind":                  {"cnr": "Vrsta", "en": "Kind"},
	"value":                 {"cnr": "Vrijednost", "en": "Value"},
	"valid_from":            {"cnr": "Važi od", "en": "Valid from"},
	"fetched_at":            {"cnr": "Pribavljeno", "en": "Fetched"},
	"provenance":            {"cnr": "Porijeklo", "en": "Provenance"},
	"pending_sources":       {"cnr": "Čeka se odgovor", "en": "Waiting for"},
	"failed_sources":        {"cnr": "Nije odgovoreno", "en": "Did not answer"},
	"refresh":               {"cnr": "Osvježi dokaze", "en": "Refresh evidence"},
	"rights":                {"cnr": "Prava", "en": "Rights"},
	"claims":                {"cnr": "Zahtjevi", "en": "Claims"},
	"who_accessed":          {"cnr": "Ko je pristupao kartonu", "en": "Who accessed this file"},
	"when":                  {"cnr": "Kada", "en": "When"},
	"who":                   {"cnr": "Ko", "en": "Who"},
	"why":                   {"cnr": "Zašto", "en": "Why"},
	"none":                  {"cnr": "Nema.", "en": "None."},
	"search":                {"cnr": "Traži", "en": "Search"},
	"search_person":         {"cnr": "Pronađite lice po JMBG-u ili imenu", "en": "Find the person by JMBG or name"},
	"jmbg_or_name":          {"cnr": "JMBG ili ime i prezime", "en": "JMBG, or given and family name"},
	"not_found_register":    {"cnr": "Lice nije evidentirano. Evidentirajte ga:", "en": "No such person yet. Register them:"},
	"register":              {"cnr": "Evidentiraj lice", "en": "Register person"},
	"benefit":               {"cnr": "Pravo", "en": "Benefit"},
	"members":               {"cnr": "Članovi domaćinstva obuhvaćeni zahtjevom", "en": "Household members in the claim"},
	"payee_account":         {"cnr": "Račun za isplatu (IBAN)", "en": "Payee account (IBAN)"},
	"payee_hint":            {"cnr": "Prazno: isplata preko Pošte", "en": "Empty: paid through the Post"},
	"consent":               {"cnr": "Podnosilac je saglasan da centar pribavi podatke iz službenih evidencija", "en": "The applicant consents to the centre fetching the data from official registries"},
	"submit_claim":          {"cnr": "Podnesi zahtjev", "en": "File claim"},
	"claim":                 {"cnr": "Zahtjev", "en": "Claim"},
	"calculation":           {"cnr": "Obračun", "en": "Calculation"},
	"eligible":              {"cnr": "Ispunjava uslove", "en": "Eligible"},
	"not_eligible":          {"cnr": "Ne ispunjava uslove", "en": "Not eligible"},
	"amount":                {"cnr": "Iznos", "en": "Amount"},
	"reasons":               {"cnr": "Razlozi", "en": "Reasons"},
	"what":                  {"cnr": "Stavka", "en": "Item"},
	"tasks":                 {"cnr": "Zadaci", "en": "Tasks"},
	"decision":              {"cnr": "Rješenje", "en": "Decision"},
	"download_pdf":          {"cnr": "Preuzmi rješenje (PDF)", "en": "Download decision (PDF)"},
	"entitlement":           {"cnr": "Priznato pravo", "en": "Entitlement"},
	"accept":                {"cnr": "Prihvati obračun", "en": "Accept calculation"},
	"adjust":                {"cnr": "Izmijeni iznos", "en": "Adjust amount"},
	"reason":                {"cnr": "Obrazloženje", "en": "Reason"},
	"reject":                {"cnr": "Odbij zahtjev", "en": "Reject claim"},
	"request_document":      {"cnr": "Zatraži dokument", "en": "Request a document"},
	"which_document":        {"cnr": "Koji dokument", "en": "Which document"},
	"approve":               {"cnr": "Odobri rješenje", "en": "Approve decision"},
	"send_back":             {"cnr": "Vrati na doradu", "en": "Send back"},
	"upload":                {"cnr": "Priloži dokument", "en": "Upload document"},
	"file":                  {"cnr": "Datoteka", "en": "File"},
	"withdraw":              {"cnr": "Povuci zahtjev", "en": "Withdraw claim"},
	"refresh_page":          {"cnr": "Osvježi", "en": "Reload"},
	"evidence_waiting":      {"cnr": "Dokazi se pribavljaju iz registara; stranica se osvježava.", "en": "Evidence is being fetched from the registries; this page reloads."},
	"workload":              {"cnr": "Opterećenje po radniku", "en": "Workload per worker"},
	"unassigned":            {"cnr": "Nepreuzeto", "en": "Unassigned"},
	"open_tasks":            {"cnr": "Otvoreni zadaci", "en": "Open tasks"},
	"age":                   {"cnr": "Starost", "en": "Age"},
	"next_7_days":           {"cnr": "Rokovi u narednih 7 dana", "en": "Deadlines in the next 7 days"},
	"reassign":              {"cnr": "Dodijeli", "en": "Reassign"},
	"to":                    {"cnr": "Kome", "en": "To"},
	"forbidden":             {"cnr": "Nemate pravo pristupa ovim podacima.", "en": "You may not see these data."},
	"not_found":             {"cnr": "Nije pronađeno.", "en": "Not found."},
	"error":                 {"cnr": "Greška", "en": "Error"},
	"back":                  {"cnr": "Nazad", "en": "Back"},
	"done":                  {"cnr": "Urađeno.", "en": "Done."},
	"jmbg_ok":               {"cnr": "JMBG je ispravan.", "en": "The JMBG is valid."},
	"skip":                  {"cnr": "Preskoči na sadržaj", "en": "Skip to content"},
	"hours":                 {"cnr": "h", "en": "h"},
	"days":                  {"cnr": "d", "en": "d"},
	"payroll":               {"cnr": "Obračun isplata", "en": "Payroll"},
	"payroll_not_payable":   {"cnr": "Taj mjesec se još ne isplaćuje: obračun isplaćuje mjesec koji je istekao, ili tekući mjesec od dana isplate.", "en": "That month is not paid yet: a payroll pays a month that has ended, or the current month from its payment day on."},
	"payroll_busy":          {"cnr": "Drugi obračun je u pripremi; pokrenite ovaj kada on bude spreman.", "en": "Another payroll is being prepared; start this one once it is ready."},
	"period":                {"cnr": "Mjesec", "en": "Month"},
	"prepared_by":           {"cnr": "Pripremio/la", "en": "Prepared by"},
	"approved_by":           {"cnr": "Odobrio/la", "en": "Approved by"},
	"files":                 {"cnr": "Datoteke za banku i Poštu", "en": "Files for the bank and the Post"},
	"count":                 {"cnr": "Broj", "en": "Count"},
	"submit":                {"cnr": "Pošalji na odobrenje", "en": "Submit for approval"},
	"approve_files":         {"cnr": "Odobri datoteke (po SHA-256)", "en": "Approve the files (by SHA-256)"},
	"summary":               {"cnr": "Zbirno", "en": "Totals"},
	"channel":               {"cnr": "Kanal", "en": "Channel"},
	"exceptions":            {"cnr": "Izuzeci", "en": "Exceptions"},
	"changes":               {"cnr": "Promjene u odnosu na prethodni mjesec", "en": "Changes against the previous month"},
	"payments":              {"cnr": "Isplate", "en": "Payments"},
}

// t translates key into lang; an unknown key shows itself, so a missing
// translation is visible rather than blank.
func t(lang, key string) string {
	if m, ok := messages[key]; ok {
		if s, ok := m[lang]; ok {
			return s
		}
	}
	return key
}

// money formats an amount: "1.234,56 €" in cnr, "€1,234.56" in en.
func money(lang string, v any) string {
	var d decimal.Decimal
	switch x := v.(type) {
	case decimal.Decimal:
		d = x
	case string:
		var err error
		if d, err = decimal.NewFromString(x); err != nil {
			return x
		}
	default:
		return fmt.Sprint(v)
	}
	s := d.StringFixed(2)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var groups []string
	for len(intPart) > 3 {
		groups = append([]string{intPart[len(intPart)-3:]}, groups...)
		intPart = intPart[:len(intPart)-3]
	}
	groups = append([]string{intPart}, groups...)
	sign := ""
	if neg {
		sign = "-"
	}
	if lang == "cnr" {
		return sign + strings.Join(groups, ".") + "," + frac + " €"
	}
	return sign + "€" + strings.Join(groups, ",") + "." + frac
}

// date formats a day: 22.11.2026. in cnr, 22 Nov 2026 in en.
func date(lang string, v any) string {
	tm, ok := asTime(v)
	if !ok {
		return fmt.Sprint(v)
	}
	if lang == "cnr" {
		return tm.Format("02.01.2006.")
	}
	return tm.Format("2 Jan 2006")
}

// datetime formats a moment in Montenegro's time.
func datetime(lang string, v any) string {
	tm, ok := asTime(v)
	if !ok {
		return fmt.Sprint(v)
	}
	tm = tm.In(montenegro)
	if lang == "cnr" {
		return tm.Format("02.01.2006. 15:04")
	}
	return tm.Format("2 Jan 2006 15:04")
}

var montenegro = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Podgorica"); err == nil {
		return l
	}
	return time.FixedZone("CET", 3600)
}()

func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
			if tm, err := time.Parse(layout, x); err == nil {
				return tm, true
			}
		}
	}
	return time.Time{}, false
}
