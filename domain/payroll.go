package domain

// DefaultPaymentDay is the day of a month from which that month itself
// may be paid (PayablePeriod): benefits are paid mid-month (DOMAIN.md
// §5.4; the treasury executes the files on the 15th). GUESS: the brief
// names no day; KARTON_PAYMENT_DAY sets another.
const DefaultPaymentDay = 15

// PaymentDayOr is day when it is a day of the month (1-28), else
// DefaultPaymentDay.
func PaymentDayOr(day int) int {
	if day < 1 || day > 28 {
		return DefaultPaymentDay
	}
	return day
}
