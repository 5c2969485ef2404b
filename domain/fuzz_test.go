package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/karton-social/karton/domain"
)

// The fuzz targets of the identifier parsers: whatever the input, a parser
// never panics, a value it accepts parses again to itself, and a refusal is
// a *domain.Error with code invalid naming the field. `go test` runs the
// seeds; `make test` fuzzes each target for a few seconds.

// fieldError fails t unless err is a bare *domain.Error of code invalid
// for field.
func fieldError(t *testing.T, in string, err error, field string) {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) || e != err {
		t.Fatalf("parse %q: error %T %v; want a *domain.Error", in, err, err)
	}
	if e.Code != domain.CodeInvalid || e.Field != field || e.Message == "" {
		t.Fatalf("parse %q: error code %q field %q message %q; want invalid, %q and a message", in, e.Code, e.Field, e.Message, field)
	}
}

func FuzzParseJMBG(f *testing.F) {
	for _, s := range []string{"0101900350008", "2101006500003", "0101100710006", "1101969213359", "0101900350007", "010190035000",
		"01019003500081", "01019003500a8", "3102990215000", "2902001215003", "0013990215005", "0000000000000", "", " 0101900350008",
		"٠١٠١٩٠٠٣٥٠٠٠٨", "0101900350008\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, info, err := domain.ParseJMBG(s)
		if err != nil {
			fieldError(t, s, err, "jmbg")
			if j != "" {
				t.Fatalf("ParseJMBG(%q) = %q with error %v; want no value", s, j, err)
			}
			return
		}
		if string(j) != s {
			t.Fatalf("ParseJMBG(%q) = %q; want the input", s, j)
		}
		again, info2, err := domain.ParseJMBG(string(j))
		if err != nil || again != j || info2 != info {
			t.Fatalf("ParseJMBG(ParseJMBG(%q)) = %q %+v, %v; want %q %+v", s, again, info2, err, j, info)
		}
		// What the number says builds the same number again.
		made, err := domain.MakeJMBG(info.BirthDate, info.Region, info.Serial)
		if err != nil || made != j {
			t.Fatalf("MakeJMBG(%+v) = %q, %v; want %q", info, made, err, j)
		}
		if (info.Sex == domain.SexFemale) != (info.Serial >= 500) {
			t.Fatalf("ParseJMBG(%q) = %+v; sex does not follow the serial", s, info)
		}
	})
}

func FuzzParseIBAN(f *testing.F) {
	for _, s := range []string{"ME25505000012345678951", "ME25 5050 0001 2345 6789 51", "me25505000012345678951", "DE89370400440532013000",
		"GB82WEST12345698765432", "ME25505000012345678952", "ME2550500001234567895", "XX", "1E25505000012345678951",
		"DE89370400440532013001", string(domain.MakeIBAN("510", 42)), " ME25505000012345678951\t", "ME25505000012345678951ſ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iban, err := domain.ParseIBAN("payee_account", s)
		if err != nil {
			fieldError(t, s, err, "payee_account")
			if iban != "" {
				t.Fatalf("ParseIBAN(%q) = %q with error %v; want no value", s, iban, err)
			}
			return
		}
		if len(iban) < 15 || len(iban) > 34 || strings.ContainsAny(string(iban), " \t") || strings.ToUpper(string(iban)) != string(iban) {
			t.Fatalf("ParseIBAN(%q) = %q; want 15 to 34 upper-case characters without spaces", s, iban)
		}
		if again, err := domain.ParseIBAN("payee_account", string(iban)); err != nil || again != iban {
			t.Fatalf("ParseIBAN(ParseIBAN(%q) = %q) = %q, %v; want itself", s, iban, again, err)
		}
		// The print form, in groups of four, is the same account.
		var groups []string
		for i := 0; i < len(iban); i += 4 {
			groups = append(groups, string(iban[i:min(i+4, len(iban))]))
		}
		if printed, err := domain.ParseIBAN("payee_account", strings.Join(groups, " ")); err != nil || printed != iban {
			t.Fatalf("ParseIBAN(print form of %q) = %q, %v; want %q", iban, printed, err, iban)
		}
	})
}

func FuzzParsePIB(f *testing.F) {
	for _, s := range []string{"02655284", "02000008", "02000130", "12345679", "02655285", "02000131", "0265528", "026552840", "",
		" 2655284", "0265528a", "０２６５５２８"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := domain.ParsePIB(s)
		if err != nil {
			fieldError(t, s, err, "pib")
			if p != "" {
				t.Fatalf("ParsePIB(%q) = %q with error %v; want no value", s, p, err)
			}
		} else {
			if string(p) != s {
				t.Fatalf("ParsePIB(%q) = %q; want the input", s, p)
			}
			if again, err := domain.ParsePIB(string(p)); err != nil || again != p {
				t.Fatalf("ParsePIB(ParsePIB(%q)) = %q, %v; want itself", s, again, err)
			}
		}
		// Of the ten numbers that differ only in the check digit, exactly
		// one is valid.
		if len(s) == 8 && strings.Trim(s, "0123456789") == "" {
			valid := 0
			for k := '0'; k <= '9'; k++ {
				if _, err := domain.ParsePIB(s[:7] + string(k)); err == nil {
					valid++
				}
			}
			if valid != 1 {
				t.Fatalf("%d check digits make %s… valid; want exactly 1", valid, s[:7])
			}
		}
	})
}
