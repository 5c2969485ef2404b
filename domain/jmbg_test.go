package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
)

func TestParseJMBG(t *testing.T) {
	tests := []struct {
		in      string
		ok      bool
		birth   string
		sex     domain.Sex
		region  int
		rem1    bool
		wantMsg string
	}{
		{in: "0101900350008", ok: true, birth: "1900-01-01", sex: domain.SexMale, region: 35},
		{in: "2101006500003", ok: true, birth: "2006-01-21", sex: domain.SexMale, region: 50},
		{in: "0101100710006", ok: true, birth: "2100-01-01", sex: domain.SexMale, region: 71},
		{in: "0101900350007", wantMsg: "check digit is 7, expected 8"},
		{in: "010190035000", wantMsg: "must have 13 digits"},
		{in: "01019003500081", wantMsg: "must have 13 digits"},
		{in: "01019003500a8", wantMsg: "digits only"},
		{in: "3102990215000", wantMsg: "not a real date"},
		{in: "2902001215003", wantMsg: "not a real date"}, // 2001 is not a leap year
		{in: "0013990215005", wantMsg: "not a real date"},
	}
	for _, tt := range tests {
		j, info, err := domain.ParseJMBG(tt.in)
		if !tt.ok {
			if err == nil {
				t.Errorf("ParseJMBG(%q) = %v; want error %q", tt.in, j, tt.wantMsg)
				continue
			}
			if domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), tt.wantMsg) || !strings.HasPrefix(err.Error(), "jmbg: ") {
				t.Errorf("ParseJMBG(%q) error = %q (%s); want field jmbg and %q", tt.in, err, domain.ErrorCode(err), tt.wantMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseJMBG(%q) error = %v; want valid", tt.in, err)
			continue
		}
		if got := info.BirthDate.Format(time.DateOnly); got != tt.birth {
			t.Errorf("ParseJMBG(%q) birth = %s; want %s", tt.in, got, tt.birth)
		}
		if info.Sex != tt.sex || info.Region != tt.region || info.Remainder1 != tt.rem1 {
			t.Errorf("ParseJMBG(%q) = %+v; want sex %s region %d", tt.in, info, tt.sex, tt.region)
		}
	}
}

func TestMakeJMBGRoundTrips(t *testing.T) {
	birth := time.Date(1984, 2, 29, 0, 0, 0, 0, time.UTC)
	for serial := 0; serial < 1000; serial += 7 {
		j, err := domain.MakeJMBG(birth, 21, serial)
		if err != nil {
			t.Fatal(err)
		}
		_, info, err := domain.ParseJMBG(string(j))
		if err != nil {
			t.Fatalf("ParseJMBG(MakeJMBG(serial %d) = %s): %v", serial, j, err)
		}
		if !info.BirthDate.Equal(birth) || info.Serial != serial || info.Region != 21 {
			t.Fatalf("ParseJMBG(%s) = %+v; want birth %v serial %d", j, info, birth, serial)
		}
		wantSex := domain.SexMale
		if serial >= 500 {
			wantSex = domain.SexFemale
		}
		if info.Sex != wantSex {
			t.Fatalf("ParseJMBG(%s).Sex = %s; want %s", j, info.Sex, wantSex)
		}
	}
}

func TestParseJMBGRemainderOneIsFlagged(t *testing.T) {
	// Find a 12-digit prefix whose weighted sum is 1 mod 11: K must be 0 and flagged.
	birth := time.Date(1975, 6, 15, 0, 0, 0, 0, time.UTC)
	found := false
	for serial := 0; serial < 1000 && !found; serial++ {
		j, _ := domain.MakeJMBG(birth, 26, serial)
		_, info, err := domain.ParseJMBG(string(j))
		if err != nil {
			t.Fatal(err)
		}
		if info.Remainder1 {
			found = true
			if j[12] != '0' {
				t.Errorf("remainder-1 JMBG %s has check digit %c; want 0", j, j[12])
			}
		}
	}
	if !found {
		t.Fatal("no remainder-1 JMBG among 1000 serials")
	}
}
