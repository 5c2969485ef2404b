package web

import (
	"maps"
	"regexp"
)

// boardMessages are the words of the boards people act on (issue 17 item
// 5): the supervisor's board and its reassignment, the payroll's months,
// files, totals, changes and the bank's answers, a case from a police
// notification.
var boardMessages = map[string]map[string]string{
	// the board
	"open_tasks_of_centre":    {"cnr": "Otvoreni zadaci centra", "en": "The centre's open tasks"},
	"oldest_waiting":          {"cnr": "Najduže čeka", "en": "Oldest waiting"},
	"unclaimed":               {"cnr": "nepreuzeto", "en": "unclaimed"},
	"unclaimed_of":            {"cnr": "Nepreuzeto: %s", "en": "Unclaimed: %s"},
	"clear_filters":           {"cnr": "Poništi filtere", "en": "Clear the filters"},
	"pick":                    {"cnr": "Označi", "en": "Check"},
	"in_work":                 {"cnr": "u radu", "en": "in hand"},
	"task_waiting":            {"cnr": "čeka preuzimanje", "en": "waiting to be taken"},
	"waiting_in":              {"cnr": "čeka preuzimanje (%s)", "en": "waiting to be taken (%s)"},
	"age_dh":                  {"cnr": "%d d %d h", "en": "%d d %d h"},
	"age_hm":                  {"cnr": "%d h %d min", "en": "%d h %d min"},
	"age_m":                   {"cnr": "%d min", "en": "%d min"},
	"shown_of":                {"cnr": "%d–%d od %d", "en": "%d–%d of %d"},
	"reassign_checked":        {"cnr": "Preraspodjela označenih zadataka", "en": "Reassign the checked tasks"},
	"reassign_to":             {"cnr": "Kome", "en": "To whom"},
	"reassign_checked_button": {"cnr": "Preraspodijeli označene", "en": "Reassign the checked"},
	"choose_tasks":            {"cnr": "označite bar jedan zadatak", "en": "check at least one task"},
	"reassigned_n":            {"cnr": "Preraspodijeljeno zadataka: %d. Preuzima ih: %s.", "en": "Tasks reassigned: %d. They are now with %s."},
	"f.task_ids":              {"cnr": "Zadaci", "en": "Tasks"},
	"f.task":                  {"cnr": "Zadaci", "en": "Tasks"},
	"f.case_number":           {"cnr": "Predmet", "en": "Case"},
	// task types the desk shows besides the others
	"revision.review":  {"cnr": "Revizija prava: pregled", "en": "Revision of a right: review"},
	"revision.approve": {"cnr": "Revizija prava: odobrenje", "en": "Revision of a right: approval"},

	// the payroll
	"payroll_months":        {"cnr": "Mjeseci", "en": "Months"},
	"payroll_none_short":    {"cnr": "bez obračuna", "en": "no payroll"},
	"payroll_none":          {"cnr": "Za %s nema obračuna isplata.", "en": "There is no payroll for %s."},
	"payroll_not_startable": {"cnr": "Taj mjesec se još ne isplaćuje.", "en": "That month is not paid yet."},
	"payroll_no_month":      {"cnr": "Takav mjesec ne postoji.", "en": "There is no such month."},
	"payroll_start_for":     {"cnr": "Novi obračun za", "en": "New payroll for"},
	"payroll_start":         {"cnr": "Pokreni obračun", "en": "Start the payroll"},
	"payroll_choose_month":  {"cnr": "izaberite mjesec", "en": "choose a month"},
	"payroll_total":         {"cnr": "Ukupno za isplatu", "en": "Total to pay"},
	"payments_n":            {"cnr": "isplata", "en": "payments"},
	"download":              {"cnr": "preuzmi", "en": "download"},
	"summary_csv":           {"cnr": "Zbirni pregled (CSV)", "en": "The totals (CSV)"},
	"total_by":              {"cnr": "Ukupno:", "en": "Total:"},
	"grand_total":           {"cnr": "Ukupno za obračun", "en": "Grand total"},
	"payroll_changes":       {"cnr": "Promjene u odnosu na prethodni mjesec", "en": "Changes against the previous month"},
	"payroll_change_kinds":  {"cnr": "Vrste promjena", "en": "Kinds of change"},
	"payroll_change_kind":   {"cnr": "Promjena", "en": "Change"},
	"payee":                 {"cnr": "Primalac", "en": "Payee"},
	"before":                {"cnr": "Prethodni mjesec", "en": "Previous month"},
	"now":                   {"cnr": "Ovaj mjesec", "en": "This month"},
	"bank_import":           {"cnr": "Odgovori banke", "en": "The bank's answers"},
	"bank_files":            {"cnr": "Datoteke banke (pain.002, camt.054)", "en": "The bank's files (pain.002, camt.054)"},
	"bank_files_hint":       {"cnr": "Može više datoteka odjednom; primjenjuju se sve ili nijedna.", "en": "Several files at once; all are applied or none."},
	"bank_import_button":    {"cnr": "Uvezi odgovore banke", "en": "Import the bank's answers"},
	"bank_applied":          {"cnr": "Odgovori banke su primijenjeni.", "en": "The bank's answers are applied."},
	"bank_nothing_changed":  {"cnr": "nijedna isplata nije promijenjena", "en": "no payment changed"},
	"month.1":               {"cnr": "januar", "en": "January"},
	"month.2":               {"cnr": "februar", "en": "February"},
	"month.3":               {"cnr": "mart", "en": "March"},
	"month.4":               {"cnr": "april", "en": "April"},
	"month.5":               {"cnr": "maj", "en": "May"},
	"month.6":               {"cnr": "jun", "en": "June"},
	"month.7":               {"cnr": "jul", "en": "July"},
	"month.8":               {"cnr": "avgust", "en": "August"},
	"month.9":               {"cnr": "septembar", "en": "September"},
	"month.10":              {"cnr": "oktobar", "en": "October"},
	"month.11":              {"cnr": "novembar", "en": "November"},
	"month.12":              {"cnr": "decembar", "en": "December"},
	"year_dot":              {"cnr": ".", "en": ""},

	// a case from a police notification
	"dv_case_title":     {"cnr": "Predmet za ovo obavještenje", "en": "A case for this notification"},
	"dv_no_case":        {"cnr": "Obavještenje još nije povezano sa predmetom. Pridružite ga otvorenom predmetu žrtve ili otvorite novi.", "en": "The notification has no case yet. Join it to the victim's open case, or open a new one."},
	"dv_join_case":      {"cnr": "Pridruži predmetu %s", "en": "Join case %s"},
	"dv_open_case":      {"cnr": "Otvori predmet iz obavještenja", "en": "Open a case from the notification"},
	"dv_open_case_hint": {"cnr": "Žrtva je korisnik, ostale žrtve članovi porodice, učinioci lica u predmetu.", "en": "The victim is its beneficiary, the other victims family members, the perpetrators persons of the case."},
	"dv_case_opened":    {"cnr": "Otvoren je predmet %s.", "en": "Case %s is opened."},
	"dv_case_joined":    {"cnr": "Obavještenje je pridruženo predmetu %s.", "en": "The notification is joined to case %s."},

	// the API's refusals of these pages
	"err.choose_tasks":      {"cnr": "označite bar jedan zadatak", "en": "check at least one task"},
	"err.too_many_tasks":    {"cnr": "najviše %[1]s zadataka odjednom", "en": "at most %[1]s tasks at once"},
	"err.task_not_ours":     {"cnr": "zadatak „%[1]s” nije otvoreni zadatak centra %[2]s", "en": "task %[1]s is not an open task of %[2]s"},
	"err.dv_own_report":     {"cnr": "%[1]s je prijava centra policiji: njen predmet je onaj iz kojeg je poslata", "en": "%[1]s is the centre's own report to the police: its case is the one it came from"},
	"err.dv_linked":         {"cnr": "obavještenje %[1]s je već povezano sa predmetom %[2]s", "en": "notification %[1]s is already linked to case %[2]s"},
	"err.dv_no_victim":      {"cnr": "policija nije identifikovala žrtvu: evidentirajte prvi kontakt i navedite upisano lice da biste otvorili predmet", "en": "the police could not identify the victim: record the first contact, naming the registered person, to open the case"},
	"err.dv_not_open_case":  {"cnr": "„%[1]s” nije otvoren predmet nasilja u porodici centra %[2]s", "en": "%[1]s is not an open domestic-violence case of %[2]s"},
	"err.dv_victim_not_in":  {"cnr": "žrtva ne učestvuje u predmetu %[1]s", "en": "the victim takes no part in case %[1]s"},
	"err.file_tampered":     {"cnr": "datoteka %[1]s se više ne poklapa sa zabilježenim SHA-256 otiskom i ne izdaje se: prijavite to administratorima sistema", "en": "file %[1]s no longer matches its recorded SHA-256 and is not served: report it to the system's administrators"},
	"err.file_not_found":    {"cnr": "datoteka %[1]s ne postoji", "en": "there is no file %[1]s"},
	"err.bank_files":        {"cnr": "izaberite datoteke banke", "en": "choose the bank's files"},
	"err.bank_unmatched":    {"cnr": "redova koji ne odgovaraju nijednoj isplati: %[1]s; ništa nije primijenjeno", "en": "lines that match no payment: %[1]s; nothing was applied"},
	"err.payroll_not_found": {"cnr": "za taj mjesec nema obračuna", "en": "there is no payroll for that month"},
}

// boardShapes are the API's refusals of the boards' routes, by shape.
var boardShapes = []errorShape{
	// the staff said by name (before errors.go's shapes, which name them by username)
	{regexp.MustCompile(`^"([^"]*)" is not on the staff of (\S+)$`), func(lang string, m []string) string {
		return tf(lang, "err.not_staff", staffName(lang, m[1]), centreName(m[2]))
	}},
	{regexp.MustCompile(`^"([^"]*)" is not a (\w+) of (\S+)$`), func(lang string, m []string) string {
		return tf(lang, "err.delegate", staffName(lang, m[1]), enum(lang, "role", m[2]), centreName(m[3]))
	}},
	shape(`^choose at least one task$`, "err.choose_tasks"),
	shape(`^at most (\d+) tasks at once$`, "err.too_many_tasks"),
	{regexp.MustCompile(`^task "([^"]*)" is not an open task of (\S+)$`), func(lang string, m []string) string {
		return tf(lang, "err.task_not_ours", m[1], centreName(m[2]))
	}},
	shape(`^(\S+) is the centre's own report to the police`, "err.dv_own_report"),
	shape(`^notification (\S+) is already linked to case (\S+)$`, "err.dv_linked"),
	shape(`^the police could not identify the victim: record the first contact`, "err.dv_no_victim"),
	{regexp.MustCompile(`^"([^"]*)" is not an open domestic-violence case of (\S+)$`), func(lang string, m []string) string {
		return tf(lang, "err.dv_not_open_case", m[1], centreName(m[2]))
	}},
	shape(`^the victim takes no part in case (\S+)$`, "err.dv_victim_not_in"),
	shape(`^payment file (\S+) of \S+ no longer matches its recorded SHA-256`, "err.file_tampered"),
	shape(`^payment file (\S+) not found$`, "err.file_not_found"),
	shape(`^send the bank files as multipart`, "err.bank_files"),
	shape(`^(\d+) lines match no payment of \S+:`, "err.bank_unmatched"),
	shape(`^payroll \S+ not found$`, "err.payroll_not_found"),
}

func init() {
	maps.Copy(messages, boardMessages)
	errorShapes = append(boardShapes, errorShapes...)
}
