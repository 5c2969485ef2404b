package api

import (
	"github.com/karton-social/karton/domain"
)

// serviceMonth parses the month (YYYY-MM) of field in the services'
// routes (service use, cost reports): year 0 parses as a time but is no
// month a contract, a record or a report is of, so it is refused with
// the same words as any other month that is none.
func serviceMonth(field, s string) (domain.Month, *domain.Error) {
	m, err := domain.ParseMonth(s)
	if err != nil || m.First().Year() < 1 {
		return domain.Month{}, domain.FieldError(field, "%q is not a month (YYYY-MM)", printable(s, 20))
	}
	return m, nil
}
