package web

import (
	"maps"
	"regexp"
	"strings"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/providers"
)

// serviceUseMessages are the words of the service-use records (issue 23
// item 4): the provider's page of a referral's month, the forms that
// record and correct a day, the CSV upload and its report.
var serviceUseMessages = map[string]map[string]string{
	"purpose.service_use": {"cnr": "evidencija pruženih usluga", "en": "the record of services delivered"},
	"su.nav":              {"cnr": "Evidencija usluga", "en": "Service records"},
	"su.title":            {"cnr": "Evidencija pruženih usluga", "en": "Services delivered"},
	"su.intro": {"cnr": "Za svako upućeno lice evidentirajte svaki dan (posjetu ili sat) pružene usluge: ručno, datotekom CSV ili iz svog programa preko API-ja. Zapis se nikad ne mijenja: ispravka je novi zapis koji zamjenjuje prethodni, a količina 0 ga poništava.",
		"en": "For every person referred to you, record each day (visit or hour) of service: by hand, by a CSV file or from your own software through the API. A record is never edited: a correction is a new record that replaces the earlier one, and quantity 0 cancels it."},
	"su.not_yours":       {"cnr": "Evidenciju usluga vodi osoblje pružaoca usluga.", "en": "Service records are kept by a provider's staff."},
	"su.month":           {"cnr": "Mjesec", "en": "Month"},
	"su.show":            {"cnr": "Prikaži", "en": "Show"},
	"su.prev":            {"cnr": "Prethodni mjesec", "en": "Previous month"},
	"su.next":            {"cnr": "Sljedeći mjesec", "en": "Next month"},
	"su.referrals":       {"cnr": "Upućena lica u mjesecu", "en": "Persons referred in the month"},
	"su.no_referrals":    {"cnr": "U ovom mjesecu nemate upućenih lica kojima je usluga počela.", "en": "You have no referred persons whose service ran in this month."},
	"su.person":          {"cnr": "Lice", "en": "Person"},
	"su.referral_no":     {"cnr": "Uput br. %[1]v", "en": "Referral no. %[1]v"},
	"su.service":         {"cnr": "Usluga", "en": "Service"},
	"su.state":           {"cnr": "Stanje uputa", "en": "Referral's state"},
	"su.period":          {"cnr": "Usluga traje", "en": "Service runs"},
	"su.from":            {"cnr": "od %[1]s", "en": "from %[1]s"},
	"su.until":           {"cnr": " do %[1]s", "en": " to %[1]s"},
	"su.days":            {"cnr": "Dana sa uslugom", "en": "Days of service"},
	"su.quantity_total":  {"cnr": "Ukupno jedinica", "en": "Units in all"},
	"su.open":            {"cnr": "Otvori mjesec", "en": "Open the month"},
	"su.grid":            {"cnr": "Dani u mjesecu", "en": "The month's days"},
	"su.day":             {"cnr": "Dan", "en": "Day"},
	"su.recorded_col":    {"cnr": "Evidentirano", "en": "Recorded"},
	"su.note":            {"cnr": "Napomena", "en": "Note"},
	"su.history":         {"cnr": "Ranije", "en": "Before"},
	"su.nothing":         {"cnr": "—", "en": "—"},
	"su.cancelled":       {"cnr": "poništeno", "en": "cancelled"},
	"su.record_no":       {"cnr": "zapis %[1]v", "en": "record %[1]v"},
	"su.replaced":        {"cnr": "zapis %[1]v (%[2]s) zamijenjen", "en": "record %[1]v (%[2]s) replaced"},
	"su.by":              {"cnr": "evidentirao/la %[1]s", "en": "recorded by %[1]s"},
	"su.correct":         {"cnr": "Ispravi ili poništi", "en": "Correct or cancel"},
	"su.correct_hint":    {"cnr": "Nova količina zamjenjuje ovaj zapis; 0 ga poništava.", "en": "The new quantity replaces this record; 0 cancels it."},
	"su.save_correction": {"cnr": "Sačuvaj ispravku", "en": "Save the correction"},
	"su.new":             {"cnr": "Evidentiraj dan usluge", "en": "Record a day of service"},
	"su.new_hint":        {"cnr": "Dan mora biti u trajanju usluge i ne u budućnosti; dan koji već ima zapis ispravite u tabeli.", "en": "The day must be within the service's days and not in the future; a day recorded already is corrected in the table."},
	"su.jmbg":            {"cnr": "JMBG lica", "en": "The person's JMBG"},
	"su.quantity":        {"cnr": "Količina", "en": "Quantity"},
	"su.quantity_hint":   {"cnr": "dan: 1; posjete: cio broj od 1 do 10; sati: po četvrt sata, od 0,25 do 24 (npr. 1.25)", "en": "a day: 1; visits: a whole number from 1 to 10; hours: in quarters, from 0.25 to 24 (e.g. 1.25)"},
	"su.save":            {"cnr": "Evidentiraj", "en": "Record"},
	"su.upload":          {"cnr": "Učitavanje datoteke CSV", "en": "Upload a CSV file"},
	"su.upload_hint": {"cnr": "Zaglavlje: jmbg,service,day,quantity,note,corrects (UTF-8, zarez kao razdjelnik, najviše 10.000 redova). Ako je ijedan red neispravan, ništa se ne upisuje, a izvještaj navodi svaki neispravan red.",
		"en": "Header: jmbg,service,day,quantity,note,corrects (UTF-8, comma-separated, at most 10,000 rows). If any row is bad nothing is written, and the report lists every bad row."},
	"su.file_label":        {"cnr": "Datoteka", "en": "File"},
	"su.paste":             {"cnr": "ili zalijepite sadržaj datoteke", "en": "or paste the file's content"},
	"su.send":              {"cnr": "Učitaj", "en": "Upload"},
	"su.report":            {"cnr": "Izvještaj o učitavanju", "en": "The upload's report"},
	"su.written":           {"cnr": "Upisano zapisa: %[1]v.", "en": "Records written: %[1]v."},
	"su.nothing_written":   {"cnr": "Ništa nije upisano: neispravnih redova %[1]v.", "en": "Nothing was written: %[1]v bad rows."},
	"su.line":              {"cnr": "red %[1]s", "en": "line %[1]s"},
	"su.file":              {"cnr": "datoteka", "en": "the file"},
	"su.recorded":          {"cnr": "Dan usluge je evidentiran.", "en": "The day of service is recorded."},
	"su.corrected":         {"cnr": "Ispravka je evidentirana.", "en": "The correction is recorded."},
	"su.quantity_required": {"cnr": "upišite količinu", "en": "type the quantity"},
	"su.too_large":         {"cnr": "datoteka je veća od 8 MiB: podijelite je", "en": "the file is larger than 8 MiB: split it"},
	"su.unreadable":        {"cnr": "datoteka se ne može pročitati: pošaljite je ponovo", "en": "the file cannot be read: send it again"},
	"su.no_file":           {"cnr": "izaberite datoteku ili zalijepite njen sadržaj", "en": "choose a file or paste its content"},
	"su.wd.0":              {"cnr": "ned", "en": "Sun"},
	"su.wd.1":              {"cnr": "pon", "en": "Mon"},
	"su.wd.2":              {"cnr": "uto", "en": "Tue"},
	"su.wd.3":              {"cnr": "sri", "en": "Wed"},
	"su.wd.4":              {"cnr": "čet", "en": "Thu"},
	"su.wd.5":              {"cnr": "pet", "en": "Fri"},
	"su.wd.6":              {"cnr": "sub", "en": "Sat"},

	"err.su_jmbg":         {"cnr": "JMBG „%[1]s” nije ispravan: %[2]s", "en": "JMBG %[1]s is not a JMBG: %[2]s"},
	"err.su_service":      {"cnr": "usluga „%[1]s” nije u katalogu", "en": "service %[1]s is not in the catalogue"},
	"err.su_day":          {"cnr": "dan „%[1]s” nije datum (GGGG-MM-DD)", "en": "day %[1]s is not a date (YYYY-MM-DD)"},
	"err.su_quantity":     {"cnr": "količina „%[1]s” nije broj poput 1 ili 1.25", "en": "quantity %[1]s is not a number like 1 or 1.25"},
	"err.su_note_long":    {"cnr": "napomena ima %[1]s znakova, a najviše %[2]s", "en": "the note has %[1]s characters, at most %[2]s"},
	"err.su_note_chars":   {"cnr": "napomena sadrži znakove koji se ne mogu sačuvati", "en": "the note has characters that cannot be kept"},
	"err.su_corrects":     {"cnr": "„%[1]s” u koloni corrects nije broj zapisa", "en": "corrects %[1]s is not a record's number"},
	"err.su_fields":       {"cnr": "red ima %[1]s polja, a treba %[2]s (%[3]s)", "en": "has %[1]s fields, want %[2]s (%[3]s)"},
	"err.su_utf8":         {"cnr": "datoteka nije tekst u kodu UTF-8", "en": "the file is not UTF-8 text"},
	"err.su_csv":          {"cnr": "datoteka nije ispravan CSV od reda %[1]s", "en": "the file is not CSV from line %[1]s"},
	"err.su_header":       {"cnr": "prvi red mora biti zaglavlje %[1]s", "en": "the first line must be the header %[1]s"},
	"err.su_rows":         {"cnr": "datoteka ima više od %[1]s redova: podijelite je", "en": "the file has more than %[1]s rows: split it"},
	"err.su_empty":        {"cnr": "datoteka je prazna: treba zaglavlje %[1]s i red za svaki zapis", "en": "the file is empty: it needs the header %[1]s and a row per record"},
	"err.su_unit_day":     {"cnr": "dan usluge se evidentira količinom 1, ne %[1]s", "en": "a day of service is recorded with quantity 1, not %[1]s"},
	"err.su_unit_visit":   {"cnr": "posjete su cio broj od 1 do %[1]s, ne %[2]s", "en": "visits are a whole number from 1 to %[1]s, not %[2]s"},
	"err.su_unit_hour":    {"cnr": "sati se evidentiraju po četvrt sata, od 0,25 do 24, ne %[1]s", "en": "hours are quarters of an hour from 0.25 to 24, not %[1]s"},
	"err.su_zero":         {"cnr": "količina 0 samo poništava zapis: navedite koji zapis ispravljate", "en": "quantity 0 only cancels a record: name the record it corrects"},
	"err.su_duplicate":    {"cnr": "%[1]s je drugi zapis istog dana za ovo lice: umjesto toga ispravite zapis %[2]s", "en": "%[1]s is a second record of this person's day: correct record %[2]s instead"},
	"err.su_duplicate_in": {"cnr": "%[1]s je drugi zapis istog dana za ovo lice: %[2]s ga već evidentira", "en": "%[1]s is a second record of this person's day: %[2]s records it already"},
	"err.su_in_force":     {"cnr": "%[1]s već ima važeći zapis %[2]s: ispravite taj zapis", "en": "%[1]s has record %[2]s in force already: correct that one"},
	"err.su_no_record":    {"cnr": "nema zapisa %[1]s o usluzi ovom licu koji bi se ispravio", "en": "there is no record %[1]s of this person's service to correct"},
	"err.su_other_day":    {"cnr": "zapis %[1]s je za dan %[2]s, a ne za %[3]s", "en": "record %[1]s is of %[2]s, not of %[3]s"},
	"err.su_superseded":   {"cnr": "zapis %[1]s je već ispravljen zapisom %[2]s: ispravite taj", "en": "record %[1]s was corrected already by record %[2]s: correct that one"},
	"err.su_corrected_in": {"cnr": "zapis %[1]s već ispravlja %[2]s", "en": "record %[1]s is corrected by %[2]s already"},
	"err.su_not_started":  {"cnr": "usluga po ovom uputu još nije počela: ništa se ne evidentira prije početka", "en": "the service of this referral has not started: nothing is recorded before it starts"},
	"err.su_before":       {"cnr": "dan %[1]s je prije početka usluge %[2]s", "en": "day %[1]s is before the service started on %[2]s"},
	"err.su_after":        {"cnr": "dan %[1]s je poslije završetka usluge %[2]s", "en": "day %[1]s is after the service ended on %[2]s"},
	"err.su_future":       {"cnr": "dan %[1]s je u budućnosti", "en": "day %[1]s is in the future"},
	"err.su_not_referred": {"cnr": "ovo lice Vam nije upućeno za uslugu „%[1]s”", "en": "this person is not referred to you for %[1]s"},
	"err.su_nothing":      {"cnr": "ništa nije upisano: neispravnih redova %[1]s", "en": "nothing was recorded: %[1]s rows are wrong"},
	"err.su_none":         {"cnr": "navedite bar jedan zapis", "en": "give at least one record"},
	"err.su_too_many":     {"cnr": "%[1]s zapisa: najviše %[2]s u jednom zahtjevu", "en": "%[1]s records: at most %[2]s in one request"},
	"err.su_form":         {"cnr": "pošaljite samu datoteku CSV, ne obrazac", "en": "send the CSV file itself, not a form"},
	"err.su_large":        {"cnr": "datoteka je veća od %[1]s MiB: podijelite je", "en": "the file is larger than %[1]s MiB: split it"},
	"err.su_month":        {"cnr": "„%[1]s” nije mjesec (GGGG-MM)", "en": "%[1]s is not a month (YYYY-MM)"},
	"err.su_referral":     {"cnr": "„%[1]s” nije broj uputa", "en": "%[1]s is not a referral's number"},
}

func init() {
	maps.Copy(messages, serviceUseMessages)
	errorShapes = append(useErrorShapes(), errorShapes...)
}

// useErrorShapes say the service-use records' refusals (domain/services/
// use.go, api/serviceuse.go) in the reader's language.
func useErrorShapes() []errorShape {
	say := func(expr string, f func(lang string, m []string) string) errorShape {
		return errorShape{regexp.MustCompile(expr), f}
	}
	return []errorShape{
		say(`^JMBG "(.*)" is not a JMBG: (.*)$`, func(lang string, m []string) string {
			return tf(lang, "err.su_jmbg", m[1], sayMessage(lang, domain.CodeInvalid, "jmbg", m[2]))
		}),
		shape(`^service "(.*)" is not in the catalogue$`, "err.su_service"),
		shape(`^day (.*) is not a date \(YYYY-MM-DD\)$`, "err.su_day"),
		shape(`^quantity "(.*)" is not a number like 1 or 1\.25$`, "err.su_quantity"),
		shape(`^the note has (\d+) characters, at most (\d+)$`, "err.su_note_long"),
		shape(`^the note has characters that cannot be kept$`, "err.su_note_chars"),
		shape(`^corrects "(.*)" is not a record's number$`, "err.su_corrects"),
		shape(`^has (\d+) fields, want (\d+) \((.*)\)$`, "err.su_fields"),
		shape(`^is not UTF-8 text$`, "err.su_utf8"),
		shape(`^is not CSV from line (\d+)`, "err.su_csv"),
		shape(`^want the header (.*)$`, "err.su_header"),
		shape(`^has more than (\d+) rows: split it$`, "err.su_rows"),
		shape(`^is empty: want the header (\S+) and a row per record$`, "err.su_empty"),
		shape(`^a day of service is recorded with quantity 1, not (.*)$`, "err.su_unit_day"),
		shape(`^visits are a whole number from 1 to (\d+), not (.*)$`, "err.su_unit_visit"),
		shape(`^hours are quarters of an hour from 0\.25 to 24, not (.*)$`, "err.su_unit_hour"),
		shape(`^quantity 0 only cancels a record: name the record in corrects$`, "err.su_zero"),
		shape(`^(\S+) is a second record of this person's day: correct record (\d+) instead$`, "err.su_duplicate"),
		say(`^(\S+) is a second record of this person's day: (.*) records it already$`, func(lang string, m []string) string {
			return tf(lang, "err.su_duplicate_in", m[1], useWhereWords(lang, m[2]))
		}),
		shape(`^(\S+) has record (\d+) in force already: correct that one$`, "err.su_in_force"),
		shape(`^there is no record (\d+) of this person's service to correct$`, "err.su_no_record"),
		shape(`^record (\d+) is of (\S+), not of (\S+)$`, "err.su_other_day"),
		shape(`^record (\d+) was corrected already by record (\d+): correct that one$`, "err.su_superseded"),
		say(`^record (\d+) is corrected by (.*) already$`, func(lang string, m []string) string {
			return tf(lang, "err.su_corrected_in", m[1], useWhereWords(lang, m[2]))
		}),
		shape(`^the service of this referral has not started`, "err.su_not_started"),
		shape(`^day (\S+) is before the service started on (\S+)$`, "err.su_before"),
		shape(`^day (\S+) is after the service ended on (\S+)$`, "err.su_after"),
		shape(`^day (\S+) is in the future$`, "err.su_future"),
		say(`^no referral (?:of this person|\d+) to you for (\S+)$`, func(lang string, m []string) string {
			name := m[1]
			if sv, ok := providers.ServiceByCode(m[1]); ok {
				name = sv.Label(lang)
			}
			return tf(lang, "err.su_not_referred", name)
		}),
		shape(`^nothing was recorded: (\d+) rows? (?:is|are) wrong`, "err.su_nothing"),
		shape(`^give at least one record$`, "err.su_none"),
		shape(`^(\d+) records: at most (\d+) in one request$`, "err.su_too_many"),
		shape(`^send the CSV file itself as the body`, "err.su_form"),
		shape(`^is larger than (\d+) MiB: split it$`, "err.su_large"),
		shape(`^"(.*)" is not a referral's number$`, "err.su_referral"),
	}
}

// useWhereWords says "line 3" or "records[2]" in lang.
func useWhereWords(lang, where string) string {
	if n, ok := strings.CutPrefix(where, "line "); ok {
		return tf(lang, "su.line", n)
	}
	return where
}
