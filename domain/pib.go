package domain

// PIB is a validated Montenegrin tax identification number (poreski
// identifikacioni broj) of a company: 8 digits, the last a check digit.
// Employers are known by it on the maternity-refund portal.
type PIB string

// ParsePIB validates s: exactly 8 digits whose last is the mod-11 check
// digit of DOMAIN.md §6.5, (−Σ w·d) mod 11 mod 10 with weights 8..2 over
// the first seven. Spaces are not removed; the caller trims. The error is
// an *Error with field "pib" and a message naming the reason.
func ParsePIB(s string) (PIB, error) {
	if len(s) != 8 {
		return "", FieldError("pib", "must have 8 digits, has %d characters", len(s))
	}
	var d [8]int
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", FieldError("pib", "must contain digits only (position %d is %q)", i+1, s[i])
		}
		d[i] = int(s[i] - '0')
	}
	if want := pibCheckDigit(d); want != d[7] {
		return "", FieldError("pib", "check digit is %d, expected %d", d[7], want)
	}
	return PIB(s), nil
}

// pibCheckDigit computes the eighth digit from the first seven: a
// remainder of 10 gives 0.
func pibCheckDigit(d [8]int) int {
	sum := 0
	for i, w := range [7]int{8, 7, 6, 5, 4, 3, 2} {
		sum += w * d[i]
	}
	return (11 - sum%11) % 11 % 10
}
