package web

import (
	"maps"

	"github.com/karton-social/karton/domain/benefits"
)

// The words of the citizens' benefits portal (issue 18), in plain
// language: a citizen reads them, not a caseworker. Albanian is not
// offered: the catalogue holds two languages a key (and enumWords two
// words a code), so a third is a rewrite of every catalogue, not an
// addition (docs/pages.md).

// portalWords name the codes the portal shows: where a decision stands
// for an appeal (api/appeals.go finality) and where an appeal stands.
var portalWords = map[string]map[string][2]string{
	"finality": {
		"not_delivered": {"još nije uručeno: smatra se uručenim kada ga prvi put otvorite", "not delivered yet: it is delivered the first time you open it"},
		"appealable":    {"na njega se može izjaviti žalba", "open to appeal"},
		"final":         {"konačno", "final"},
		"under_appeal":  {"po žalbi se odlučuje", "under appeal"},
		"annulled":      {"poništeno po žalbi", "annulled on appeal"},
	},
	"appeal_state": {
		"first_instance":  {"kod centra (prvostepeni organ)", "with the centre (first instance)"},
		"second_instance": {"kod Ministarstva (drugostepeni organ)", "with the Ministry (second instance)"},
		"upheld":          {"žalba je odbijena, rješenje ostaje", "appeal refused, the decision stands"},
		"annulled":        {"rješenje je poništeno", "the decision is annulled"},
		"changed":         {"rješenje je izmijenjeno", "the decision is changed"},
	},
}

var portalMessages = map[string]map[string]string{
	// the menu
	"p.nav_apply": {"cnr": "Podnesi zahtjev", "en": "Apply"},
	"p.nav_data":  {"cnr": "Moji podaci", "en": "My data"},

	// home
	"p.home_title":         {"cnr": "Moja prava i zahtjevi", "en": "My benefits and claims"},
	"p.hello":              {"cnr": "Dobro došli", "en": "Welcome"},
	"p.home_intro":         {"cnr": "Ovdje su vaši zahtjevi i dokle je koji stigao, rješenja, prava i isplate.", "en": "Here are your claims and where each stands, your decisions, rights and payments."},
	"p.apply":              {"cnr": "Podnesite zahtjev preko interneta", "en": "Apply online"},
	"p.my_data":            {"cnr": "Šta država zna o meni", "en": "What the state knows about me"},
	"p.no_file":            {"cnr": "Karton još nema vaše podatke", "en": "Karton keeps no file about you yet"},
	"p.no_file_intro":      {"cnr": "Karton može da pribavi vaše podatke iz službenih evidencija (registar stanovništva, Poreska uprava, Fond PIO i druge). Tada ćete vidjeti šta one navode o vama i vašem domaćinstvu i moći ćete da podnesete zahtjev.", "en": "Karton can ask the official registries (the population register, the Tax Administration, the pension fund and others) for your data. You will then see what they state about you and your household, and you can apply."},
	"p.get_my_data":        {"cnr": "Pribavi moje podatke iz evidencija", "en": "Get my data from the registries"},
	"p.get_again":          {"cnr": "Ponovo pitaj evidencije", "en": "Ask the registries again"},
	"p.refresh_started":    {"cnr": "Karton pita službene evidencije; odgovori stižu za nekoliko trenutaka.", "en": "Karton is asking the registries; their answers come in a few moments."},
	"p.waiting_registries": {"cnr": "Čeka se odgovor:", "en": "Waiting for:"},
	"p.my_claims":          {"cnr": "Moji zahtjevi", "en": "My claims"},
	"p.claim":              {"cnr": "Zahtjev", "en": "Claim"},
	"p.filed_on":           {"cnr": "Podnesen", "en": "Filed"},
	"p.where":              {"cnr": "Dokle je stigao", "en": "Where it stands"},
	"p.online":             {"cnr": "preko interneta", "en": "online"},
	"p.filed_online":       {"cnr": "podnesen preko interneta", "en": "filed online"},
	"p.channel":            {"cnr": "Način podnošenja", "en": "Filed"},
	"p.at_counter":         {"cnr": "u centru", "en": "at the centre"},
	"p.document_asked":     {"cnr": "centar traži dokument", "en": "the centre asks for a document"},
	"p.no_claims":          {"cnr": "Nemate podnesenih zahtjeva.", "en": "You have filed no claim."},
	"p.my_decisions":       {"cnr": "Moja rješenja", "en": "My decisions"},
	"p.outcome":            {"cnr": "Ishod", "en": "Outcome"},
	"p.appeal":             {"cnr": "Žalba", "en": "Appeal"},
	"p.pdf":                {"cnr": "rješenje (PDF)", "en": "the decision (PDF)"},
	"p.deadline":           {"cnr": "rok za žalbu", "en": "appeal by"},
	"p.appeal_here":        {"cnr": "izjavite žalbu", "en": "file an appeal"},
	"p.no_decisions":       {"cnr": "Nemate rješenja.", "en": "You have no decision."},
	"p.my_rights":          {"cnr": "Moja prava", "en": "My rights"},
	"p.next_revision":      {"cnr": "Sljedeća provjera prava", "en": "Next revision of the right"},
	"p.suspended_from":     {"cnr": "obustavljeno od", "en": "suspended from"},
	"p.no_rights":          {"cnr": "Nemate priznatih prava.", "en": "You hold no right."},
	"p.no_payments":        {"cnr": "Nema isplata.", "en": "No payment."},

	// what the state knows
	"p.data_title":    {"cnr": "Šta država zna o vama", "en": "What the state knows about you"},
	"p.data_intro":    {"cnr": "Podaci koje Karton ima o vama i vašem domaćinstvu, svaki sa evidencijom iz koje potiče i danom kada ga je ona navela. Ako nešto nije tačno, obratite se instituciji koja vodi tu evidenciju ili svom centru za socijalni rad.", "en": "The data Karton holds about you and your household, each with the registry it comes from and the day the registry stated it. If something is wrong, ask the institution that keeps the registry or your social work centre."},
	"p.about_you":     {"cnr": "O vama", "en": "About you"},
	"p.name":          {"cnr": "Ime i prezime", "en": "Name"},
	"p.you":           {"cnr": "vi", "en": "you"},
	"p.no_household":  {"cnr": "Registar stanovništva ne navodi vaše domaćinstvo.", "en": "The population register states no household of yours."},
	"p.household_src": {"cnr": "Kako ga navodi registar stanovništva", "en": "As the population register states it"},
	"p.facts":         {"cnr": "Podaci iz službenih evidencija", "en": "Facts from the official registries"},
	"p.stated_on":     {"cnr": "Evidencija navela", "en": "Stated on"},
	"p.no_facts":      {"cnr": "Evidencije još nisu ništa navele.", "en": "The registries have stated nothing yet."},
	"p.who_accessed":  {"cnr": "Ko je gledao vaše podatke", "en": "Who looked at your data"},
	"p.access_intro":  {"cnr": "Svaki pristup vašim podacima se bilježi: kada, koja služba i zašto. Imena zaposlenih se ne prikazuju.", "en": "Every access to your data is recorded: when, which service and why. Staff names are not shown."},
	"p.karton_itself": {"cnr": "Karton (automatski upit evidencijama)", "en": "Karton (automatic registry query)"},
	"p.no_access":     {"cnr": "Niko još nije gledao vaše podatke.", "en": "Nobody has looked at your data yet."},

	// the application
	"p.apply_title":      {"cnr": "Zahtjev preko interneta", "en": "Apply online"},
	"p.apply_intro":      {"cnr": "Preko interneta možete podnijeti zahtjev za materijalno obezbjeđenje, dodatak za djecu i jednokratnu pomoć za novorođeno dijete. Zahtjev stiže u vaš centar za socijalni rad isto kao zahtjev predat na šalteru. Za druga prava obratite se centru.", "en": "Online you may apply for financial assistance, the child allowance and the newborn grant. The claim reaches your social work centre just as one handed in at the counter. For other benefits, ask your centre."},
	"p.choose_benefit":   {"cnr": "Izaberite pravo", "en": "Choose the benefit"},
	"p.law_scp":          {"cnr": "Zakon o socijalnoj i dječjoj zaštiti", "en": "Law on Social and Child Protection"},
	"p.applicant":        {"cnr": "Podnosilac", "en": "Applicant"},
	"p.which_child":      {"cnr": "Za koje dijete", "en": "For which child"},
	"p.no_child":         {"cnr": "Registar stanovništva ne navodi dijete u vašem domaćinstvu.", "en": "The population register states no child in your household."},
	"p.who_with_you":     {"cnr": "Članovi domaćinstva na koje se zahtjev odnosi", "en": "The members of your household the claim covers"},
	"p.members_hint":     {"cnr": "Ovo su članovi vašeg domaćinstva kako ih navodi registar stanovništva.", "en": "These are the members of your household as the population register states them."},
	"p.no_members":       {"cnr": "Registar stanovništva ne navodi druge članove vašeg domaćinstva: zahtjev je samo za vas.", "en": "The population register states no other member of your household: the claim is for you alone."},
	"p.payee":            {"cnr": "Račun za isplatu (IBAN)", "en": "Account for the payment (IBAN)"},
	"p.payee_hint":       {"cnr": "Crnogorski IBAN ima 22 znaka i počinje sa ME. Ako ga ne upišete, novac stiže preko Pošte.", "en": "A Montenegrin IBAN has 22 characters and starts with ME. Without one, the money comes through the Post."},
	"p.documents":        {"cnr": "Dokumenti", "en": "Documents"},
	"p.documents_hint":   {"cnr": "Podatke iz službenih evidencija Karton pribavlja sam: priložite samo ono što evidencije ne vode.", "en": "Karton takes the registries' data itself: attach only what no registry holds."},
	"p.optional":         {"cnr": "nije obavezno", "en": "optional"},
	"p.when":             {"cnr": "Kada", "en": "When"},
	"p.file_kinds":       {"cnr": "PDF, PNG ili JPEG, najviše 10 MiB", "en": "PDF, PNG or JPEG, at most 10 MiB"},
	"p.files_again":      {"cnr": "Datoteke koje ste izabrali nisu sačuvane: izaberite ih ponovo.", "en": "The files you chose were not kept: choose them again."},
	"p.consent":          {"cnr": "Saglasan/saglasna sam da centar za socijalni rad pribavi moje podatke i podatke članova mog domaćinstva iz službenih evidencija radi odlučivanja o zahtjevu.", "en": "I agree that the social work centre takes my data and my household members' data from the official registries to decide on the claim."},
	"p.send":             {"cnr": "Pošalji zahtjev", "en": "Send the claim"},
	"p.apply_needs_file": {"cnr": "Prvo pribavite svoje podatke iz evidencija, pa podnesite zahtjev.", "en": "Get your data from the registries first, then apply."},
	"p.filed":            {"cnr": "Zahtjev je podnesen i stigao je u vaš centar za socijalni rad.", "en": "The claim is filed and has reached your social work centre."},

	// a claim
	"p.progress":          {"cnr": "Tok zahtjeva", "en": "The claim's progress"},
	"p.step_filed":        {"cnr": "Podnesen", "en": "Filed"},
	"p.step_evidence":     {"cnr": "Pribavljanje podataka", "en": "Gathering the data"},
	"p.step_review":       {"cnr": "Pregled u centru", "en": "Review at the centre"},
	"p.step_approval":     {"cnr": "Odobrenje rješenja", "en": "Approval of the decision"},
	"p.step_decided":      {"cnr": "Rješenje", "en": "Decision"},
	"p.waiting_claim":     {"cnr": "Karton pribavlja podatke ili izrađuje rješenje; stranica se sama osvježava.", "en": "Karton is gathering the data or issuing the decision; this page reloads by itself."},
	"p.requests":          {"cnr": "Centar traži dokument", "en": "The centre asks for a document"},
	"p.centre_asks":       {"cnr": "Traži se", "en": "Asked for"},
	"p.you_sent":          {"cnr": "Poslali ste dokument", "en": "You sent a document on"},
	"p.centre_looks":      {"cnr": "centar ga pregleda; možete poslati i drugi", "en": "the centre is looking at it; you may send another"},
	"p.your_document":     {"cnr": "Vaš dokument", "en": "Your document"},
	"p.send_document":     {"cnr": "Pošalji dokument", "en": "Send the document"},
	"p.document_sent":     {"cnr": "Dokument je poslat centru.", "en": "The document is sent to the centre."},
	"p.documents_sent":    {"cnr": "Poslati dokumenti", "en": "Documents sent"},
	"p.doc_answer":        {"cnr": "Odgovor na zahtjev centra", "en": "Answer to the centre's request"},
	"p.doc_evidence":      {"cnr": "Dokument uz zahtjev", "en": "Document with the claim"},
	"p.open_document":     {"cnr": "otvori", "en": "open"},
	"p.how_calculated":    {"cnr": "Kako je izračunato", "en": "How it was calculated"},
	"p.delivered_on":      {"cnr": "uručeno", "en": "delivered on"},
	"p.your_appeal":       {"cnr": "Vaša žalba", "en": "Your appeal"},
	"p.appeal_intro":      {"cnr": "Žalbu možete izjaviti u roku od 15 dana od uručenja rješenja; rješenje po zahtjevu podnesenom preko interneta uručeno je kada ga prvi put otvorite. Žalba se predaje preko centra, a o njoj odlučuje Ministarstvo.", "en": "You may appeal within 15 days of the decision's delivery; a decision on a claim filed online is delivered the first time you open it. The appeal goes through the centre, and the Ministry decides on it."},
	"p.appeal_grounds":    {"cnr": "Zašto smatrate da rješenje nije dobro", "en": "Why you think the decision is wrong"},
	"p.file_appeal":       {"cnr": "Izjavi žalbu", "en": "File the appeal"},
	"p.appeal_filed":      {"cnr": "Žalba je izjavljena; centar je pregleda i prosljeđuje Ministarstvu.", "en": "The appeal is filed; the centre reviews it and passes it to the Ministry."},
	"p.appeal_too_late":   {"cnr": "Rok za žalbu istekao je %[1]s (15 dana od uručenja), pa se žalba više ne može izjaviti: rješenje je konačno.", "en": "The 15 days for an appeal ended on %[1]s, so no appeal can be filed any more: the decision is final."},
	"p.appeal_once":       {"cnr": "Na rješenje se žalba izjavljuje jednom.", "en": "A decision is appealed once."},
	"p.withdraw":          {"cnr": "Povlačenje zahtjeva", "en": "Withdraw the claim"},
	"p.withdraw_go":       {"cnr": "Povuci zahtjev", "en": "Withdraw"},
	"p.withdraw_why":      {"cnr": "Zašto povlačite zahtjev", "en": "Why you withdraw it"},
	"p.confirm_withdraw":  {"cnr": "povlačim zahtjev. Povučeni zahtjev se ne može vratiti, ali možete podnijeti novi.", "en": "I withdraw the claim. A withdrawn claim cannot be taken back, but you may file a new one."},
	"p.back_home":         {"cnr": "Nazad na moja prava i zahtjeve", "en": "Back to my benefits and claims"},
	"p.withdrawn_online":  {"cnr": "podnosilac je povukao zahtjev preko interneta", "en": "the applicant withdrew the claim online"},
	"err.p_benefit":       {"cnr": "to pravo se ne može tražiti preko interneta; za njega se obratite centru", "en": "that benefit cannot be applied for online; ask your centre"},
	"err.p_not_member":    {"cnr": "nije član vašeg domaćinstva prema registru stanovništva", "en": "is not a member of your household as the population register states it"},
	"err.p_name_child":    {"cnr": "izaberite dijete na koje se zahtjev odnosi", "en": "choose the child the claim is for"},
	"err.p_not_child":     {"cnr": "nije dijete iz vašeg domaćinstva", "en": "is not a child of your household"},
	"err.p_not_document":  {"cnr": "nije dokument ovog obrasca", "en": "is not a document of this form"},
	"err.p_unreadable":    {"cnr": "obrazac nije mogao biti pročitan: datoteke zajedno imaju najviše 12 MiB", "en": "the form could not be read: the files together have at most 12 MiB"},
	"err.p_no_file":       {"cnr": "Karton još nema vaše podatke: prvo ih pribavite iz evidencija", "en": "Karton keeps no file about you yet: get your data from the registries first"},
	"err.p_not_known":     {"cnr": "registar stanovništva vas ne vodi: obratite se svom centru za socijalni rad", "en": "the population register does not know you: ask your social work centre"},
	"err.p_register_down": {"cnr": "registar stanovništva trenutno ne odgovara; pokušajte ponovo", "en": "the population register does not answer; try again"},
	"err.p_no_residence":  {"cnr": "registar stanovništva ne navodi vaše ime i prebivalište: obratite se svom centru za socijalni rad", "en": "the population register does not state your name and residence: ask your social work centre"},
	"err.p_closed":        {"cnr": "zahtjev %[1]s je završen i više ne prima dokumente", "en": "claim %[1]s is closed and takes no more documents"},
	"err.p_no_request":    {"cnr": "centar više ne traži taj dokument", "en": "the centre no longer asks for that document"},
	"err.p_send_file":     {"cnr": "izaberite datoteku", "en": "choose a file"},
	"err.p_empty":         {"cnr": "datoteka je prazna", "en": "the file is empty"},
	"err.p_kind":          {"cnr": "datoteka mora biti PDF, PNG ili JPEG", "en": "the file must be a PDF, PNG or JPEG"},
	"err.p_grounds":       {"cnr": "napišite zašto smatrate da rješenje nije dobro", "en": "say why you think the decision is wrong"},
	"err.p_late":          {"cnr": "rok za žalbu istekao je %[3]s (15 dana od uručenja %[2]s): rješenje je konačno", "en": "the 15 days for an appeal ended on %[3]s (delivered on %[2]s): the decision is final"},
	"err.p_appealed":      {"cnr": "na rješenje %[1]s žalba je već izjavljena", "en": "decision %[1]s is already appealed"},
}

// portalShapes say the portal's refusals (api/portal.go, the uploads, the
// appeals) in the page's language. They come before the others: an empty
// or wrong file is the file's, not a bank statement's.
var portalShapes = []errorShape{
	shape(`^".*" cannot be applied for online`, "err.p_benefit"),
	shape(`^.* is not a member of your household`, "err.p_not_member"),
	shape(`^name the child the claim is for$`, "err.p_name_child"),
	shape(`^.* is not a child of your household$`, "err.p_not_child"),
	shape(`^is not a document of the`, "err.p_not_document"),
	shape(`^the form could not be read`, "err.p_unreadable"),
	shape(`^Karton keeps no file about you yet`, "err.p_no_file"),
	shape(`^the population register does not know you`, "err.p_not_known"),
	shape(`^the population register does not answer`, "err.p_register_down"),
	shape(`^the population register (?:does not state your name|states a residence)`, "err.p_no_residence"),
	shape(`^claim (\S+) is \w+: it takes no more documents$`, "err.p_closed"),
	shape(`^".*" is no open request for a document`, "err.p_no_request"),
	shape(`^send the document as multipart/form-data`, "err.p_send_file"),
	shape(`^is empty$`, "err.p_empty"),
	shape(`^is \S+; send a PDF, PNG or JPEG$`, "err.p_kind"),
	shape(`^say why the decision is wrong$`, "err.p_grounds"),
	shape(`^the appeal is late: decision (\S+) was delivered on (\S+) and the deadline for an appeal was (\S+) `, "err.p_late"),
	shape(`^decision (\S+) (?:is already appealed|was appealed)`, "err.p_appealed"),
	shape(`^the applicant withdrew the claim online$`, "p.withdrawn_online"),
}

func init() {
	maps.Copy(messages, portalMessages)
	maps.Copy(enumWords, portalWords)
	for enum, values := range portalWords {
		for v, w := range values {
			messages[enum+"."+v] = map[string]string{"cnr": w[0], "en": w[1]}
		}
	}
	errorShapes = append(portalShapes, errorShapes...)
	// The online forms' documents name their fields in a form's summary.
	for _, f := range benefits.OnlineForms() {
		for _, d := range f.Documents {
			if _, ok := messages["f."+d.Key]; !ok {
				messages["f."+d.Key] = map[string]string{"cnr": d.NameCnr, "en": d.NameEn}
			}
		}
	}
}
