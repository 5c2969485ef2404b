package domain

import (
	"fmt"
	"time"
)

// JMBG is a validated 13-digit unique master citizen number, DDMMYYYRRBBBK.
// It identifies a person to other registries but is never a primary key:
// a few valid-by-authority numbers are duplicated or carry wrong check digits.
type JMBG string

// JMBGInfo is what a JMBG says about its holder.
type JMBGInfo struct {
	BirthDate time.Time
	Region    int // RR: 20-29 Montenegro, 02 foreigners in Montenegro
	Serial    int // BBB: 000-499 male, 500-999 female
	Sex       Sex
	// Remainder1 is set when S mod 11 = 1: Wikipedia's rule maps the check
	// digit to 0, python-stdnum rejects it. We accept it with this flag.
	Remainder1 bool
}

// ParseJMBG validates s (length, digits, calendar date and the mod-11 check
// digit of DOMAIN.md §6.1) and says what it encodes. The error is an *Error
// with field "jmbg" and a message naming the reason.
func ParseJMBG(s string) (JMBG, JMBGInfo, error) {
	if len(s) != 13 {
		return "", JMBGInfo{}, FieldError("jmbg", "must have 13 digits, has %d characters", len(s))
	}
	var d [13]int
	for i := 0; i < 13; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", JMBGInfo{}, FieldError("jmbg", "must contain digits only (position %d is %q)", i+1, s[i])
		}
		d[i] = int(s[i] - '0')
	}
	day, month := d[0]*10+d[1], d[2]*10+d[3]
	yyy := d[4]*100 + d[5]*10 + d[6]
	year := 1000 + yyy // 9xx: 19xx
	if yyy < 800 {
		year = 2000 + yyy // 0xx: 20xx
	}
	birth := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if month < 1 || month > 12 || day < 1 || birth.Day() != day || int(birth.Month()) != month {
		return "", JMBGInfo{}, FieldError("jmbg", "digits 1-7 are not a real date of birth (%02d.%02d.%d)", day, month, year)
	}
	want, rem1 := jmbgCheckDigit(d)
	if want != d[12] {
		return "", JMBGInfo{}, FieldError("jmbg", "check digit is %d, expected %d", d[12], want)
	}
	info := JMBGInfo{
		BirthDate:  birth,
		Region:     d[7]*10 + d[8],
		Serial:     d[9]*100 + d[10]*10 + d[11],
		Remainder1: rem1,
	}
	info.Sex = SexMale
	if info.Serial >= 500 {
		info.Sex = SexFemale
	}
	return JMBG(s), info, nil
}

// jmbgCheckDigit computes K from the first 12 digits: weights 7..2 twice,
// m = 11 - S mod 11, and 0 when m is 10 or 11.
func jmbgCheckDigit(d [13]int) (k int, remainder1 bool) {
	w := [6]int{7, 6, 5, 4, 3, 2}
	sum := 0
	for i := 0; i < 6; i++ {
		sum += w[i] * (d[i] + d[i+6])
	}
	r := sum % 11
	switch r {
	case 0:
		return 0, false
	case 1:
		return 0, true
	default:
		return 11 - r, false
	}
}

// MakeJMBG builds a valid JMBG from its parts, computing the check digit.
// Simulators and demo data use it; it returns an error for a serial out of
// range or a year outside 1800-2799.
func MakeJMBG(birth time.Time, region, serial int) (JMBG, error) {
	if region < 0 || region > 99 || serial < 0 || serial > 999 {
		return "", fmt.Errorf("jmbg region %d or serial %d out of range", region, serial)
	}
	y := birth.Year()
	if y < 1800 || y > 2799 {
		return "", fmt.Errorf("jmbg year %d out of range", y)
	}
	s := fmt.Sprintf("%02d%02d%03d%02d%03d", birth.Day(), int(birth.Month()), y%1000, region, serial)
	var d [13]int
	for i := 0; i < 12; i++ {
		d[i] = int(s[i] - '0')
	}
	k, _ := jmbgCheckDigit(d)
	return JMBG(fmt.Sprintf("%s%d", s, k)), nil
}

// Sex as the JMBG serial encodes it.
type Sex string

// The two values the JMBG serial can encode.
const (
	SexMale   Sex = "M"
	SexFemale Sex = "F"
)
