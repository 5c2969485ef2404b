package benefits

// The benefits portal (issue 18): the benefits a citizen may apply for
// online, and what their application form asks of the applicant beyond
// what the registries give. Everything the registries hold (identity,
// residence, household, income, property, unemployment, pensions) is
// taken from them with the applicant's consent, as at the counter; the
// form asks only for the documents no registry holds.

// OnlineDocument is a document an online application may carry: what no
// registry holds. GUESS: which documents each benefit's rulebook still
// asks for where the registries answer is to be confirmed by the
// ministry; until then none is required, each is asked for when it
// applies.
type OnlineDocument struct {
	Key      string
	NameCnr  string
	NameEn   string
	WhenCnr  string // when it is needed
	WhenEn   string
	Required bool
}

// OnlineForm is a benefit's application form in the portal.
type OnlineForm struct {
	Benefit Code
	// Subject: the applicant names the child the claim is for (the
	// newborn grant is a claim for one child).
	Subject   bool
	Documents []OnlineDocument
}

var onlineForms = []OnlineForm{
	{Benefit: MO, Documents: []OnlineDocument{{Key: "income_not_registered",
		NameCnr: "Dokaz o prihodima koje registri ne vode (alimentacija, prihodi iz inostranstva)",
		NameEn:  "Proof of income the registries do not hold (maintenance, income from abroad)",
		WhenCnr: "ako ih domaćinstvo ima", WhenEn: "if the household has any"}}},
	{Benefit: DD, Documents: []OnlineDocument{{Key: "school_certificate",
		NameCnr: "Potvrda o redovnom školovanju", NameEn: "Certificate of regular schooling",
		WhenCnr: "za dijete koje je navršilo 15 godina", WhenEn: "for a child aged 15 or over"}}},
	{Benefit: ND, Subject: true, Documents: []OnlineDocument{{Key: "birth_certificate_abroad",
		NameCnr: "Izvod iz matične knjige rođenih", NameEn: "Birth certificate",
		WhenCnr: "ako je dijete rođeno u inostranstvu", WhenEn: "if the child was born abroad"}}},
}

// OnlineForms lists the benefits a citizen may apply for online (MO,
// child allowance, the newborn grant), in the catalogue's order.
func OnlineForms() []OnlineForm {
	out := make([]OnlineForm, len(onlineForms))
	copy(out, onlineForms)
	return out
}

// OnlineFormOf returns the online form of a benefit; false when the
// benefit is applied for at the centre only.
func OnlineFormOf(code Code) (OnlineForm, bool) {
	for _, f := range onlineForms {
		if f.Benefit == code {
			return f, true
		}
	}
	return OnlineForm{}, false
}

// Document returns the form's document called key.
func (f OnlineForm) Document(key string) (OnlineDocument, bool) {
	for _, d := range f.Documents {
		if d.Key == key {
			return d, true
		}
	}
	return OnlineDocument{}, false
}
