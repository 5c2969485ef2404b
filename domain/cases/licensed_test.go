package cases

import "testing"

// TestLicensedManagerFlag: guardianship, family placement and domestic
// violence need a licensed case manager (issue 21); counselling does not.
func TestLicensedManagerFlag(t *testing.T) {
	for code, want := range map[string]bool{"P01": true, "P02": true, "P05": true, "P23": true, "P24": true, "P37": true, "P07": false, "P03": false} {
		d, err := Procedures.Get(code, 0)
		if err != nil {
			t.Fatal(err)
		}
		if d.LicensedManager != want {
			t.Errorf("%s licensed_manager = %v; want %v", code, d.LicensedManager, want)
		}
	}
}
