package web

import (
	"maps"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The words of the medicines (issue 22): the pharmacist's stock page, the
// medical staff's round and a resident's prescriptions, and the API's
// refusals about them said in each language.
var pharmacyMessages = map[string]map[string]string{
	"purpose.pharmacy":   {"cnr": "apoteka ustanove", "en": "the institution's pharmacy"},
	"ph.nav_pharmacy":    {"cnr": "Apoteka", "en": "Pharmacy"},
	"ph.nav_medication":  {"cnr": "Terapija", "en": "Medication"},
	"ph.title":           {"cnr": "Apoteka: zalihe lijekova po serijama", "en": "Pharmacy: medicine stock by batch"},
	"ph.warnings":        {"cnr": "Upozorenja", "en": "Warnings"},
	"ph.no_warnings":     {"cnr": "Nema upozorenja: nijedna serija nije istekla ni ističe u narednih 30 dana, nijedan lijek nije ispod praga.", "en": "No warnings: no batch has expired or expires within 30 days, no medicine is below its threshold."},
	"ph.warn.expired":    {"cnr": "Serija %[1]s lijeka %[2]s istekla je %[3]s, a na stanju je još %[4]s: otpišite je.", "en": "Batch %[1]s of %[2]s expired on %[3]s and still holds %[4]s: write it off."},
	"ph.warn.expiring":   {"cnr": "Serija %[1]s lijeka %[2]s ističe %[3]s (na stanju %[4]s).", "en": "Batch %[1]s of %[2]s expires on %[3]s (%[4]s in stock)."},
	"ph.warn.low_stock":  {"cnr": "Lijeka %[2]s ima još samo %[4]s, ispod praga: naručite ga.", "en": "Only %[4]s of %[2]s left, below its threshold: order more."},
	"ph.catalogue":       {"cnr": "Lijekovi i serije", "en": "Medicines and batches"},
	"ph.none":            {"cnr": "U katalogu još nema lijekova.", "en": "No medicine in the catalogue yet."},
	"ph.medicine":        {"cnr": "Lijek", "en": "Medicine"},
	"ph.form":            {"cnr": "Oblik", "en": "Form"},
	"ph.strength":        {"cnr": "Jačina", "en": "Strength"},
	"ph.strength_hint":   {"cnr": "npr. 500 mg, 5 mg/ml", "en": "e.g. 500 mg, 5 mg/ml"},
	"ph.unit":            {"cnr": "Jedinica", "en": "Unit"},
	"ph.low_stock":       {"cnr": "Prag za upozorenje", "en": "Warning threshold"},
	"ph.stock":           {"cnr": "Na stanju", "en": "In stock"},
	"ph.usable_stock":    {"cnr": "Upotrebljivo na stanju", "en": "Usable stock"},
	"ph.batch":           {"cnr": "Serija", "en": "Batch"},
	"ph.expires_on":      {"cnr": "Rok upotrebe", "en": "Expiry date"},
	"ph.received":        {"cnr": "Primljeno", "en": "Received"},
	"ph.dispensed":       {"cnr": "Izdato", "en": "Given"},
	"ph.written_off":     {"cnr": "Otpisano", "en": "Written off"},
	"ph.batch_state":     {"cnr": "Stanje serije", "en": "State of the batch"},
	"ph.supplier_note":   {"cnr": "Dobavljač, napomena", "en": "Supplier, note"},
	"ph.received_on":     {"cnr": "Prijem", "en": "Receipt"},
	"ph.no_batches":      {"cnr": "Nijedna serija još nije primljena.", "en": "No batch received yet."},
	"ph.add":             {"cnr": "Novi lijek u katalogu", "en": "A new medicine in the catalogue"},
	"ph.add_button":      {"cnr": "Dodaj lijek", "en": "Add the medicine"},
	"ph.name":            {"cnr": "Naziv", "en": "Name"},
	"ph.receive":         {"cnr": "Prijem serije", "en": "Receive a batch"},
	"ph.receive_button":  {"cnr": "Primi seriju", "en": "Receive the batch"},
	"ph.quantity":        {"cnr": "Količina", "en": "Quantity"},
	"ph.write_off":       {"cnr": "Otpis", "en": "Write off"},
	"ph.write_off_btn":   {"cnr": "Otpiši", "en": "Write off"},
	"ph.reason":          {"cnr": "Razlog", "en": "Reason"},
	"ph.note":            {"cnr": "Napomena", "en": "Note"},
	"ph.round":           {"cnr": "Terapija za dan %[1]s", "en": "Medication due on %[1]s"},
	"ph.round_intro":     {"cnr": "Svaka doza propisana za dan, po vremenu: data ili ne. Doza se daje iz serije koja prva ističe, osim ako upišete drugu.", "en": "Every dose prescribed for the day, by time: given or not. A dose comes from the batch that expires first unless you name another."},
	"ph.day":             {"cnr": "Dan", "en": "Day"},
	"ph.show":            {"cnr": "Prikaži", "en": "Show"},
	"ph.time":            {"cnr": "Vrijeme", "en": "Time"},
	"ph.resident":        {"cnr": "Korisnik", "en": "Resident"},
	"ph.dose":            {"cnr": "Doza", "en": "Dose"},
	"ph.status":          {"cnr": "Data", "en": "Given"},
	"ph.given":           {"cnr": "data %[1]s, %[2]s, serija %[3]s", "en": "given %[1]s by %[2]s, batch %[3]s"},
	"ph.not_given":       {"cnr": "nije data", "en": "not given"},
	"ph.give":            {"cnr": "Daj dozu", "en": "Give the dose"},
	"ph.batch_optional":  {"cnr": "Serija (neobavezno)", "en": "Batch (optional)"},
	"ph.nothing_due":     {"cnr": "Za ovaj dan nije propisana nijedna doza.", "en": "No dose is prescribed for this day."},
	"ph.residents":       {"cnr": "Korisnici i njihova terapija", "en": "Residents and their medication"},
	"ph.bed":             {"cnr": "Krevet", "en": "Bed"},
	"ph.no_residents":    {"cnr": "U ustanovi trenutno nema smještenih korisnika.", "en": "No resident is admitted now."},
	"ph.prescriptions":   {"cnr": "Terapija: propisani lijekovi", "en": "Prescriptions"},
	"ph.resident_title":  {"cnr": "Terapija korisnika: %[1]s", "en": "Medication of %[1]s"},
	"ph.times":           {"cnr": "Vremena davanja", "en": "Times of day"},
	"ph.from":            {"cnr": "Od", "en": "From"},
	"ph.until":           {"cnr": "Do", "en": "Until"},
	"ph.prescribed_by":   {"cnr": "Propisao/la", "en": "Prescribed by"},
	"ph.in_force":        {"cnr": "u primjeni", "en": "in force"},
	"ph.stopped":         {"cnr": "obustavljena %[1]s", "en": "stopped on %[1]s"},
	"ph.ended":           {"cnr": "nije u primjeni", "en": "not in force"},
	"ph.stop":            {"cnr": "Obustavi", "en": "Stop"},
	"ph.no_prescription": {"cnr": "Korisnik nema propisanu terapiju.", "en": "The resident has no prescription."},
	"ph.prescribe":       {"cnr": "Nova terapija", "en": "A new prescription"},
	"ph.prescribe_btn":   {"cnr": "Propiši", "en": "Prescribe"},
	"ph.times_hint":      {"cnr": "npr. 08:00 20:00", "en": "e.g. 08:00 20:00"},
	"ph.doctor":          {"cnr": "Ljekar", "en": "Doctor"},
	"ph.doses_today":     {"cnr": "Doze date %[1]s", "en": "Doses given on %[1]s"},
	"ph.no_doses":        {"cnr": "Tog dana nije data nijedna doza.", "en": "No dose was given that day."},
	"ph.given_at":        {"cnr": "Data u", "en": "Given at"},
	"ph.given_by":        {"cnr": "Dao/la", "en": "Given by"},
	"ph.extra":           {"cnr": "van rasporeda", "en": "outside the times"},
	"ph.back_round":      {"cnr": "Nazad na terapiju za dan", "en": "Back to the day's medication"},
	"ph.stopped_done":    {"cnr": "Terapija je obustavljena.", "en": "The prescription is stopped."},
	"ph.given_done":      {"cnr": "Doza je zabilježena.", "en": "The dose is recorded."},
	"ph.saved":           {"cnr": "Sačuvano.", "en": "Saved."},

	"f.form": {"cnr": "Oblik", "en": "Form"}, "f.strength": {"cnr": "Jačina", "en": "Strength"}, "f.unit": {"cnr": "Jedinica", "en": "Unit"},
	"f.low_stock": {"cnr": "Prag za upozorenje", "en": "Warning threshold"}, "f.batch": {"cnr": "Serija", "en": "Batch"},
	"f.expires_on": {"cnr": "Rok upotrebe", "en": "Expiry date"}, "f.quantity": {"cnr": "Količina", "en": "Quantity"},
	"f.supplier_note": {"cnr": "Dobavljač, napomena", "en": "Supplier, note"}, "f.medicine_id": {"cnr": "Lijek", "en": "Medicine"},
	"f.dose": {"cnr": "Doza", "en": "Dose"}, "f.times": {"cnr": "Vremena davanja", "en": "Times of day"},
	"f.until": {"cnr": "Do", "en": "Until"}, "f.prescribed_by": {"cnr": "Ljekar", "en": "Doctor"},
	"f.prescription_id": {"cnr": "Terapija", "en": "Prescription"}, "f.time": {"cnr": "Vrijeme", "en": "Time"},

	"err.ph_enum":          {"cnr": "izaberite jednu od ponuđenih vrijednosti", "en": "choose one of the options"},
	"err.ph_batch_number":  {"cnr": "broj serije sadrži samo slova, cifre, tačku, crticu i donju crtu", "en": "a batch number has letters, digits, '.', '-' and '_' only"},
	"err.ph_quantity":      {"cnr": "„%[1]s” nije količina (npr. 2,5)", "en": "%[1]s is not a quantity (e.g. 2.5)"},
	"err.ph_positive":      {"cnr": "mora biti veće od nule", "en": "must be more than zero"},
	"err.ph_decimals":      {"cnr": "količina ima najviše dvije decimale i manja je od milion", "en": "a quantity has at most two decimals and is under a million"},
	"err.ph_negative":      {"cnr": "ne smije biti negativno", "en": "may not be negative"},
	"err.ph_long":          {"cnr": "najviše %[1]s znakova", "en": "at most %[1]s characters"},
	"err.ph_no_times":      {"cnr": "upišite bar jedno vrijeme davanja (ČČ:MM)", "en": "give at least one time of day (HH:MM)"},
	"err.ph_many_times":    {"cnr": "najviše 12 vremena davanja", "en": "at most 12 times of day"},
	"err.ph_time":          {"cnr": "„%[1]s” nije vrijeme (ČČ:MM)", "en": "%[1]s is not a time of day (HH:MM)"},
	"err.ph_time_twice":    {"cnr": "vrijeme %[1]s je upisano dvaput", "en": "%[1]s is given twice"},
	"err.ph_not_time":      {"cnr": "%[1]s nije vrijeme davanja ove terapije (%[2]s)", "en": "%[1]s is not a time of this prescription (%[2]s)"},
	"err.ph_before_from":   {"cnr": "kraj je prije početka (%[1]s)", "en": "the end is before the first day (%[1]s)"},
	"err.ph_not_medical":   {"cnr": "„%[1]s” nije medicinsko osoblje ove ustanove", "en": "%[1]s is not on the medical staff of this institution"},
	"err.ph_not_catalogue": {"cnr": "lijek nije u katalogu ove ustanove", "en": "the medicine is not in this institution's catalogue"},
	"err.ph_not_resident":  {"cnr": "terapija nije terapija ovog korisnika", "en": "the prescription is not this resident's"},
	"err.ph_in_catalogue":  {"cnr": "lijek %[1]s (%[2]s) je već u katalogu", "en": "%[1]s (%[2]s) is already in the catalogue"},
	"err.ph_in_stock":      {"cnr": "serija %[1]s lijeka %[2]s je već primljena", "en": "batch %[1]s of %[2]s is already in stock"},
	"err.ph_received_exp":  {"cnr": "serija %[1]s je istekla %[2]s; istekla serija se ne prima", "en": "batch %[1]s expired on %[2]s; an expired batch is not taken into stock"},
	"err.ph_expired":       {"cnr": "serija %[1]s lijeka %[2]s je istekla %[3]s; iz nje se doza ne smije dati", "en": "batch %[1]s of %[2]s expired on %[3]s; a dose may not be given from it"},
	"err.ph_left_dose":     {"cnr": "u seriji %[1]s lijeka %[2]s ostalo je %[3]s, a doza je %[4]s", "en": "batch %[1]s of %[2]s has %[3]s left; the dose needs %[4]s"},
	"err.ph_left_off":      {"cnr": "u seriji %[1]s lijeka %[2]s ostalo je %[3]s; ne može se otpisati %[4]s", "en": "batch %[1]s of %[2]s has %[3]s left; %[4]s cannot be written off"},
	"err.ph_no_batch":      {"cnr": "nijedna serija lijeka %[1]s nema dozu od %[2]s: ukupno je ostalo %[3]s", "en": "no batch of %[1]s holds the dose of %[2]s: %[3]s left in all"},
	"err.ph_only_expired":  {"cnr": "lijeka %[1]s nema na stanju: ostala je samo serija %[2]s, koja je istekla %[3]s", "en": "%[1]s is out of stock: only batch %[2]s is left, which expired on %[3]s"},
	"err.ph_out":           {"cnr": "lijeka %[1]s nema na stanju", "en": "%[1]s is out of stock"},
	"err.ph_dose_given":    {"cnr": "doza lijeka %[1]s u %[2]s za %[3]s je već data", "en": "the dose of %[1]s at %[2]s on %[3]s is already given"},
	"err.ph_not_in_force":  {"cnr": "terapija nije u primjeni %[1]s", "en": "the prescription is not in force on %[1]s"},
	"err.ph_was_stopped":   {"cnr": "terapija je već obustavljena %[1]s", "en": "the prescription was already stopped on %[1]s"},
	"err.ph_no_such":       {"cnr": "ne postoji: %[1]s", "en": "does not exist: %[1]s"},
	"err.ph_not_batch":     {"cnr": "„%[1]s” nije serija lijeka %[2]s", "en": "%[1]s is not a batch of %[2]s"},
}

// phShape is an API message said with its dates (YYYY-MM-DD, the groups
// named in dates) in the page's language.
func phShape(expr, key string, dates ...int) errorShape {
	return errorShape{regexp.MustCompile(expr), func(lang string, m []string) string {
		args := make([]any, len(m)-1)
		for i, x := range m[1:] {
			args[i] = x
			for _, d := range dates {
				if d == i+1 {
					args[i] = phDate(lang, x)
				}
			}
		}
		return tf(lang, key, args...)
	}}
}

func phDate(lang, s string) string {
	if tm, err := time.Parse(time.DateOnly, s); err == nil {
		return date(lang, tm)
	}
	return s
}

// pharmacyShapes are the API's refusals about medicines (api/medicines.go,
// domain/institutions/medicines.go).
var pharmacyShapes = []errorShape{
	shape(`^"[^"]*" is not (?:a form of medicine|a unit|a reason to write off): one of `, "err.ph_enum"),
	shape(`^"[^"]*" is not a batch number`, "err.ph_batch_number"),
	shape(`^"?([^"]*)"? is not a quantity`, "err.ph_quantity"),
	shape(`^is not a quantity`, "err.ph_quantity"),
	shape(`^must be more than 0`, "err.ph_positive"),
	shape(`^\S+ is not a quantity of at most two decimals under a million$`, "err.ph_decimals"),
	shape(`^may not be negative`, "err.ph_negative"),
	shape(`^is longer than (\d+) characters`, "err.ph_long"),
	shape(`^give at least one time of day`, "err.ph_no_times"),
	shape(`^at most 12 times of day`, "err.ph_many_times"),
	shape(`^"([^"]*)" is not a time of day \(HH:MM\)$`, "err.ph_time"),
	shape(`^(\d\d:\d\d) is given twice$`, "err.ph_time_twice"),
	shape(`^(\S+) is not a time of prescription \d+ \((.*)\)$`, "err.ph_not_time"),
	phShape(`^\S+ is before the first day (\S+)$`, "err.ph_before_from", 1),
	shape(`^"([^"]*)" is not on the medical staff of \S+$`, "err.ph_not_medical"),
	shape(`^medicine \d+ is not in the catalogue of \S+$`, "err.ph_not_catalogue"),
	shape(`^prescription \d+ is not one of this resident's$`, "err.ph_not_resident"),
	{regexp.MustCompile(`^(.+) \((\w+)\) is already in the catalogue$`), func(lang string, m []string) string {
		return tf(lang, "err.ph_in_catalogue", m[1], enum(lang, "medicine_form", m[2]))
	}},
	shape(`^batch (\S+) of (.+) is already in stock$`, "err.ph_in_stock"),
	phShape(`^batch (\S+) expired on (\S+); an expired batch is not taken into stock$`, "err.ph_received_exp", 2),
	phShape(`^batch (\S+) of (.+) expired on (\S+); a dose may not be given from it$`, "err.ph_expired", 3),
	{regexp.MustCompile(`^batch (\S+) of (.+) has (\S+) left; the dose needs (\S+)$`), func(lang string, m []string) string {
		return tf(lang, "err.ph_left_dose", m[1], m[2], phQuantity(lang, m[3]), phQuantity(lang, m[4]))
	}},
	{regexp.MustCompile(`^batch (\S+) of (.+) has (\S+) left; (\S+) cannot be written off$`), func(lang string, m []string) string {
		return tf(lang, "err.ph_left_off", m[1], m[2], phQuantity(lang, m[3]), phQuantity(lang, m[4]))
	}},
	{regexp.MustCompile(`^no batch of (.+) holds the dose of (\S+): (\S+) left in all$`), func(lang string, m []string) string {
		return tf(lang, "err.ph_no_batch", m[1], phQuantity(lang, m[2]), phQuantity(lang, m[3]))
	}},
	phShape(`^(.+) is out of stock: only batch (\S+) is left, which expired on (\S+)$`, "err.ph_only_expired", 3),
	shape(`^(.+) is out of stock$`, "err.ph_out"),
	phShape(`^the dose of (.+) at (\S*) on (\S+) is already given$`, "err.ph_dose_given", 3),
	phShape(`^prescription \d+ is not in force on (\S+)$`, "err.ph_not_in_force", 1),
	phShape(`^prescription \d+ was stopped on (\S+)$`, "err.ph_was_stopped", 1),
	shape(`^"([^"]*)" is not a batch of (.+)$`, "err.ph_not_batch"),
	shape(`^((?:batch \S+ of .+|medicine "?\S+?"?|resident "?\S+?"?|prescription "?\S+?"?)) not found$`, "err.ph_no_such"),
}

// phQuantity is a decimal quantity as the page's language writes it: 2,5
// in Montenegrin, 2.5 in English.
func phQuantity(lang string, v any) string {
	s := str(v)
	d, err := decimal.NewFromString(s)
	if err != nil {
		return s
	}
	s = d.String()
	if lang == "cnr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func init() {
	maps.Copy(messages, pharmacyMessages)
	errorShapes = append(pharmacyShapes, errorShapes...)
	enumWords["medicine_form"] = map[string][2]string{
		"tablet": {"tableta", "Tablet"}, "capsule": {"kapsula", "Capsule"}, "syrup": {"sirup", "Syrup"}, "drops": {"kapi", "Drops"},
		"injection": {"injekcija", "Injection"}, "ointment": {"mast", "Ointment"}, "inhaler": {"inhalator", "Inhaler"},
		"patch": {"flaster", "Patch"}, "suppository": {"supozitorija", "Suppository"}, "powder": {"prašak", "Powder"},
	}
	enumWords["medicine_unit"] = map[string][2]string{
		"piece": {"kom.", "pcs"}, "ml": {"mL", "mL"}, "g": {"g", "g"}, "ampoule": {"amp.", "amp."}, "drop": {"kap.", "gtt."}, "dose": {"doza", "doses"},
	}
	enumWords["write_off_reason"] = map[string][2]string{
		"expired": {"istekao rok", "Expired"}, "damaged": {"oštećeno", "Damaged"}, "lost": {"izgubljeno", "Lost"}, "returned": {"vraćeno dobavljaču", "Returned to the supplier"},
	}
	enumWords["batch_state"] = map[string][2]string{
		"usable": {"u upotrebi", "In use"}, "expiring": {"ističe uskoro", "Expires soon"}, "expired": {"istekla", "Expired"}, "empty": {"potrošena", "Used up"},
	}
}
