package institutions

import (
	"testing"
	"time"

	"github.com/karton-social/karton/domain"
)

func TestBedCheck(t *testing.T) {
	elderly := Bed{Kind: KindElderly, Gender: GenderFemale, CareLevel: CareEnhanced}
	if errs := elderly.Check(80, domain.SexFemale, CareEnhanced); errs != nil {
		t.Fatalf("an 80-year-old woman needing level 2 fits: %v", errs)
	}
	if errs := elderly.Check(40, domain.SexMale, CareIntensive); len(errs) != 3 {
		t.Fatalf("age, gender and care level all fail: %v", errs)
	}
	for kind, ages := range map[Kind][2]int{KindChildren: {3, 15}, KindYouth: {17, 14}, KindDisability: {30, 17}} {
		b := Bed{Kind: kind, Gender: GenderAny, CareLevel: CareBasic}
		if errs := b.Check(ages[0], domain.SexMale, 0); errs != nil {
			t.Errorf("%s admits %d: %v", kind, ages[0], errs)
		}
		if errs := b.Check(ages[1], domain.SexMale, 0); len(errs) != 1 {
			t.Errorf("%s refuses %d: %v", kind, ages[1], errs)
		}
	}
	if KindChildren.Service() != "residential_children" || KindElderly.Service() != "residential_elderly" {
		t.Fatal("services of the kinds")
	}
}

func TestAge(t *testing.T) {
	born := time.Date(1950, 6, 15, 0, 0, 0, 0, time.UTC)
	if a := Age(born, time.Date(2026, 6, 14, 0, 0, 0, 0, time.UTC)); a != 75 {
		t.Fatalf("age the day before the birthday: %d", a)
	}
	if a := Age(born, time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)); a != 76 {
		t.Fatalf("age on the birthday: %d", a)
	}
}
