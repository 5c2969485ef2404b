package web

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// factWords name the fields of the registries' facts (domain/evidence.go)
// and the codes they carry, so that the e-file says "Prijavljeni neto
// prihod: 500,00" and not "monthly_total_net: 500.00" (issue 17).
var factWords = map[string][2]string{
	"jmbg": {"JMBG", "JMBG"}, "given_name": {"ime", "given name"}, "family_name": {"prezime", "family name"},
	"birth_date": {"datum rođenja", "date of birth"}, "sex": {"pol", "sex"}, "alive": {"živ/a", "alive"},
	"death_date": {"datum smrti", "date of death"}, "municipality": {"opština", "municipality"}, "settlement": {"naselje", "settlement"},
	"street": {"ulica i broj", "street"}, "household_number": {"broj domaćinstva", "household number"}, "members": {"članovi", "members"},
	"relation": {"srodstvo", "relation"}, "vehicles": {"vozila", "vehicles"}, "registration": {"registarska oznaka", "registration"},
	"make": {"marka", "make"}, "year": {"godište", "year"}, "estimated_value": {"procijenjena vrijednost", "estimated value"},
	"sources": {"izvori prihoda", "sources of income"}, "monthly_total_net": {"ukupni mjesečni neto prihod", "monthly net in total"},
	"payer_pib": {"PIB isplatioca", "payer's PIB"}, "kind": {"vrsta", "kind"}, "monthly_net": {"mjesečni neto iznos", "monthly net"},
	"receives": {"prima", "receives"}, "monthly_amount": {"mjesečni iznos", "monthly amount"}, "insured_years": {"godine staža", "insured years"},
	"disability_level": {"stepen invalidnosti", "degree of disability"}, "insured": {"osiguran/a", "insured"}, "basis": {"osnov", "basis"},
	"registered": {"prijavljen/a", "registered"}, "since": {"od", "since"}, "benefit_monthly": {"mjesečna naknada", "monthly benefit"},
	"work_capable": {"radno sposoban/a", "capable of work"}, "parcels": {"parcele", "parcels"}, "cadastre_number": {"katastarski broj", "cadastre number"},
	"area_m2": {"površina (m2)", "area (m2)"}, "share": {"udio", "share"}, "enrolled": {"upisan/a", "enrolled"},
	"institution": {"ustanova", "institution"}, "level": {"nivo", "level"}, "farmer_allowance_monthly": {"mjesečna naknada poljoprivredniku", "farmer's allowance a month"},
	"premiums_yearly": {"godišnje premije", "premiums a year"}, "cattle": {"goveda", "cattle"}, "sheep_goats": {"ovce i koze", "sheep and goats"},
	"pigs": {"svinje", "pigs"},
	// codes the facts carry
	"=employment": {"zaposlenje", "employment"}, "=contract": {"ugovor o djelu", "contract"}, "=self_employment": {"samostalna djelatnost", "self-employment"},
	"=old_age": {"starosna", "old age"}, "=disability": {"invalidska", "disability"}, "=survivor": {"porodična", "survivor's"},
	"=dependant": {"kao član porodice osiguranika", "as a dependant"}, "=pension": {"penzija", "pension"},
	"=unemployment_register": {"evidencija nezaposlenih", "unemployment register"}, "=dwelling": {"stan ili kuća", "dwelling"},
	"=land": {"zemljište", "land"}, "=business": {"poslovni prostor", "business premises"},
	"=true": {"da", "yes"}, "=false": {"ne", "no"},
}

// factOrder is the order the fields are said in: as the facts declare them.
var factOrder = []string{"jmbg", "given_name", "family_name", "birth_date", "sex", "alive", "death_date", "municipality", "settlement", "street",
	"household_number", "members", "relation", "vehicles", "registration", "make", "year", "estimated_value", "sources", "monthly_total_net",
	"payer_pib", "kind", "monthly_net", "receives", "monthly_amount", "insured_years", "disability_level", "insured", "basis", "registered",
	"since", "benefit_monthly", "work_capable", "parcels", "cadastre_number", "area_m2", "share", "enrolled", "institution", "level",
	"farmer_allowance_monthly", "premiums_yearly", "cattle", "sheep_goats", "pigs"}

func factWord(lang, key string) (string, bool) {
	w, ok := factWords[key]
	if !ok {
		return "", false
	}
	if lang == "en" {
		return w[1], true
	}
	return w[0], true
}

// factValue says a registry's fact (its JSON value) in lang: each field's
// name in words, codes in words, dates and amounts as the page writes them.
func factValue(lang string, v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		rank := func(k string) int {
			for i, o := range factOrder {
				if o == k {
					return i
				}
			}
			return len(factOrder)
		}
		sort.Slice(keys, func(i, j int) bool {
			if a, b := rank(keys[i]), rank(keys[j]); a != b {
				return a < b
			}
			return keys[i] < keys[j]
		})
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			name, ok := factWord(lang, k)
			if !ok {
				name = strings.ReplaceAll(k, "_", " ")
			}
			val := factValue(lang, x[k])
			switch k {
			case "sex":
				val = enum(lang, "sex", str(x[k]))
			case "relation":
				val = enum(lang, "relation", str(x[k]))
			case "municipality":
				val = municipalityName(str(x[k]))
			}
			parts = append(parts, name+": "+val)
		}
		return strings.Join(parts, ", ")
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if _, obj := e.(map[string]any); obj {
				parts = append(parts, "("+factValue(lang, e)+")")
			} else {
				parts = append(parts, factValue(lang, e))
			}
		}
		if len(parts) == 0 {
			return t(lang, "none")
		}
		return strings.Join(parts, "; ")
	case bool:
		w, _ := factWord(lang, fmt.Sprintf("=%v", x))
		return w
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", x), "0"), ".")
	case string:
		if w, ok := factWord(lang, "="+x); ok {
			return w
		}
		if len(x) == 10 && x[4] == '-' && x[7] == '-' {
			return date(lang, x)
		}
		if decimalText(x) && lang == "cnr" {
			return strings.Replace(x, ".", ",", 1)
		}
		return x
	case json.Number:
		return x.String()
	}
	return str(v)
}

// decimalText reports whether s is an amount like 500.00.
func decimalText(s string) bool {
	whole, frac, ok := strings.Cut(s, ".")
	return ok && whole != "" && frac != "" && strings.Trim(whole, "-0123456789") == "" && strings.Trim(frac, "0123456789") == ""
}
