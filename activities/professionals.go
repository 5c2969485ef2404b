package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/professionals"
)

// LicenceWarningsInput is the day the licences short of hours are looked for.
type LicenceWarningsInput struct {
	Day string // YYYY-MM-DD
}

// LicenceWarningsResult counts what the sweep found and recorded.
type LicenceWarningsResult struct {
	Ending   int // professionals with a licence ending within the warning period, not warned yet
	Short    int // of them, short of hours: warned
	Warnings int // warnings recorded (the professional and their centre's heads)
}

// WarnShortLicences warns of every licence to work in force on the day,
// ending within professionals.WarnDays, whose period has fewer training
// hours than professionals.RequiredHours (issue 21, item 2): one warning
// for the professional and one for each head of their centre, once per
// licence (a warning on record stays as it is), so a retry or the next
// day's run adds nothing. Only ids and counts cross into Temporal.
func (a *Activities) WarnShortLicences(ctx context.Context, in LicenceWarningsInput) (LicenceWarningsResult, error) {
	day, err := time.Parse(time.DateOnly, in.Day)
	if err != nil {
		return LicenceWarningsResult{}, asTemporal(domain.FieldError("day", "%q is not a day (YYYY-MM-DD)", in.Day))
	}
	ps, err := a.DB.LicencesEnding(ctx, day)
	if err != nil {
		return LicenceWarningsResult{}, err
	}
	res := LicenceWarningsResult{Ending: len(ps)}
	for _, p := range ps {
		l, hours, ok := p.Current(day)
		if !ok || !professionals.Warn(l, hours, day) {
			continue
		}
		recipients := []string{p.Username}
		for _, h := range domain.Staff(p.CentreID, domain.RoleCentreHead) {
			if h.Role == domain.RoleCentreHead && h.Username != p.Username {
				recipients = append(recipients, h.Username)
			}
		}
		n, err := a.DB.WarnLicence(ctx, p, l.Number, hours, day, recipients)
		if err != nil {
			return res, fmt.Errorf("warn licence %s: %w", l.Number, err)
		}
		res.Short++
		res.Warnings += n
	}
	return res, nil
}
