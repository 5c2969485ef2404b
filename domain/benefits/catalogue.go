// Package benefits is the benefit catalogue as rules as code: every
// benefit of DOMAIN.md §3.2 and §3.4 with its legal reference, form,
// periodicity, payee and the evidence it needs; dated parameters read for
// the period being calculated; and, for the implemented benefits,
// eligibility and amount with the lines that explain them.
package benefits

import (
	"strings"

	"github.com/karton-social/karton/domain"
)

// Code identifies a benefit.
type Code string

// The benefit codes. The implemented ones carry their application form's
// letters; the others are catalogued for payment and reporting.
const (
	MO    Code = "MO"     // materijalno obezbjeđenje: financial assistance
	LI    Code = "LI"     // lična invalidnina: personal disability allowance
	DNJP  Code = "DNJP"   // dodatak za njegu i pomoć: care-and-assistance allowance
	ZZ    Code = "ZZ"     // zdravstvena zaštita: health care
	TS    Code = "TS"     // troškovi sahrane: funeral costs
	JNP   Code = "JNP"    // jednokratna novčana pomoć: one-off assistance
	NNJ   Code = "NNJ"    // naknada njegovatelju: carer's allowance (parent or guardian of an LI beneficiary)
	ND    Code = "ND"     // naknada za novorođeno dijete: newborn grant
	DD    Code = "DD"     // dodatak za djecu: child allowance
	PUI   Code = "PUI"    // troškovi ishrane u predškolskim ustanovama: pre-school meals
	POP   Code = "POP"    // pomoć za djecu sa posebnim obrazovnim potrebama: special educational needs
	RNZ   Code = "RNZ"    // refundacija naknade zarade za porodiljsko odsustvo: maternity refund
	NRD   Code = "NRD"    // naknada po osnovu rođenja djeteta: benefit on the birth of a child
	N3D   Code = "N3D"    // naknada po osnovu rođenja troje ili više djece: 3+ children allowance
	RNZRP Code = "RNZRP"  // refundacija za rad sa polovinom punog radnog vremena: half-time work refund
	MORL  Code = "MO-RL"  // MO for displaced and internally displaced persons
	DOP3  Code = "DOP-3D" // contributions for recipients of the 3+ children allowance
	PTR   Code = "PTR"    // travel costs for persons with disabilities
	SMJ   Code = "SMJ"    // placement costs: institution, abroad, foster family
	BLI   Code = "B-LI"   // veterans: personal disability allowance (10 groups)
	BDNP  Code = "B-DNP"  // veterans: care by another person
	BORT  Code = "B-ORT"  // veterans: orthopaedic allowance
	BPI   Code = "B-PI"   // veterans: family disability allowance
	BUPI  Code = "B-UPI"  // veterans: increased family disability allowance
	BMO   Code = "B-MO"   // veterans: financial assistance
	BPD   Code = "B-PD"   // veterans: family supplement
	BPT   Code = "B-PT"   // veterans: funeral costs
	BBD   Code = "B-BD"   // veterans: veterans' supplement
	BZZ   Code = "B-ZZ"   // veterans: health care (GUESS)
	BPUT  Code = "B-PUT"  // veterans: travel concessions (GUESS)
)

// Group says which law a benefit belongs to.
type Group string

// The groups of benefits.
const (
	GroupSocial   Group = "social"   // social protection, Law on Social and Child Protection
	GroupChild    Group = "child"    // child protection, same law
	GroupVeterans Group = "veterans" // Law on Veterans' and Disability Protection
)

// Periodicity says how often a benefit is paid.
type Periodicity string

// Periodicities.
const (
	Monthly Periodicity = "monthly"
	OneOff  Periodicity = "one_off"
	InKind  Periodicity = "in_kind"
)

// Payee says to whom a benefit is paid.
type Payee string

// Payees.
const (
	PayeeBeneficiary Payee = "beneficiary"
	PayeeHousehold   Payee = "household_head"
	PayeeParent      Payee = "parent"
	PayeeCostBearer  Payee = "cost_bearer"
	PayeeEmployer    Payee = "employer"
	PayeeInstitution Payee = "institution"
)

// Benefit is one entry of the catalogue.
type Benefit struct {
	Code        Code
	NameCnr     string
	NameEn      string
	Group       Group
	LegalRef    string
	Form        string // application form code
	Periodicity Periodicity
	MeansTested bool
	Payee       Payee
	// HouseholdScope: the claim concerns the whole household (members
	// listed, evidence fetched for each).
	HouseholdScope bool
	Evidence       []domain.EvidenceKind
	Excludes       []Code
	// Implemented: eligibility and amount are calculated by Calculate.
	Implemented bool
	// Guess marks an entry reconstructed from the brief (DOMAIN.md §3.2's
	// "19 kinds" and §3.4's "11").
	Guess bool
}

const (
	lawSCP = "Law on Social and Child Protection (Sl. list CG 27/13 ... 3/23)"
	lawVet = "Law on Veterans' and Disability Protection (Sl. list RCG 69/03; Sl. list CG 21/08 ... 24/25)"
)

var incomeEvidence = []domain.EvidenceKind{domain.KindHousehold, domain.KindIncome, domain.KindPension, domain.KindUnemployment,
	domain.KindRealEstate, domain.KindVehicles, domain.KindAgriculture, domain.KindLivestock}

var catalogue = []Benefit{
	{Code: MO, NameCnr: "Materijalno obezbjeđenje", NameEn: "Financial assistance", Group: GroupSocial, LegalRef: lawSCP + ", Art. 31-38",
		Form: "Z-MO", Periodicity: Monthly, MeansTested: true, Payee: PayeeHousehold, HouseholdScope: true,
		Evidence: append([]domain.EvidenceKind{domain.KindIdentity, domain.KindResidence}, incomeEvidence...), Excludes: []Code{BMO}, Implemented: true},
	{Code: LI, NameCnr: "Lična invalidnina", NameEn: "Personal disability allowance", Group: GroupSocial, LegalRef: lawSCP + ", Art. 39",
		Form: "Z-LI", Periodicity: Monthly, Payee: PayeeBeneficiary, Evidence: []domain.EvidenceKind{domain.KindIdentity, domain.KindResidence},
		Excludes: []Code{DNJP}, Implemented: true},
	{Code: DNJP, NameCnr: "Dodatak za njegu i pomoć", NameEn: "Care-and-assistance allowance", Group: GroupSocial, LegalRef: lawSCP + ", Art. 40",
		Form: "Z-DNJP", Periodicity: Monthly, Payee: PayeeBeneficiary, Evidence: []domain.EvidenceKind{domain.KindIdentity, domain.KindResidence},
		Excludes: []Code{LI}, Implemented: true},
	{Code: ZZ, NameCnr: "Zdravstvena zaštita", NameEn: "Health care", Group: GroupSocial, LegalRef: lawSCP, Form: "Z-ZZ", Periodicity: InKind,
		Payee: PayeeInstitution, Evidence: []domain.EvidenceKind{domain.KindHealthInsurance}},
	{Code: TS, NameCnr: "Troškovi sahrane", NameEn: "Funeral costs", Group: GroupSocial, LegalRef: lawSCP + ", Art. 42", Form: "Z-TS",
		Periodicity: OneOff, Payee: PayeeCostBearer, Evidence: []domain.EvidenceKind{domain.KindIdentity}, Implemented: true},
	{Code: JNP, NameCnr: "Jednokratna novčana pomoć", NameEn: "One-off assistance", Group: GroupSocial, LegalRef: lawSCP + ", Art. 43",
		Form: "Z-JNP", Periodicity: OneOff, Payee: PayeeBeneficiary, HouseholdScope: true, Evidence: incomeEvidence, Implemented: true},
	{Code: NNJ, NameCnr: "Naknada roditelju ili staratelju - njegovatelju", NameEn: "Carer's allowance", Group: GroupSocial,
		LegalRef: lawSCP + " as amended 2015-16", Form: "Z-NNJ", Periodicity: Monthly, Payee: PayeeBeneficiary,
		Evidence: []domain.EvidenceKind{domain.KindIdentity, domain.KindHousehold}, Implemented: true, Guess: true},
	{Code: ND, NameCnr: "Naknada za novorođeno dijete", NameEn: "Newborn grant", Group: GroupChild, LegalRef: lawSCP + " as amended by Sl. list CG 3/23",
		Form: "Z-ND", Periodicity: OneOff, Payee: PayeeParent, HouseholdScope: true, Evidence: []domain.EvidenceKind{domain.KindIdentity, domain.KindHousehold}, Implemented: true},
	{Code: DD, NameCnr: "Dodatak za djecu", NameEn: "Child allowance", Group: GroupChild, LegalRef: lawSCP + ", child allowance",
		Form: "Z-DD-1", Periodicity: Monthly, Payee: PayeeParent, HouseholdScope: true,
		Evidence: []domain.EvidenceKind{domain.KindIdentity, domain.KindHousehold, domain.KindResidence}, Implemented: true},
	{Code: PUI, NameCnr: "Troškovi ishrane u predškolskim ustanovama", NameEn: "Pre-school meals", Group: GroupChild, LegalRef: lawSCP,
		Periodicity: Monthly, Payee: PayeeInstitution, Evidence: []domain.EvidenceKind{domain.KindEducation}},
	{Code: POP, NameCnr: "Pomoć za vaspitanje i obrazovanje djece sa posebnim obrazovnim potrebama", NameEn: "Support for children with special educational needs",
		Group: GroupChild, LegalRef: lawSCP, Periodicity: Monthly, Payee: PayeeParent, Evidence: []domain.EvidenceKind{domain.KindEducation}},
	{Code: RNZ, NameCnr: "Refundacija naknade zarade za porodiljsko/roditeljsko odsustvo", NameEn: "Maternity/parental leave salary refund",
		Group: GroupChild, LegalRef: lawSCP, Form: "Z-RNZ", Periodicity: Monthly, Payee: PayeeEmployer,
		Evidence: []domain.EvidenceKind{domain.KindIncome, domain.KindPension, domain.KindHealthInsurance}},
	{Code: NRD, NameCnr: "Naknada po osnovu rođenja djeteta", NameEn: "Allowance on the birth of a child", Group: GroupChild, LegalRef: lawSCP,
		Form: "Z-NRD", Periodicity: Monthly, Payee: PayeeParent, Evidence: []domain.EvidenceKind{domain.KindHousehold}},
	{Code: N3D, NameCnr: "Naknada po osnovu rođenja troje ili više djece", NameEn: "Allowance for mothers of three or more children",
		Group: GroupChild, LegalRef: lawSCP + " (2016; abolished, compensation law followed)", Periodicity: Monthly, Payee: PayeeBeneficiary,
		Evidence: []domain.EvidenceKind{domain.KindHousehold, domain.KindUnemployment, domain.KindPension}},
	{Code: RNZRP, NameCnr: "Refundacija naknade zarade za rad sa polovinom punog radnog vremena", NameEn: "Half-time work refund",
		Group: GroupChild, LegalRef: lawSCP, Form: "Z-RNZRP", Periodicity: Monthly, Payee: PayeeEmployer, Evidence: []domain.EvidenceKind{domain.KindIncome}},
	{Code: MORL, NameCnr: "Materijalno obezbjeđenje raseljenih i interno raseljenih lica", NameEn: "Financial assistance for displaced persons",
		Group: GroupSocial, LegalRef: "Government decree on displaced persons", Periodicity: Monthly, MeansTested: true, Payee: PayeeHousehold, Guess: true},
	{Code: DOP3, NameCnr: "Doprinosi za korisnike naknade za troje ili više djece", NameEn: "Contributions for 3+ children allowance recipients",
		Group: GroupChild, LegalRef: lawSCP, Periodicity: Monthly, Payee: PayeeInstitution, Guess: true},
	{Code: PTR, NameCnr: "Troškovi prevoza lica sa invaliditetom", NameEn: "Travel costs for persons with disabilities",
		Group: GroupSocial, LegalRef: lawSCP, Periodicity: OneOff, Payee: PayeeBeneficiary, Guess: true},
	{Code: SMJ, NameCnr: "Troškovi smještaja (ustanova, inostranstvo, porodični smještaj)", NameEn: "Placement costs",
		Group: GroupSocial, LegalRef: lawSCP, Periodicity: Monthly, Payee: PayeeInstitution, Guess: true},
	{Code: BLI, NameCnr: "Lična invalidnina (borci)", NameEn: "Veterans: personal disability allowance", Group: GroupVeterans, LegalRef: lawVet,
		Periodicity: Monthly, Payee: PayeeBeneficiary},
	{Code: BDNP, NameCnr: "Dodatak za njegu i pomoć od strane drugog lica", NameEn: "Veterans: care by another person", Group: GroupVeterans,
		LegalRef: lawVet, Periodicity: Monthly, Payee: PayeeBeneficiary},
	{Code: BORT, NameCnr: "Ortopedski dodatak", NameEn: "Veterans: orthopaedic allowance", Group: GroupVeterans, LegalRef: lawVet,
		Periodicity: Monthly, Payee: PayeeBeneficiary},
	{Code: BPI, NameCnr: "Porodična invalidnina", NameEn: "Veterans: family disability allowance", Group: GroupVeterans, LegalRef: lawVet,
		Periodicity: Monthly, Payee: PayeeBeneficiary, Excludes: []Code{BUPI}},
	{Code: BUPI, NameCnr: "Uvećana porodična invalidnina", NameEn: "Veterans: increased family disability allowance", Group: GroupVeterans,
		LegalRef: lawVet, Periodicity: Monthly, Payee: PayeeBeneficiary, Excludes: []Code{BPI}},
	{Code: BMO, NameCnr: "Novčana naknada materijalnog obezbjeđenja", NameEn: "Veterans: financial assistance", Group: GroupVeterans,
		LegalRef: lawVet, Periodicity: Monthly, MeansTested: true, Payee: PayeeBeneficiary, Evidence: incomeEvidence, Excludes: []Code{MO}},
	{Code: BPD, NameCnr: "Porodični dodatak", NameEn: "Veterans: family supplement", Group: GroupVeterans, LegalRef: lawVet,
		Periodicity: Monthly, Payee: PayeeBeneficiary},
	{Code: BPT, NameCnr: "Pogrebni troškovi (borci)", NameEn: "Veterans: funeral costs", Group: GroupVeterans, LegalRef: lawVet,
		Periodicity: OneOff, Payee: PayeeCostBearer},
	{Code: BBD, NameCnr: "Borački dodatak", NameEn: "Veterans: veterans' supplement", Group: GroupVeterans, LegalRef: lawVet,
		Periodicity: Monthly, Payee: PayeeBeneficiary},
	{Code: BZZ, NameCnr: "Zdravstvena zaštita (borci)", NameEn: "Veterans: health care", Group: GroupVeterans, LegalRef: lawVet,
		Periodicity: InKind, Payee: PayeeInstitution, Guess: true},
	{Code: BPUT, NameCnr: "Povlastice u prevozu (borci)", NameEn: "Veterans: travel concessions", Group: GroupVeterans, LegalRef: lawVet,
		Periodicity: InKind, Payee: PayeeBeneficiary, Guess: true},
}

// legalRefCnr says the catalogue's legal references in Montenegrin.
var legalRefCnr = strings.NewReplacer(
	lawSCP, "Zakon o socijalnoj i dječjoj zaštiti (Sl. list CG 27/13 ... 3/23)",
	lawVet, "Zakon o boračkoj i invalidskoj zaštiti (Sl. list RCG 69/03; Sl. list CG 21/08 ... 24/25)",
	", Art. ", ", čl. ",
	" as amended by ", ", izmijenjen: ",
	" as amended 2015-16", ", izmjene 2015-16",
	", child allowance", ", dodatak za djecu",
	" (2016; abolished, compensation law followed)", " (2016; ukinuto, zatim zakon o naknadi)",
	"Government decree on displaced persons", "Uredba Vlade o raseljenim licima",
)

// LegalRefCnr is the benefit's legal reference in Montenegrin, as a
// decision cites it.
func (b Benefit) LegalRefCnr() string { return legalRefCnr.Replace(b.LegalRef) }

// Catalogue lists every benefit.
func Catalogue() []Benefit { return append([]Benefit(nil), catalogue...) }

// Lookup returns the benefit with code c.
func Lookup(c Code) (Benefit, bool) {
	for _, b := range catalogue {
		if b.Code == c {
			return b, true
		}
	}
	return Benefit{}, false
}

// Excludes reports whether a and b may not be received together.
func Excludes(a, b Code) bool {
	for _, x := range []struct{ p, q Code }{{a, b}, {b, a}} {
		if ben, ok := Lookup(x.p); ok {
			for _, e := range ben.Excludes {
				if e == x.q {
					return true
				}
			}
		}
	}
	return false
}
