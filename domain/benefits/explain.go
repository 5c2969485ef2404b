package benefits

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Phrase is a piece of an explanation in words of the catalogue below:
// a stable key and its arguments. An argument that starts with "@" is the
// key of another phrase (a source, a kind of evidence, a reason), said in
// the same language; the others (names, numbers, dates) are said as they
// are. Explanation lines and reasons carry their phrases, so a decision in
// Montenegrin says them in Montenegrin and an English view in English,
// whatever language the calculation ran in.
type Phrase struct {
	Key  string   `json:"key"`
	Args []string `json:"args,omitempty"`
}

// Say is the phrase key with args, each said with fmt.Sprint.
func Say(key string, args ...any) Phrase {
	p := Phrase{Key: key}
	for _, a := range args {
		p.Args = append(p.Args, fmt.Sprint(a))
	}
	return p
}

// In says the phrase in lang (cnr or en; anything else is cnr). A key the
// catalogue does not know is said as its arguments, never as a key.
func (p Phrase) In(lang string) string {
	t, ok := phrases[p.Key]
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		if k, nested := strings.CutPrefix(a, "@"); nested {
			a = Phrase{Key: k}.In(lang)
		}
		args[i] = a
	}
	if d, param := strings.CutPrefix(p.Key, "param."); param && !ok {
		t, ok = paramPhrase(d)
	}
	if !ok {
		return strings.Join(p.Args, " ")
	}
	format := t.cnr
	if lang == "en" {
		format = t.en
	}
	return fmt.Sprintf(format, args...)
}

// Known reports whether the catalogue has key (a parameter's line,
// "param.<name>", when the parameter is in params/*.yaml).
func Known(key string) bool {
	if _, ok := phrases[key]; ok {
		return true
	}
	name, param := strings.CutPrefix(key, "param.")
	_, ok := paramPhrase(name)
	return param && ok
}

// SayValue says a line's value in lang: a yes or no in words, a decimal
// with the decimal comma in Montenegrin; anything else as it is.
func SayValue(v, lang string) string {
	switch {
	case lang == "en":
		return v
	case v == "true":
		return "da"
	case v == "false":
		return "ne"
	case decimalValue.MatchString(v):
		return strings.Replace(v, ".", ",", 1)
	}
	return v
}

var decimalValue = regexp.MustCompile(`^-?\d+\.\d+$`)

// evidenceRef is how the claim's activity names a member's evidence
// ("tax/registered_income #42 (request id)").
var evidenceRef = regexp.MustCompile(`^([a-z_]+)/([a-z_]+) #(\d+)`)

// sourcePhrase is the phrase for a member's evidence reference: its
// registry and kind in words and its record number; "declared" when the
// claim declares the fact.
func sourcePhrase(ref string) Phrase {
	if m := evidenceRef.FindStringSubmatch(ref); m != nil && Known("source."+m[1]) && Known("kind."+m[2]) {
		return Say("src.evidence", "@source."+m[1], "@kind."+m[2], m[3])
	}
	if ref == "declared" || ref == "" {
		return Say("src.declared")
	}
	return Say("src.other", ref)
}

type phrase struct{ cnr, en string }

// pending are the sources of explanation lines that rest on a GUESS: a
// parameter's value not read in the law (params/*.yaml, guess: true), or
// a rule of calculation reconstructed from the brief. The flag stays in
// the line (its source's key, for developers and auditors); the words say
// nothing of it, so a decision never prints it, and the desk says
// "parametar čeka potvrdu" with who confirms it (issue 17).
var pending = map[string]bool{"src.param.guess": true, "src.mo_topup": true, "src.ts_cap": true}

// Owner is who confirms the values and rules of the calculations: the
// ministry, which publishes the law's parameters (issue 16).
var Owner = Phrase{Key: "owner.ministry"}

// Pending reports whether a line's source rests on a GUESS still to be
// confirmed, and by whom.
func Pending(source Phrase) (Phrase, bool) {
	if pending[source.Key] {
		return Owner, true
	}
	return Phrase{}, false
}

var embedded = sync.OnceValue(func() *Params { p, _ := LoadParams(); return p })

// paramPhrase is a parameter's description (params/*.yaml), said as the
// line "param.<name>".
func paramPhrase(name string) (phrase, bool) {
	p := embedded()
	if p == nil {
		return phrase{}, false
	}
	par, ok := p.Parameter(name)
	if !ok {
		return phrase{}, false
	}
	cnr := par.DescriptionCnr
	if cnr == "" {
		cnr = par.Description
	}
	return phrase{cnr: escape(cnr), en: escape(par.Description)}, true
}

func escape(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// phrases is the catalogue: every line, source and reason a calculation
// says, in Montenegrin and English. TestEveryPhraseIsInTheCatalogue runs
// every worked case and fails on a key missing here.
var phrases = map[string]phrase{
	// the result
	"amount":       {"iznos", "amount"},
	"src.result":   {"rezultat obračuna", "result"},
	"src.declared": {"izjava u zahtjevu", "declared"},
	"src.other":    {"%s", "%s"},
	"src.evidence": {"%s, %s, zapis br. %s", "%s/%s #%s"},
	// src.param: name, from (ISO), reference, reference in Montenegrin, from (dd.mm.yyyy.)
	"src.param":            {"od %[5]s: %[4]s", "parameter %[1]s from %[2]s: %[3]s"},
	"src.param.guess":      {"od %[5]s: %[4]s", "parameter %[1]s from %[2]s: %[3]s"}, // Pending: the value is a GUESS
	"src.sum":              {"zbir gornjih stavki", "sum of the lines above"},
	"src.household":        {"Uprava za registre: domaćinstvo", "population/household"},
	"src.realestate_all":   {"Uprava za katastar: nepokretnosti svakog člana", "realestate/real_estate of each member"},
	"src.medical":          {"nalaz prvostepene ljekarske komisije (izjava)", "finding of the first-instance medical commission (declared)"},
	"src.mo_topup":         {"čl. 38: dopuna do iznosa materijalnog obezbjeđenja", "Art. 38: top-up to the threshold"}, // Pending: the counting rules are a GUESS
	"src.decisions":        {"rješenja", "decisions"},
	"src.declared_checked": {"izjava, provjerena u rješenjima", "declared, checked against decisions"},
	"src.receipts":         {"izjava, uz račune", "declared, with receipts"},
	"src.ts_cap":           {"ne više od snošenih troškova", "not more than the costs borne"}, // Pending: the cap is a GUESS
	"src.guardian":         {"Uprava za registre: domaćinstvo, ili rješenje o starateljstvu", "population/household, or guardianship decision"},
	"src.param.dd_max":     {"parametar dd.max_children", "parameter dd.max_children"},
	"src.death":            {"Uprava za registre: datum smrti", "population/identity: date of death"},
	"owner.ministry":       {"Ministarstvo socijalnog staranja, brige o porodici i demografije", "Ministry of Social Welfare, Family Care and Demography"},

	// registries and kinds of evidence, said inside src.evidence
	"source.population":      {"Uprava za registre", "population"},
	"source.vehicles":        {"registar vozila", "vehicles"},
	"source.tax":             {"Poreska uprava", "tax"},
	"source.pension":         {"Fond PIO", "pension"},
	"source.health":          {"Fond za zdravstveno osiguranje", "health"},
	"source.employment":      {"Zavod za zapošljavanje", "employment"},
	"source.realestate":      {"Uprava za katastar", "realestate"},
	"source.education":       {"Ministarstvo prosvjete", "education"},
	"source.agriculture":     {"Ministarstvo poljoprivrede", "agriculture"},
	"source.veterinary":      {"Uprava za bezbjednost hrane, veterinu i fitosanitarne poslove", "veterinary"},
	"source.declared":        {"izjava", "declared"},
	"kind.identity":          {"lični podaci", "identity"},
	"kind.residence":         {"prebivalište", "residence"},
	"kind.household":         {"domaćinstvo", "household"},
	"kind.vehicles":          {"vozila", "vehicles"},
	"kind.registered_income": {"prijavljeni prihodi", "registered_income"},
	"kind.pension":           {"penzija", "pension"},
	"kind.health_insurance":  {"zdravstveno osiguranje", "health_insurance"},
	"kind.unemployment":      {"naknada za nezaposlene", "unemployment"},
	"kind.real_estate":       {"nepokretnosti", "real_estate"},
	"kind.education":         {"obrazovanje", "education"},
	"kind.agriculture":       {"poljoprivreda", "agriculture"},
	"kind.livestock":         {"stočni fond", "livestock"},

	// lines
	"members":             {"broj članova domaćinstva", "household members"},
	"member.dead":         {"%s je preminuo/la %s: nije član domaćinstva od narednog dana", "%s died on %s: not a member of the household from the next day"},
	"income.net":          {"prijavljeni neto prihod, %s", "registered net income of %s"},
	"income.pension":      {"penzija, %s", "pension of %s"},
	"income.unemployment": {"naknada za nezaposlene, %s", "unemployment benefit of %s"},
	"income.farmer":       {"naknada poljoprivrednicima, %s", "farmers' allowance of %s"},
	"income.premiums":     {"poljoprivredne premije (godišnje / 12), %s", "agricultural premiums (yearly / 12) of %s"},
	"vehicle":             {"vozilo, %s (procijenjena vrijednost)", "vehicle of %s (estimated value)"},
	"dwellings":           {"broj stanova u svojini domaćinstva", "dwellings owned by the household"},
	"land":                {"poljoprivredno zemljište u svojini domaćinstva (m2)", "agricultural land owned by the household (m2)"},
	"income.total":        {"ukupni mjesečni prihod domaćinstva", "counted monthly income of the household"},
	"mo.topup":            {"iznos materijalnog obezbjeđenja umanjen za prihod", "threshold minus income"},
	"disability":          {"stepen invaliditeta, %s", "degree of disability of %s"},
	"needs_care":          {"potrebna njega i pomoć drugog lica: %s", "needs care and help from another person: %s"},
	"dd.child":            {"%s (%s god.): %s", "%s (age %s): %s"},
	"dd.beyond":           {"%s (%s god.): preko prvih %s djece", "%s (age %s): beyond the first %s children"},
	"dd.why.universal":    {"opšti iznos", "universal rate"},
	"dd.why.mo":           {"porodica prima materijalno obezbjeđenje", "family receives MO"},
	"dd.why.dnjp":         {"dijete prima dodatak za njegu i pomoć", "child receives DNJP"},
	"dd.why.li":           {"dijete prima ličnu invalidninu", "child receives LI"},
	"birth":               {"datum rođenja, %s", "date of birth of %s"},
	"jnp.set":             {"iznos koji je utvrdio stručni radnik", "amount set by the caseworker"},
	"jnp.grants":          {"ovogodišnje dodijeljene pomoći", "grants already made this year"},
	"ts.deceased_mo":      {"preminuli je bio korisnik materijalnog obezbjeđenja", "the deceased received MO"},
	"ts.costs":            {"troškovi sahrane koje je snosio podnosilac", "funeral costs borne by the applicant"},
	"ts.limited":          {"ograničeno na dokumentovane troškove", "limited to the documented costs"},
	"nnj.li":              {"%s prima ličnu invalidninu", "%s receives LI"},
	"nnj.parent":          {"%s je roditelj ili staratelj", "%s is parent or guardian"},

	// reasons
	"no.subject":        {"lice na koje se zahtjev odnosi nije član domaćinstva", "the person the claim is about is not a member of the household"},
	"no.applicant_dead": {"podnosilac zahtjeva %s je preminuo/la %s", "the applicant %s died on %s"},
	"no.vehicle":        {"%s posjeduje vozilo vrijednosti %s EUR, više od %s", "%s owns a vehicle worth %s EUR, more than %s"},
	"no.dwellings":      {"domaćinstvo posjeduje %s stana, više od %s", "the household owns %s dwellings, more than %s"},
	"no.land":           {"domaćinstvo posjeduje %s m2 zemljišta, više od %s", "the household owns %s m2 of land, more than %s"},
	"no.income":         {"prihod domaćinstva od %s EUR nije manji od iznosa materijalnog obezbjeđenja od %s EUR", "the household's income %s EUR is not below the threshold %s EUR"},
	"no.disability":     {"stepen invaliditeta lica %s (%s%%) manji je od %s%%", "%s's degree of disability %s%% is below %s%%"},
	"no.li_dnjp":        {"%s prima dodatak za njegu i pomoć, koji isključuje ličnu invalidninu", "%s receives the care-and-assistance allowance (DNJP), which LI excludes"},
	"no.needs_care":     {"za lice %s nije utvrđena potreba za njegom i pomoći drugog lica", "%s is not found to need care and help from another person"},
	"no.dnjp_li":        {"%s prima ličnu invalidninu, koja isključuje dodatak za njegu i pomoć", "%s receives the personal disability allowance (LI), which DNJP excludes"},
	"no.children":       {"u domaćinstvu nema djeteta mlađeg od %s godina", "the household has no child younger than %s"},
	"no.newborn":        {"zahtjev ne navodi novorođeno dijete među članovima domaćinstva", "the claim does not name the newborn child among the household members"},
	"no.not_child":      {"%s nije dijete u domaćinstvu", "%s is not a child of the household"},
	"no.nd_late":        {"zahtjev je podnesen %s, više od %s dana nakon rođenja", "the claim was filed on %s, more than %s days after the birth"},
	"no.nd_early":       {"zahtjev je podnesen prije rođenja", "the claim was filed before the birth"},
	"no.jnp_amount":     {"stručni radnik nije utvrdio pozitivan iznos", "the caseworker has not set a positive amount"},
	"no.jnp_cap":        {"iznos od %s EUR veći je od najvišeg iznosa od %s EUR", "the amount %s EUR is above the cap of %s EUR"},
	"no.jnp_year":       {"ove godine su već dodijeljene %s pomoći; najviše %s", "%s grants were already made this year; at most %s"},
	"no.ts_not_mo":      {"preminuli nije bio korisnik materijalnog obezbjeđenja", "the deceased was not a beneficiary of MO"},
	"no.ts_costs":       {"troškovi sahrane nisu dokumentovani", "no funeral costs are documented"},
	"no.cared_for":      {"zahtjev ne navodi lice o kojem se brine među članovima domaćinstva", "the claim does not name the cared-for person among the household members"},
	"no.nnj_li":         {"%s ne prima ličnu invalidninu", "%s does not receive the personal disability allowance (LI)"},
	"no.nnj_parent":     {"%s nije ni roditelj ni staratelj lica %s", "%s is neither a parent nor the guardian of %s"},
}
