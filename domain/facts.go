package domain

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// CanonicalFact decodes raw strictly into the type of kind (unknown fields
// and wrong types are refused) and encodes it again, so that equal facts
// have equal bytes whoever stated them.
func CanonicalFact(kind EvidenceKind, raw []byte) ([]byte, error) {
	v, err := newFact(kind)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, fmt.Errorf("value does not match kind %s: %v", kind, err)
	}
	return json.Marshal(v)
}

func newFact(kind EvidenceKind) (any, error) {
	switch kind {
	case KindIdentity:
		return &IdentityFact{}, nil
	case KindResidence:
		return &ResidenceFact{}, nil
	case KindHousehold:
		return &HouseholdFact{}, nil
	case KindVehicles:
		return &VehiclesFact{}, nil
	case KindIncome:
		return &IncomeFact{}, nil
	case KindPension:
		return &PensionFact{}, nil
	case KindHealthInsurance:
		return &HealthInsuranceFact{}, nil
	case KindUnemployment:
		return &UnemploymentFact{}, nil
	case KindRealEstate:
		return &RealEstateFact{}, nil
	case KindEducation:
		return &EducationFact{}, nil
	case KindAgriculture:
		return &AgricultureFact{}, nil
	case KindLivestock:
		return &LivestockFact{}, nil
	}
	if v := newRefundFact(kind); v != nil {
		return v, nil
	}
	return nil, fmt.Errorf("unknown evidence kind %q", kind)
}
