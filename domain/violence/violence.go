// Package violence holds what Karton knows of domestic violence (DOMAIN.md
// §4.5, §5.3): the messages exchanged with the police as published JSON
// Schemas, the five protective measures of the law, and the rules that
// route a notification to the competent centre. It knows nothing of
// Temporal, SQL or HTTP.
package violence

import (
	"embed"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/schema"
)

//go:embed schemas/*.json
var files embed.FS

// Schemas are the messages (notification, police_update, report) and the
// first-contact form, by name.
var Schemas = func() *schema.Set {
	s, err := schema.Load(files, "schemas")
	if err != nil {
		panic("violence schemas: " + err.Error()) // embedded and tested: a build defect
	}
	return s
}()

// Measures are the five protective measures of the Law on Protection from
// Domestic Violence (2010), by code.
var Measures = []struct{ Code, CNR, EN string }{
	{"removal_from_residence", "Udaljenje iz stana", "Removal from the residence"},
	{"restraining_order", "Zabrana približavanja", "Restraining order"},
	{"harassment_ban", "Zabrana uznemiravanja i uhođenja", "Ban on harassment and stalking"},
	{"addiction_treatment", "Obavezno liječenje od zavisnosti", "Mandatory addiction treatment"},
	{"psychosocial_treatment", "Obavezni psihosocijalni tretman", "Mandatory psycho-social treatment"},
}

// Procedure is the case-management procedure for a victim: P05 for a
// child victim or witness (under 18 on the day), P37 for an adult
// (DOMAIN.md; domain/cases/procedures.yaml: P05 dv-child, P37 dv-adult).
// A victim whose birth date is unknown is treated as an adult.
func Procedure(birth time.Time, on time.Time) string {
	if Child(birth, on) {
		return "P05"
	}
	return "P37"
}

// Child reports whether a person born on birth is under 18 on the day.
func Child(birth, on time.Time) bool {
	return !birth.IsZero() && birth.AddDate(18, 0, 0).After(on)
}

// CompetentCentre is the centre that acts on a notification: the victim's
// own centre when the victim is known to Karton, else the centre of the
// municipality where it happened.
func CompetentCentre(victimCentre, placeMunicipality string) (domain.Centre, error) {
	if c, ok := domain.CentreByID(victimCentre); ok {
		return c, nil
	}
	m, err := domain.ParseMunicipality(placeMunicipality)
	if err != nil {
		return domain.Centre{}, domain.FieldError("place.municipality", "%v", domain.ErrorMessage(err))
	}
	c, ok := domain.CentreFor(m.Code)
	if !ok {
		return domain.Centre{}, domain.FieldError("place.municipality", "no centre covers %s", m.Name)
	}
	return c, nil
}

// AgeBand is the statistics' age group of a person born in year, on a day.
func AgeBand(birthYear int, on time.Time) string {
	if birthYear == 0 {
		return "unknown"
	}
	switch age := on.Year() - birthYear; {
	case age < 18:
		return "0-17"
	case age < 30:
		return "18-29"
	case age < 45:
		return "30-44"
	case age < 65:
		return "45-64"
	default:
		return "65+"
	}
}
