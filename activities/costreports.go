package activities

import (
	"fmt"
	"time"

	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/store"
)

// CostReportFundingAccount is the account the providers' approved cost
// reports are paid from (issue 23): the services' own programme, in their
// own batch (PmtInf) of the payroll's pain.001 (GUESS: the treasury's real
// account for contracted services is to be configured).
var CostReportFundingAccount = iso20022.Party{Name: "Ministarstvo socijalnog staranja, brige o porodici i demografije - usluge pružalaca",
	IBAN: "ME25505000012345678854", BIC: "CKBCMEPG"}

// CostReportEndToEndID is a cost report's payment id in the bank files:
// "S", the month (YYYYMM) and the report's id in 12 digits, 19 characters;
// a report paid again (the bank rejected or returned it) gets "R" and the
// attempt added.
func CostReportEndToEndID(report int64, month time.Time, attempt int) string {
	id := fmt.Sprintf("S%s%012d", month.Format("200601"), report)
	if attempt > 0 {
		id += fmt.Sprintf("R%d", attempt)
	}
	return id
}

// costReportBatch is the providers' cost reports of a payroll's file: a
// batch (PmtInf) of its own, debited to the cost reports' funding account.
func costReportBatch(id string, execution time.Time, ps []store.CostReportPayment) iso20022.Batch {
	b := iso20022.Batch{ID: id + "/S", Debtor: CostReportFundingAccount, Execution: execution, Transfers: make([]iso20022.Transfer, 0, len(ps))}
	for _, p := range ps {
		b.Transfers = append(b.Transfers, iso20022.Transfer{EndToEndID: p.EndToEndID, Amount: p.Amount, Creditor: p.PayeeName, IBAN: p.PayeeIBAN,
			Remittance: "Usluge po ugovoru " + p.ContractNumber + " za " + p.Month.Format("2006-01")})
	}
	return b
}
