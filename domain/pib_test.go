package domain_test

import (
	"strings"
	"testing"

	"github.com/karton-social/karton/domain"
)

func TestParsePIB(t *testing.T) {
	for _, ok := range []string{
		"02655284", // the demo employer (DOMAIN.md §6.5)
		"02000008",
		"03000001",
		"12345679",
		"02000130", // (−S) mod 11 = 10: the check digit is 0
		"00000000",
	} {
		p, err := domain.ParsePIB(ok)
		if err != nil || string(p) != ok {
			t.Errorf("ParsePIB(%q) = %q, %v; want valid", ok, p, err)
		}
	}
	for in, want := range map[string]string{
		"02655285":  "check digit is 5, expected 4",
		"02000131":  "check digit is 1, expected 0",
		"12345670":  "check digit is 0, expected 9",
		"0265528":   "must have 8 digits, has 7",
		"026552840": "must have 8 digits, has 9",
		"":          "must have 8 digits, has 0",
		"02655284 ": "must have 8 digits",
		" 2655284":  "digits only (position 1",
		"0265528a":  "digits only (position 8",
		"02-55284":  "digits only (position 3",
		"０２６５５２８":   "must have 8 digits", // full-width digits are 3 bytes each
	} {
		p, err := domain.ParsePIB(in)
		if err == nil {
			t.Errorf("ParsePIB(%q) = %q; want error %q", in, p, want)
			continue
		}
		if domain.ErrorCode(err) != domain.CodeInvalid || !strings.HasPrefix(err.Error(), "pib: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePIB(%q) error = %q (%s); want field pib and %q", in, err, domain.ErrorCode(err), want)
		}
	}
}
