package domain_test

import (
	"testing"

	"github.com/karton-social/karton/domain"
)

func TestParseIBAN(t *testing.T) {
	for _, ok := range []string{"ME25505000012345678951", "ME25 5050 0001 2345 6789 51", "DE89370400440532013000", "GB82WEST12345698765432"} {
		if _, err := domain.ParseIBAN("payee_account", ok); err != nil {
			t.Errorf("ParseIBAN(%q) = %v; want valid", ok, err)
		}
	}
	for in, want := range map[string]string{
		"ME25505000012345678952": "check digits",
		"ME2550500001234567895":  "15 to 34",
		"XX":                     "15 to 34",
		"1E25505000012345678951": "not an IBAN",
		"DE89370400440532013001": "check digits",
	} {
		_, err := domain.ParseIBAN("payee_account", in)
		if err == nil || domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("ParseIBAN(%q) = %v; want invalid (%s)", in, err, want)
		}
	}
}

func TestMakeIBANIsValid(t *testing.T) {
	for _, acc := range []uint64{0, 1, 42, 1234567890123, 9999999999999} {
		iban := domain.MakeIBAN("510", acc)
		if _, err := domain.ParseIBAN("iban", string(iban)); err != nil {
			t.Errorf("MakeIBAN(510, %d) = %s: %v", acc, iban, err)
		}
	}
	if got := domain.MakeIBAN("505", 123456789); len(got) != 22 {
		t.Errorf("length %d", len(got))
	}
}
