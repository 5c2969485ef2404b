package domain

import "github.com/shopspring/decimal"

// The registries' services the employers' refunds ask (issue 18, DOMAIN.md
// §3.3 (10)), beside the nine institutions' evidence services: the same
// protocol, other service codes, answers about an employee rather than a
// household. They are not part of a person's evidence (Institutions): a
// refund keeps the answers it was decided on with its leave and months.
const (
	SourceInsuredPeriods Source = "pension_m4"        // the pension fund's insured periods (form M4)
	SourceSalaryReports  Source = "tax_ioppd"         // the tax administration's monthly payroll reports (IOPPD, JPR)
	SourceSickLeave      Source = "health_sick_leave" // the health fund's sick-leave certificates (doznake)
)

// The kinds of fact the refund services answer.
const (
	KindInsuredPeriods EvidenceKind = "insured_periods"
	KindSalaryReports  EvidenceKind = "salary_reports"
	KindSickLeave      EvidenceKind = "sick_leave"
)

var refundServices = []Institution{
	{SourceInsuredPeriods, "Pension and Disability Insurance Fund: insured periods (M4)", "PIO", "insured-periods", []EvidenceKind{KindInsuredPeriods}},
	{SourceSalaryReports, "Tax Administration: payroll reports (IOPPD/JPR)", "UPC", "payroll-reports", []EvidenceKind{KindSalaryReports}},
	{SourceSickLeave, "Health Insurance Fund: sick-leave certificates", "FZO", "sick-leave-certificates", []EvidenceKind{KindSickLeave}},
}

// RefundServices lists the services the employers' refunds ask, in a fixed order.
func RefundServices() []Institution { return append([]Institution(nil), refundServices...) }

// InsuredPeriodsFact is the pension fund's M4 record of a person: every
// period of insurance, with whom.
type InsuredPeriodsFact struct {
	Periods []InsuredPeriod `json:"periods"`
}

// InsuredPeriod is one period of insurance; To is empty while it lasts.
type InsuredPeriod struct {
	EmployerPIB string `json:"employer_pib"`
	From        string `json:"from"`
	To          string `json:"to,omitempty"`
}

// SalaryReportsFact is the tax administration's monthly reports of a
// person's salary (IOPPD), by month and payer.
type SalaryReportsFact struct {
	Reports []SalaryReport `json:"reports"`
}

// SalaryReport is one month's gross salary from one payer.
type SalaryReport struct {
	Month       string          `json:"month"` // YYYY-MM
	EmployerPIB string          `json:"employer_pib"`
	Gross       decimal.Decimal `json:"gross"`
}

// SickLeaveFact lists the health fund's sick-leave certificates of a
// person (the proof of temporary incapacity).
type SickLeaveFact struct {
	Certificates []SickLeaveCertificate `json:"certificates"`
}

// SickLeaveCertificate is one certificate: its number, the days it covers
// and why (maternity, parental, half_time, illness).
type SickLeaveCertificate struct {
	Number string `json:"number"`
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason"`
}

func newRefundFact(kind EvidenceKind) any {
	switch kind {
	case KindInsuredPeriods:
		return &InsuredPeriodsFact{}
	case KindSalaryReports:
		return &SalaryReportsFact{}
	case KindSickLeave:
		return &SickLeaveFact{}
	}
	return nil
}
