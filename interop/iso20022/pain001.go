// Package iso20022 writes and reads the bank messages of the payroll:
// pain.001.001.09 customer credit transfer initiation files in the EPC's
// SEPA profile (DOMAIN.md §6.3, shared/standards). Files are deterministic:
// the same payments give the same bytes, so a file regenerated after a
// crash has the hash its approver signed.
package iso20022

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Namespace of pain.001.001.09.
const Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"

// Party names the debtor (the paying ministry's account) of a batch.
type Party struct {
	Name string
	IBAN string
	BIC  string // the debtor's bank
}

// Transfer is one credit to one beneficiary.
type Transfer struct {
	EndToEndID string // deterministic per (right, period): reconciliation matches on it
	Amount     decimal.Decimal
	Creditor   string
	IBAN       string
	Remittance string // e.g. benefit code and period, at most 140 characters
}

// Batch is one PmtInf: one debtor account, one execution date.
type Batch struct {
	ID        string
	Debtor    Party
	Execution time.Time
	Transfers []Transfer
}

// Message is one pain.001 file.
type Message struct {
	ID         string // GrpHdr/MsgId, at most 35 characters (the payroll id)
	Created    time.Time
	Initiating string
	Batches    []Batch
}

type document struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	Init    initiation
}

type initiation struct {
	XMLName xml.Name `xml:"CstmrCdtTrfInitn"`
	GrpHdr  grpHdr
	PmtInf  []pmtInf
}

type grpHdr struct {
	MsgId    string
	CreDtTm  string
	NbOfTxs  int
	CtrlSum  string
	InitgPty party
}

type party struct {
	Nm string
}

type pmtInf struct {
	PmtInfId    string
	PmtMtd      string
	BtchBookg   bool
	NbOfTxs     int
	CtrlSum     string
	PmtTpInf    pmtTpInf
	ReqdExctnDt struct{ Dt string }
	Dbtr        party
	DbtrAcct    account
	DbtrAgt     agent
	ChrgBr      string
	CdtTrfTxInf []txInf
}

type pmtTpInf struct {
	SvcLvl struct{ Cd string }
}

type account struct {
	Id struct{ IBAN string }
}

type agent struct {
	FinInstnId struct {
		BICFI string `xml:",omitempty"`
		Othr  *struct {
			Id string
		} `xml:",omitempty"`
	}
}

type txInf struct {
	PmtId struct {
		EndToEndId string
	}
	Amt struct {
		InstdAmt struct {
			Ccy   string `xml:"Ccy,attr"`
			Value string `xml:",chardata"`
		}
	}
	Cdtr     party
	CdtrAcct account
	RmtInf   struct {
		Ustrd string
	}
}

// sepaText keeps the SEPA character set (Latin letters, digits, / - ? : ( ) . , ' + and space);
// Montenegrin letters become their base letters.
var sepaText = strings.NewReplacer("č", "c", "ć", "c", "š", "s", "ž", "z", "đ", "dj", "Č", "C", "Ć", "C", "Š", "S", "Ž", "Z", "Đ", "Dj")

func clean(s string, max int) string {
	s = sepaText.Replace(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("/-?:().,'+ ", r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	out := strings.TrimSpace(b.String())
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// Marshal writes the message. Transfers are ordered by EndToEndID within a
// batch and batches by ID, so equal input gives equal bytes. It refuses
// amounts outside 0.01..999999999.99 or with more than two decimals, and
// identifiers longer than 35 characters.
func Marshal(m Message) ([]byte, error) {
	if m.ID == "" || len(m.ID) > 35 {
		return nil, fmt.Errorf("message id %q must have 1 to 35 characters", m.ID)
	}
	batches := append([]Batch(nil), m.Batches...)
	sort.Slice(batches, func(i, j int) bool { return batches[i].ID < batches[j].ID })
	doc := document{Xmlns: Namespace}
	total, count := decimal.Zero, 0
	min, max := decimal.RequireFromString("0.01"), decimal.RequireFromString("999999999.99")
	for _, b := range batches {
		if b.ID == "" || len(b.ID) > 35 {
			return nil, fmt.Errorf("batch id %q must have 1 to 35 characters", b.ID)
		}
		txs := append([]Transfer(nil), b.Transfers...)
		sort.Slice(txs, func(i, j int) bool { return txs[i].EndToEndID < txs[j].EndToEndID })
		p := pmtInf{PmtInfId: b.ID, PmtMtd: "TRF", BtchBookg: true, NbOfTxs: len(txs), ChrgBr: "SLEV"}
		p.PmtTpInf.SvcLvl.Cd = "SEPA"
		p.ReqdExctnDt.Dt = b.Execution.Format(time.DateOnly)
		p.Dbtr = party{Nm: clean(b.Debtor.Name, 70)}
		p.DbtrAcct.Id.IBAN = b.Debtor.IBAN
		if b.Debtor.BIC != "" {
			p.DbtrAgt.FinInstnId.BICFI = b.Debtor.BIC
		} else {
			p.DbtrAgt.FinInstnId.Othr = &struct{ Id string }{Id: "NOTPROVIDED"}
		}
		sum := decimal.Zero
		for _, t := range txs {
			if t.Amount.LessThan(min) || t.Amount.GreaterThan(max) || !t.Amount.Round(2).Equal(t.Amount) {
				return nil, fmt.Errorf("transfer %s: amount %s is outside 0.01..999999999.99 or has more than two decimals", t.EndToEndID, t.Amount)
			}
			if t.EndToEndID == "" || len(t.EndToEndID) > 35 {
				return nil, fmt.Errorf("end-to-end id %q must have 1 to 35 characters", t.EndToEndID)
			}
			var x txInf
			x.PmtId.EndToEndId = t.EndToEndID
			x.Amt.InstdAmt.Ccy, x.Amt.InstdAmt.Value = "EUR", t.Amount.StringFixed(2)
			x.Cdtr = party{Nm: clean(t.Creditor, 70)}
			x.CdtrAcct.Id.IBAN = t.IBAN
			x.RmtInf.Ustrd = clean(t.Remittance, 140)
			p.CdtTrfTxInf = append(p.CdtTrfTxInf, x)
			sum = sum.Add(t.Amount)
		}
		p.CtrlSum = sum.StringFixed(2)
		doc.Init.PmtInf = append(doc.Init.PmtInf, p)
		total, count = total.Add(sum), count+len(txs)
	}
	doc.Init.GrpHdr = grpHdr{MsgId: m.ID, CreDtTm: m.Created.UTC().Format("2006-01-02T15:04:05"), NbOfTxs: count,
		CtrlSum: total.StringFixed(2), InitgPty: party{Nm: clean(m.Initiating, 70)}}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	buf.WriteString("\n")
	return buf.Bytes(), nil
}
