package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/benefits"
)

// The API answers a refusal with a code (invalid, not_found, conflict,
// forbidden, unavailable), the field at fault and a message in English
// meant for developers. A page says it in its own language (issue 17): the
// message's shape is looked up below and said from the catalogue with the
// values it carries (a count, a digit, a benefit, a role); a message of no
// known shape is said by its code (and in English as the API wrote it).

// apiError is the API's refusal.
type apiError struct {
	Status  int
	Code    string
	Message string
	Field   string
	Fields  []struct{ Field, Message string }
}

func (r apiResult) apiError() apiError {
	var e struct{ Error apiError }
	_ = json.Unmarshal(r.body, &e)
	e.Error.Status = r.status
	if e.Error.Code == "" {
		e.Error.Code = map[int]string{http.StatusBadRequest: domain.CodeInvalid, http.StatusNotFound: domain.CodeNotFound,
			http.StatusConflict: domain.CodeConflict, http.StatusForbidden: domain.CodeForbidden,
			http.StatusServiceUnavailable: domain.CodeUnavailable}[r.status]
	}
	return e.Error
}

// errorMessages are the catalogue's words of the API's refusals.
var errorMessages = map[string]map[string]string{
	"err.required":            {"cnr": "obavezno polje", "en": "is required"},
	"err.min_length":          {"cnr": "upišite najmanje %[2]s znakova", "en": "type at least %[2]s characters"},
	"err.max_length":          {"cnr": "najviše %[2]s znakova (upisano je %[1]s)", "en": "at most %[2]s characters (%[1]s typed)"},
	"err.enum":                {"cnr": "izaberite jednu od ponuđenih vrijednosti", "en": "choose one of the options"},
	"err.type":                {"cnr": "vrijednost nije odgovarajuće vrste", "en": "the value is of the wrong kind"},
	"err.minimum":             {"cnr": "najmanje %[2]s", "en": "at least %[2]s"},
	"err.maximum":             {"cnr": "najviše %[2]s", "en": "at most %[2]s"},
	"err.min_items":           {"cnr": "upišite najmanje %[2]s", "en": "give at least %[2]s"},
	"err.max_items":           {"cnr": "najviše %[2]s stavki", "en": "at most %[2]s items"},
	"err.format_date":         {"cnr": "„%[1]s” nije ispravan datum", "en": "%[1]s is not a valid date"},
	"err.format":              {"cnr": "„%[1]s” nije ispravnog oblika", "en": "%[1]s is not in the right form"},
	"err.unknown_fields":      {"cnr": "polja %[1]s nisu dio obrasca", "en": "the fields %[1]s are not part of the form"},
	"err.number_range":        {"cnr": "broj je izvan dozvoljenog opsega", "en": "the number is out of range"},
	"err.text":                {"cnr": "tekst sadrži znakove koji se ne mogu sačuvati", "en": "the text has characters that cannot be kept"},
	"err.jmbg_len":            {"cnr": "JMBG ima 13 cifara; upisano je %[1]s znakova", "en": "a JMBG has 13 digits; %[1]s characters typed"},
	"err.jmbg_digits":         {"cnr": "JMBG ima samo cifre (na %[1]s. mjestu je %[2]s)", "en": "a JMBG has digits only (position %[1]s is %[2]s)"},
	"err.jmbg_date":           {"cnr": "cifre 1–7 nisu stvarni datum rođenja (%[1]s)", "en": "digits 1-7 are not a real date of birth (%[1]s)"},
	"err.jmbg_check":          {"cnr": "kontrolna cifra je %[1]s, a treba da bude %[2]s", "en": "the check digit is %[1]s, expected %[2]s"},
	"err.iban_len":            {"cnr": "IBAN ima od 15 do 34 znaka; ovaj ima %[1]s", "en": "an IBAN has 15 to 34 characters; this one has %[1]s"},
	"err.iban_form":           {"cnr": "%[1]s nije IBAN: dva slova, dvije kontrolne cifre, zatim slova i cifre", "en": "%[1]s is not an IBAN: two letters, two check digits, then letters and digits"},
	"err.iban_check":          {"cnr": "kontrolne cifre IBAN-a se ne slažu (ISO 13616, mod 97)", "en": "the IBAN's check digits do not match (ISO 13616, mod 97)"},
	"err.iban_me_len":         {"cnr": "crnogorski IBAN ima 22 znaka; ovaj ima %[1]s", "en": "a Montenegrin IBAN has 22 characters; this one has %[1]s"},
	"err.iban_me_digits":      {"cnr": "crnogorski broj računa ima samo cifre", "en": "a Montenegrin account number has digits only"},
	"err.iban_me_check":       {"cnr": "nacionalne kontrolne cifre računa se ne slažu", "en": "the account's national check digits do not match"},
	"err.name_chars":          {"cnr": "dozvoljena su samo slova, razmaci, crtice i apostrofi", "en": "letters, spaces, hyphens and apostrophes only"},
	"err.name_long":           {"cnr": "najviše 100 znakova", "en": "at most 100 characters"},
	"err.no_centre":           {"cnr": "nijedan centar za socijalni rad ne pokriva opštinu %[1]s", "en": "no social work centre covers %[1]s"},
	"err.person_not_found":    {"cnr": "lice nije pronađeno", "en": "no such person"},
	"err.does_not_exist":      {"cnr": "ne postoji (%[1]s)", "en": "does not exist (%[1]s)"},
	"err.consent":             {"cnr": "podnosilac mora dati saglasnost da centar pribavi podatke iz službenih evidencija", "en": "the applicant must consent to the centre fetching the data from official registries"},
	"err.benefit_unknown":     {"cnr": "izaberite pravo iz kataloga", "en": "choose a benefit of the catalogue"},
	"err.benefit_not_here":    {"cnr": "pravo „%[1]s” se još ne može tražiti u Kartonu", "en": "%[1]s cannot be claimed in Karton yet"},
	"err.subject_member":      {"cnr": "mora biti podnosilac ili član domaćinstva", "en": "must be the applicant or one of the members"},
	"err.held_same":           {"cnr": "pravo „%[1]s” se već ostvaruje po zahtjevu %[2]s: isto pravo se ne može ostvariti dvaput", "en": "%[1]s is already held under claim %[2]s: the same right is not granted twice"},
	"err.held_excludes":       {"cnr": "pravo „%[1]s” se ne može priznati: ostvaruje se pravo „%[2]s” (zahtjev %[3]s), koje ga isključuje", "en": "%[1]s cannot be granted: %[2]s, which excludes it, is held under claim %[3]s"},
	"err.role_may_not":        {"cnr": "uloga „%[1]s” nema pravo na ovu radnju (%[2]s)", "en": "the role %[1]s may not do this (%[2]s)"},
	"err.task_held":           {"cnr": "zadatak je preuzeo/la %[1]s", "en": "the task is held by %[1]s"},
	"err.task_group":          {"cnr": "zadatak je za grupu „%[1]s”", "en": "the task is for the group %[1]s"},
	"err.task_done":           {"cnr": "zadatak je već završen; važi prvi ishod", "en": "the task is already completed; the first outcome stands"},
	"err.task_not_waiting":    {"cnr": "zadatak više ne čeka ishod", "en": "the task is no longer waiting for an outcome"},
	"err.four_eyes":           {"cnr": "princip četiri oka: %[1]s je pripremio/la i ne može odobriti", "en": "four eyes: %[1]s prepared it and may not approve it"},
	"err.delegate":            {"cnr": "%[1]s nije %[2]s u centru %[3]s", "en": "%[1]s is not a %[2]s of %[3]s"},
	"err.not_staff":           {"cnr": "%[1]s nije radnik centra %[2]s", "en": "%[1]s is not on the staff of %[2]s"},
	"err.claim_decided":       {"cnr": "o zahtjevu %[1]s je već odlučeno", "en": "claim %[1]s is already decided"},
	"err.claim_withdrawn":     {"cnr": "zahtjev %[1]s je već povučen", "en": "claim %[1]s is already withdrawn"},
	"err.open_subprocedures":  {"cnr": "predmet %[1]s ima otvorene podpostupke (%[2]s): prvo ih zatvorite", "en": "case %[1]s has open sub-procedures (%[2]s): close them first"},
	"err.closing_proposed":    {"cnr": "zatvaranje predmeta %[1]s je već predloženo", "en": "closing of case %[1]s is already proposed"},
	"err.review_open":         {"cnr": "predmet %[1]s već ima otvorenu reviziju ili zatvaranje", "en": "case %[1]s already has a review or its closing open"},
	"err.tracking_done":       {"cnr": "stavka praćenja %[1]s je već obavljena", "en": "tracking item %[1]s is already done"},
	"err.payroll_busy":        {"cnr": "obračun %[1]s je u pripremi; ovaj pokrenite kada on bude spreman", "en": "%[1]s is being prepared; start this payroll once it is ready"},
	"err.workflow_down":       {"cnr": "servis za vođenje postupaka trenutno nije dostupan; ništa nije sačuvano, pokušajte ponovo", "en": "the workflow service is unavailable; nothing was saved, try again"},
	"err.code.invalid":        {"cnr": "Unos nije ispravan.", "en": "The input is not valid."},
	"err.code.not_found":      {"cnr": "Nije pronađeno.", "en": "Not found."},
	"err.code.conflict":       {"cnr": "Radnja nije moguća u ovom stanju.", "en": "This cannot be done in the present state."},
	"err.code.forbidden":      {"cnr": "Nemate pravo na ovu radnju.", "en": "You may not do this."},
	"err.code.unavailable":    {"cnr": "Servis trenutno nije dostupan; pokušajte ponovo za minut.", "en": "The service is not available; try again in a minute."},
	"err.code.internal":       {"cnr": "Došlo je do greške; pokušajte ponovo.", "en": "Something went wrong; try again."},
	"err.field_invalid":       {"cnr": "vrijednost nije ispravna", "en": "the value is not valid"},
	"err.resource.person":     {"cnr": "e-dosije lica", "en": "a person's e-file"},
	"err.resource.task":       {"cnr": "zadatak", "en": "a task"},
	"err.resource.claim":      {"cnr": "zahtjev", "en": "a claim"},
	"err.resource.case":       {"cnr": "predmet", "en": "a case"},
	"err.resource.payroll":    {"cnr": "obračun isplata", "en": "a payroll"},
	"err.resource.evidence":   {"cnr": "dokazi", "en": "evidence"},
	"err.resource.decision":   {"cnr": "rješenje", "en": "a decision"},
	"err.resource.activation": {"cnr": "radna aktivacija", "en": "labour activation"},
	"err.resource.dv_case":    {"cnr": "predmet nasilja u porodici", "en": "a domestic-violence case"},
}

func init() {
	for k, v := range errorMessages {
		messages[k] = v
	}
}

// tf is the catalogue's key in lang with args put in.
func tf(lang, key string, args ...any) string { return fmt.Sprintf(t(lang, key), args...) }

// errorShape is a message the API writes, by its shape: say gives it in
// lang from the parts the expression captured.
type errorShape struct {
	re  *regexp.Regexp
	say func(lang string, m []string) string
}

func shape(expr, key string) errorShape {
	return errorShape{regexp.MustCompile(expr), func(lang string, m []string) string {
		args := make([]any, len(m)-1)
		for i, x := range m[1:] {
			args[i] = x
		}
		return tf(lang, key, args...)
	}}
}

var errorShapes = []errorShape{
	shape(`^is required$`, "err.required"),
	shape(`^procedure "" does not exist`, "err.required"),
	shape(`^procedure ".*" does not exist`, "err.enum"),
	shape(`^query parameter is required`, "err.required"),
	shape(`^minLength: got (\d+), want (\d+)$`, "err.min_length"),
	shape(`^maxLength: got (\d+), want (\d+)$`, "err.max_length"),
	shape(`^value must be (?:one of )?.*$`, "err.enum"),
	shape(`^'enum' failed$`, "err.enum"),
	shape(`^got \w+, want \w+$`, "err.type"),
	shape(`^must be a JSON \w+$`, "err.type"),
	shape(`^minimum: got (\S+), want (\S+)$`, "err.minimum"),
	shape(`^exclusiveMinimum: got (\S+), want (\S+)$`, "err.minimum"),
	shape(`^maximum: got (\S+), want (\S+)$`, "err.maximum"),
	shape(`^exclusiveMaximum: got (\S+), want (\S+)$`, "err.maximum"),
	shape(`^minItems: got (\d+), want (\d+)$`, "err.min_items"),
	shape(`^maxItems: got (\d+), want (\d+)$`, "err.max_items"),
	shape(`^'([^']*)' is not valid date`, "err.format_date"),
	shape(`^'([^']*)' is not valid \S+`, "err.format"),
	shape(`^additional properties (.*) not allowed$`, "err.unknown_fields"),
	shape(`^number \S+ is out of range$`, "err.number_range"),
	shape(`^(?:byte|text at byte) \d+ `, "err.text"),
	shape(`^has a NUL character`, "err.text"),
	shape(`^must have 13 digits, has (\d+) characters$`, "err.jmbg_len"),
	shape(`^must contain digits only \(position (\d+) is (.*)\)$`, "err.jmbg_digits"),
	shape(`^digits 1-7 are not a real date of birth \((.*)\)$`, "err.jmbg_date"),
	shape(`^check digit is (\d+), expected (\d+)$`, "err.jmbg_check"),
	shape(`^an IBAN has 15 to 34 characters, this one (\d+)$`, "err.iban_len"),
	shape(`^(".*") is not an IBAN`, "err.iban_form"),
	shape(`^IBAN check digits do not match`, "err.iban_check"),
	shape(`^a Montenegrin IBAN has 22 characters, this one (\d+)$`, "err.iban_me_len"),
	shape(`^a Montenegrin account number has digits only$`, "err.iban_me_digits"),
	shape(`^the national check digits of the Montenegrin account do not match$`, "err.iban_me_check"),
	shape(`^may contain letters, spaces, hyphens and apostrophes only$`, "err.name_chars"),
	shape(`^(?:must be valid text of at most 100 characters|is longer than 100 characters)$`, "err.name_long"),
	{regexp.MustCompile(`^no centre covers "?([^"]*)"?$`), func(lang string, m []string) string {
		return tf(lang, "err.no_centre", municipalityName(m[1]))
	}},
	shape(`^person "?[^"\s]*"? not found$`, "err.person_not_found"),
	{regexp.MustCompile(`^this (\w+) does not exist$`), func(lang string, m []string) string {
		return tf(lang, "err.does_not_exist", resourceWords(lang, m[1]))
	}},
	shape(`^the applicant must consent`, "err.consent"),
	shape(`^".*" is not a benefit of the catalogue`, "err.benefit_unknown"),
	{regexp.MustCompile(`^(\S+) \(.*\) cannot be claimed here yet`), func(lang string, m []string) string {
		return tf(lang, "err.benefit_not_here", benefitName(lang, m[1]))
	}},
	shape(`^must be the applicant or one of the members$`, "err.subject_member"),
	{regexp.MustCompile(`^(?:(.+) is already held under claim (\S+): the same right is not granted twice|pravo „(.+)” se već ostvaruje po zahtjevu (\S+): isto pravo se ne može ostvariti dvaput)$`),
		func(lang string, m []string) string {
			return tf(lang, "err.held_same", benefitNamed(lang, m[1]+m[3]), m[2]+m[4])
		}},
	{regexp.MustCompile(`^(?:(.+) cannot be granted: (.+), which excludes it, is held under claim (\S+)|pravo „(.+)” se ne može priznati: ostvaruje se pravo „(.+)” \(zahtjev (\S+)\), koje ga isključuje)$`),
		func(lang string, m []string) string {
			return tf(lang, "err.held_excludes", benefitNamed(lang, m[1]+m[4]), benefitNamed(lang, m[2]+m[5]), m[3]+m[6])
		}},
	{regexp.MustCompile(`^the (\w+) role of .* may not \w+ this (\w+)`), func(lang string, m []string) string {
		return tf(lang, "err.role_may_not", enum(lang, "role", m[1]), resourceWords(lang, m[2]))
	}},
	{regexp.MustCompile(`^(?:the (\w+) role may not|(?:only|a) .*(?:supervisor|finance officers|assignee).*)`), func(lang string, m []string) string {
		return t(lang, "err.code.forbidden")
	}},
	{regexp.MustCompile(`^task \S+ is held by (\S+)$`), func(lang string, m []string) string {
		return tf(lang, "err.task_held", staffName(lang, m[1]))
	}},
	{regexp.MustCompile(`^task \S+ (?:is for the|needs the) (\S+?)(?:@\S+)? (?:group|role)`), func(lang string, m []string) string {
		return tf(lang, "err.task_group", enum(lang, "role", m[1]))
	}},
	shape(`^task \S+ is (?:already )?(?:completed|cancelled)`, "err.task_done"),
	shape(`^task \S+ is not waiting for an outcome$`, "err.task_not_waiting"),
	{regexp.MustCompile(`^four eyes: (\S+) `), func(lang string, m []string) string { return tf(lang, "err.four_eyes", staffName(lang, m[1])) }},
	{regexp.MustCompile(`^"([^"]*)" is not a (\w+) of (\S+)$`), func(lang string, m []string) string {
		return tf(lang, "err.delegate", m[1], enum(lang, "role", m[2]), centreName(m[3]))
	}},
	{regexp.MustCompile(`^"([^"]*)" is not on the staff of (\S+)$`), func(lang string, m []string) string {
		return tf(lang, "err.not_staff", m[1], centreName(m[2]))
	}},
	shape(`^claim (\S+) is already decided$`, "err.claim_decided"),
	shape(`^claim (\S+) is already withdrawn$`, "err.claim_withdrawn"),
	shape(`^case (\S+) has open sub-procedures: (.*); close them first$`, "err.open_subprocedures"),
	shape(`^closing of case (\S+) is already proposed$`, "err.closing_proposed"),
	shape(`^case (\S+) already has a review or its closing open$`, "err.review_open"),
	shape(`^tracking item (\d+) is already done$`, "err.tracking_done"),
	shape(`^(\S+) is being prepared; start this payroll once it is ready$`, "err.payroll_busy"),
	shape(`^the workflow service (?:is|was) unavailable`, "err.workflow_down"),
}

// resourceWords names a resource of the policy.
func resourceWords(lang, resource string) string {
	if s := t(lang, "err.resource."+resource); s != "err.resource."+resource {
		return s
	}
	return t(lang, "err.code.not_found")
}

// benefitNamed is the benefit called name (in either language) said in lang.
func benefitNamed(lang, name string) string {
	for _, b := range benefits.Catalogue() {
		if b.NameEn == name || b.NameCnr == name {
			return benefitName(lang, string(b.Code))
		}
	}
	return name
}

// sayMessage says one of the API's messages in lang. A message of no
// known shape: the API's words in English; in Montenegrin its code's
// sentence, or, beside a field, "the value is not valid".
func sayMessage(lang, code, field, msg string) string {
	for _, s := range errorShapes {
		if m := s.re.FindStringSubmatch(msg); m != nil {
			return s.say(lang, m)
		}
	}
	if lang == "en" && msg != "" {
		return msg
	}
	if field != "" {
		return t(lang, "err.field_invalid")
	}
	if code == "" {
		code = domain.CodeInternal
	}
	if s := t(lang, "err.code."+code); s != "err.code."+code {
		return s
	}
	return t(lang, "err.code.internal")
}

// sayKnown says msg in lang when it is one of the API's messages, and
// leaves it as it is otherwise (a person's own words: a withdrawal's
// reason).
func sayKnown(lang, msg string) string {
	for _, s := range errorShapes {
		if m := s.re.FindStringSubmatch(msg); m != nil {
			return s.say(lang, m)
		}
	}
	return msg
}

// fieldLabels name the API's fields on the pages' forms by their
// catalogue keys; any other field is named by its last part (f.<name>).
var fieldLabels = map[string]string{
	"payee_account": "payee_account", "jmbg": "jmbg", "given_name": "given_name", "family_name": "family_name",
	"address.municipality": "municipality", "address.settlement": "settlement", "address.street": "street",
	"benefit": "benefit", "consent": "consent_short", "member_person_ids": "members", "applicant_person_id": "person",
	"subject_person_id": "person", "reason": "reason", "amount": "amount", "what": "which_document", "reasons": "reasons",
	"procedure": "procedure", "persons": "person", "to": "to", "period": "period", "centre_id": "centre", "text": "note",
	"file": "file", "hashes": "files", "confirm": "confirm", "payee": "payee_account", "members": "members",
	"municipality": "municipality", "settlement": "settlement", "street": "street", "(form)": "",
}

// fieldLabel names the field at path in lang.
func fieldLabel(lang, path string) string {
	if k, ok := fieldLabels[path]; ok {
		if k == "" {
			return ""
		}
		return t(lang, k)
	}
	parts := strings.Split(path, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		if p := parts[i]; p != "" && strings.Trim(p, "0123456789") != "" && p != "data" && p != "intake" {
			return label(lang, "f.", p)
		}
	}
	return ""
}

// sayError is the API's whole refusal in lang, for a banner or a page: each
// field's label with its message.
func sayError(lang string, r apiResult) string {
	e := r.apiError()
	if len(e.Fields) > 0 {
		var parts []string
		for _, f := range e.Fields {
			parts = append(parts, withLabel(fieldLabel(lang, f.Field), sayMessage(lang, e.Code, f.Field, f.Message)))
		}
		return strings.Join(parts, "; ")
	}
	if e.Message == "" && e.Status != 0 {
		return sayMessage(lang, e.Code, "", "")
	}
	return withLabel(fieldLabel(lang, e.Field), sayMessage(lang, e.Code, e.Field, e.Message))
}

func withLabel(label, msg string) string {
	if label == "" {
		return msg
	}
	return label + ": " + msg
}
