package web

import "maps"

// searchMessages are the words of the person-first desk (issue 17 items 2
// and 4): the header's search and its results, the register's differences
// on the e-file and their correction, the names of a claim's persons, the
// menus and home pages by role, the reports and the audit pages.
var searchMessages = map[string]map[string]string{
	"purpose.register_values":   {"cnr": "preuzimanje podataka iz registra stanovništva", "en": "taking the population register's values"},
	"purpose.person_correction": {"cnr": "ispravka imena ili adrese", "en": "correction of a name or address"},

	// the menu and the home pages
	"menu":                {"cnr": "Glavni meni", "en": "Main menu"},
	"my_cases":            {"cnr": "Moji predmeti", "en": "My cases"},
	"reports":             {"cnr": "Izvještaji", "en": "Reports"},
	"audit":               {"cnr": "Nadzor pristupa", "en": "Access audit"},
	"my_file":             {"cnr": "Moj karton", "en": "My file"},
	"my_file_none":        {"cnr": "Centar za socijalni rad još nema vaš karton.", "en": "No social work centre keeps a file of you yet."},
	"home_title":          {"cnr": "Dobro došli", "en": "Welcome"},
	"new_claim_not_yours": {"cnr": "Vaša uloga ne podnosi zahtjeve i ne evidentira lica.", "en": "Your role files no claims and registers nobody."},
	"home_no_pages":       {"cnr": "Za vašu ulogu na ovom pultu nema stranica; vaš posao se obavlja preko programskog interfejsa (API).", "en": "This desk has no pages for your role; your work is done through the API."},

	// the search
	"search_persons":     {"cnr": "Pretraga lica", "en": "Find a person"},
	"search_placeholder": {"cnr": "JMBG, ime ili datum rođenja", "en": "JMBG, name or date of birth"},
	"search_hint":        {"cnr": "JMBG (13 cifara), ili ime i/ili prezime (slova bez kvačica su dovoljna: Djurovic nalazi Đurović), i/ili datum rođenja (12.03.1985.).", "en": "JMBG (13 digits), or given and/or family name (letters without their marks will do: Djurovic finds Đurović), and/or date of birth (12.03.1985.)."},
	"search_found":       {"cnr": "Pronađeno lica: %d. Prikazana su %d–%d.", "en": "Persons found: %d. Showing %d–%d."},
	"search_none":        {"cnr": "Nije pronađeno nijedno lice. Provjerite slova ili upišite samo početak prezimena, ili tražite po JMBG-u.", "en": "Nobody was found. Check the letters or type only the start of the family name, or search by JMBG."},
	"search_none_jmbg":   {"cnr": "Lice s tim JMBG-om nije evidentirano u Kartonu.", "en": "Nobody with this JMBG is registered in Karton."},
	"search_not_yours":   {"cnr": "Vaša uloga ne pretražuje lica.", "en": "Your role does not search for persons."},
	"open_rights":        {"cnr": "Prava u toku", "en": "Rights in force"},
	"open_cases":         {"cnr": "Otvoreni predmeti", "en": "Open cases"},
	"pages":              {"cnr": "Stranice rezultata", "en": "Pages of results"},
	"previous_page":      {"cnr": "‹ Prethodna stranica", "en": "‹ Previous page"},
	"next_page":          {"cnr": "Sljedeća stranica ›", "en": "Next page ›"},
	"persons":            {"cnr": "Lica", "en": "Persons"},

	// the e-file against the population register
	"register_differs":       {"cnr": "Podaci se razlikuju od registra stanovništva", "en": "The data differ from the population register"},
	"register_differs_intro": {"cnr": "Posljednji podaci Centralnog registra stanovništva (MUP) navode drugačije nego Karton. Preuzmite podatke iz registra ili ih ispravite ručno, uz obrazloženje.", "en": "The latest data of the central population register (Ministry of Interior) say otherwise than Karton. Take the register's values, or correct them by hand with the reason."},
	"field":                  {"cnr": "Podatak", "en": "Field"},
	"in_karton":              {"cnr": "U Kartonu", "en": "In Karton"},
	"in_register":            {"cnr": "U registru stanovništva", "en": "In the population register"},
	"take_register":          {"cnr": "Preuzmi podatke iz registra", "en": "Take the register's values"},
	"correct_by_hand":        {"cnr": "Ispravi ime ili adresu ručno", "en": "Correct the name or address by hand"},
	"correction_reason":      {"cnr": "Obrazloženje ispravke", "en": "Reason for the correction"},
	"correction_reason_hint": {"cnr": "Na osnovu čega: viđena lična karta, vjenčani list, izjava lica.", "en": "On what grounds: the identity card seen, a marriage certificate, the person's statement."},
	"save_correction":        {"cnr": "Sačuvaj ispravku", "en": "Save the correction"},
	"register_taken":         {"cnr": "Preuzeto iz registra stanovništva:", "en": "Taken from the population register:"},
	"register_same":          {"cnr": "Karton se već slaže s registrom stanovništva.", "en": "Karton already agrees with the population register."},
	"correction_saved":       {"cnr": "Ispravka je sačuvana:", "en": "The correction is saved:"},
	"correction_same":        {"cnr": "Ništa nije promijenjeno: upisani su isti podaci.", "en": "Nothing changed: the same values were typed."},

	// a claim's persons
	"applicant":     {"cnr": "Podnosilac", "en": "Applicant"},
	"claim_subject": {"cnr": "Lice na koje se zahtjev odnosi", "en": "Person the claim is about"},
	"claim_members": {"cnr": "Članovi obuhvaćeni zahtjevom", "en": "Members in the claim"},

	// the reports
	"report_scope":        {"cnr": "Obuhvat", "en": "Scope"},
	"all_centres":         {"cnr": "svi centri", "en": "all centres"},
	"report_timeliness":   {"cnr": "Poštovanje rokova po fazi i radniku", "en": "Deadlines kept by stage and worker"},
	"worker":              {"cnr": "Radnik", "en": "Worker"},
	"deadline_met":        {"cnr": "U roku", "en": "On time"},
	"deadline_missed":     {"cnr": "Van roka", "en": "Late"},
	"still_open":          {"cnr": "U toku", "en": "Under way"},
	"report_per_worker":   {"cnr": "Otvoreni predmeti po radniku", "en": "Open cases per worker"},
	"report_by_procedure": {"cnr": "Predmeti po postupku i fazi", "en": "Cases by procedure and stage"},
	"report_dv":           {"cnr": "Nasilje u porodici: žrtve u godini", "en": "Domestic violence: victims in the year"},
	"report_dv_note":      {"cnr": "Samo zbirni brojevi, bez ličnih podataka.", "en": "Counts only, no personal data."},
	"by_municipality":     {"cnr": "Po opštini", "en": "By municipality"},
	"by_month":            {"cnr": "Po mjesecu", "en": "By month"},
	"victims":             {"cnr": "Žrtve", "en": "Victims"},

	// the audit
	"misuse_intro":        {"cnr": "Moguće zloupotrebe pristupa podacima u periodu", "en": "Possible misuse of access to personal data in the period"},
	"finding":             {"cnr": "Nalaz", "en": "Finding"},
	"first_seen":          {"cnr": "Prvi put", "en": "First"},
	"last_seen":           {"cnr": "Posljednji put", "en": "Last"},
	"ministry":            {"cnr": "Ministarstvo", "en": "Ministry"},
	"misuse_none":         {"cnr": "Nema nalaza u ovom periodu.", "en": "No findings in this period."},
	"misuse.other_centre": {"cnr": "pristup kartonima drugog centra", "en": "files of another centre opened"},
	"misuse.burst":        {"cnr": "mnogo kartona u kratkom roku", "en": "many files in a short time"},
	"misuse.odd_hours":    {"cnr": "pristup noću (22–06 h)", "en": "access at night (22:00–06:00)"},
	"misuse.denied":       {"cnr": "odbijeni pristupi", "en": "refused accesses"},
}

func init() { maps.Copy(messages, searchMessages) }
