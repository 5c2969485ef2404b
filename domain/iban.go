package domain

import (
	"fmt"
	"strings"
)

// IBAN is a validated international bank account number, stored without spaces.
type IBAN string

// ParseIBAN validates an IBAN: ISO 13616 mod 97 for every country, and for
// Montenegro (ME) the length of 22 and the national check (the 18-digit
// BBAN mod 97 = 1), DOMAIN.md §6.2. Spaces are allowed in the input.
func ParseIBAN(field, s string) (IBAN, error) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if len(s) < 15 || len(s) > 34 {
		return "", FieldError(field, "an IBAN has 15 to 34 characters, this one %d", len(s))
	}
	for i, r := range s {
		isLetter, isDigit := r >= 'A' && r <= 'Z', r >= '0' && r <= '9'
		if (i < 2 && !isLetter) || (i >= 2 && i < 4 && !isDigit) || (!isLetter && !isDigit) {
			return "", FieldError(field, "%q is not an IBAN: two letters, two check digits, then letters and digits", s)
		}
	}
	if mod97(s[4:]+s[:4]) != 1 {
		return "", FieldError(field, "IBAN check digits do not match (ISO 13616 mod 97)")
	}
	if s[:2] == "ME" {
		if len(s) != 22 {
			return "", FieldError(field, "a Montenegrin IBAN has 22 characters, this one %d", len(s))
		}
		for _, r := range s[4:] {
			if r < '0' || r > '9' {
				return "", FieldError(field, "a Montenegrin account number has digits only")
			}
		}
		if mod97(s[4:]) != 1 {
			return "", FieldError(field, "the national check digits of the Montenegrin account do not match")
		}
	}
	return IBAN(s), nil
}

// mod97 computes the number s (letters as A=10 ... Z=35) mod 97 digit by digit.
func mod97(s string) int {
	r := 0
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			v := int(c-'A') + 10
			r = (r*100 + v) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}

// MakeIBAN builds the Montenegrin IBAN of account number account (at most
// 13 digits) at the bank with the 3-digit code bank: the national check
// digits make the 18-digit BBAN mod 97 = 1, then the ISO 13616 check
// digits. The demo data and the simulators open accounts with it.
func MakeIBAN(bank string, account uint64) IBAN {
	body := fmt.Sprintf("%03s%013d", bank, account%1e13)
	national := 98 - mod97(body+"00")
	bban := fmt.Sprintf("%s%02d", body, national)
	check := 98 - mod97(bban+"ME00")
	return IBAN(fmt.Sprintf("ME%02d%s", check, bban))
}
