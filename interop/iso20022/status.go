package iso20022

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/domain"
)

// Status is the bank's word on one transfer.
type Status struct {
	EndToEndID string
	Accepted   bool   // pain.002: ACCP/ACSC; false: RJCT
	Reason     string // ISO reason code, e.g. AC01 (incorrect account number)
}

// Return is a transfer the creditor's bank sent back (camt.054 RtrInf).
type Return struct {
	EndToEndID string
	Amount     decimal.Decimal
	Reason     string // e.g. AC04 (closed account)
}

// Booked is a transfer booked on the debtor's account (camt.054 entry).
type Booked struct {
	EndToEndID string
	Amount     decimal.Decimal
}

type pain002 struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	Rpt     struct {
		GrpHdr struct {
			MsgId   string
			CreDtTm string
		}
		OrgnlGrpInfAndSts struct {
			OrgnlMsgId   string
			OrgnlMsgNmId string
		}
		OrgnlPmtInfAndSts []pmtInfSts
	} `xml:"CstmrPmtStsRpt"`
}

type pmtInfSts struct {
	OrgnlPmtInfId string
	TxInfAndSts   []txSts
}

type txSts struct {
	OrgnlEndToEndId string
	TxSts           string
	StsRsnInf       *reason `xml:",omitempty"`
}

type reason struct {
	Rsn struct{ Cd string }
}

// MarshalPain002 writes a payment status report (pain.002.001.10) for the
// message msgID, one TxInfAndSts per status.
func MarshalPain002(msgID, batchID string, created time.Time, sts []Status) ([]byte, error) {
	var d pain002
	d.Xmlns = "urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"
	d.Rpt.GrpHdr.MsgId = "STS-" + msgID
	d.Rpt.GrpHdr.CreDtTm = created.UTC().Format("2006-01-02T15:04:05")
	d.Rpt.OrgnlGrpInfAndSts.OrgnlMsgId = msgID
	d.Rpt.OrgnlGrpInfAndSts.OrgnlMsgNmId = "pain.001.001.09"
	p := pmtInfSts{OrgnlPmtInfId: batchID}
	for _, s := range sts {
		tx := txSts{OrgnlEndToEndId: s.EndToEndID, TxSts: "ACCP"}
		if !s.Accepted {
			tx.TxSts = "RJCT"
			tx.StsRsnInf = &reason{}
			tx.StsRsnInf.Rsn.Cd = s.Reason
		}
		p.TxInfAndSts = append(p.TxInfAndSts, tx)
	}
	d.Rpt.OrgnlPmtInfAndSts = []pmtInfSts{p}
	return encode(d)
}

// ParsePain002 reads the statuses of a payment status report.
func ParsePain002(b []byte) (msgID string, sts []Status, err error) {
	var d pain002
	if err := xml.Unmarshal(b, &d); err != nil || d.XMLName.Local != "Document" {
		return "", nil, fmt.Errorf("not a pain.002 document: %v", err)
	}
	for _, p := range d.Rpt.OrgnlPmtInfAndSts {
		for _, tx := range p.TxInfAndSts {
			s := Status{EndToEndID: tx.OrgnlEndToEndId}
			switch tx.TxSts {
			case "ACCP", "ACSC", "ACSP", "ACTC", "ACWC":
				s.Accepted = true
			case "RJCT":
				if tx.StsRsnInf != nil {
					s.Reason = tx.StsRsnInf.Rsn.Cd
				}
			default:
				return "", nil, fmt.Errorf("transaction %s has status %q", tx.OrgnlEndToEndId, tx.TxSts)
			}
			sts = append(sts, s)
		}
	}
	return d.Rpt.OrgnlGrpInfAndSts.OrgnlMsgId, sts, nil
}

type camt054 struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	Ntfctn  struct {
		GrpHdr struct {
			MsgId   string
			CreDtTm string
		}
		Ntfctn struct {
			Id   string
			Acct struct {
				Id struct{ IBAN string }
			}
			Ntry []camtEntry
		}
	} `xml:"BkToCstmrDbtCdtNtfctn"`
}

type camtEntry struct {
	Amt struct {
		Ccy   string `xml:"Ccy,attr"`
		Value string `xml:",chardata"`
	}
	CdtDbtInd string
	Sts       struct{ Cd string }
	NtryDtls  struct {
		TxDtls struct {
			Refs struct {
				EndToEndId string
			}
			RtrInf *reason `xml:",omitempty"`
		}
	}
}

// MarshalCamt054 writes a debit/credit notification (camt.054.001.08) for
// the debtor's account: a booked debit per executed transfer, and a booked
// credit with return information per returned one.
func MarshalCamt054(id, account string, created time.Time, booked []Booked, returns []Return) ([]byte, error) {
	var d camt054
	d.Xmlns = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"
	d.Ntfctn.GrpHdr.MsgId = id
	d.Ntfctn.GrpHdr.CreDtTm = created.UTC().Format("2006-01-02T15:04:05")
	d.Ntfctn.Ntfctn.Id = id
	d.Ntfctn.Ntfctn.Acct.Id.IBAN = account
	for _, b := range booked {
		var e camtEntry
		e.Amt.Ccy, e.Amt.Value, e.CdtDbtInd, e.Sts.Cd = "EUR", b.Amount.StringFixed(2), "DBIT", "BOOK"
		e.NtryDtls.TxDtls.Refs.EndToEndId = b.EndToEndID
		d.Ntfctn.Ntfctn.Ntry = append(d.Ntfctn.Ntfctn.Ntry, e)
	}
	for _, r := range returns {
		var e camtEntry
		e.Amt.Ccy, e.Amt.Value, e.CdtDbtInd, e.Sts.Cd = "EUR", r.Amount.StringFixed(2), "CRDT", "BOOK"
		e.NtryDtls.TxDtls.Refs.EndToEndId = r.EndToEndID
		e.NtryDtls.TxDtls.RtrInf = &reason{}
		e.NtryDtls.TxDtls.RtrInf.Rsn.Cd = r.Reason
		d.Ntfctn.Ntfctn.Ntry = append(d.Ntfctn.Ntfctn.Ntry, e)
	}
	return encode(d)
}

// ParseCamt054 reads the booked debits and the returns of a notification.
func ParseCamt054(b []byte) (booked []Booked, returns []Return, err error) {
	var d camt054
	if err := xml.Unmarshal(b, &d); err != nil || d.XMLName.Local != "Document" {
		return nil, nil, fmt.Errorf("not a camt.054 document: %v", err)
	}
	for _, e := range d.Ntfctn.Ntfctn.Ntry {
		amt, err := decimal.NewFromString(e.Amt.Value)
		if err != nil {
			return nil, nil, fmt.Errorf("entry %s: amount %q", e.NtryDtls.TxDtls.Refs.EndToEndId, e.Amt.Value)
		}
		ref := e.NtryDtls.TxDtls.Refs.EndToEndId
		switch {
		case e.NtryDtls.TxDtls.RtrInf != nil:
			returns = append(returns, Return{EndToEndID: ref, Amount: amt, Reason: e.NtryDtls.TxDtls.RtrInf.Rsn.Cd})
		case e.CdtDbtInd == "DBIT":
			booked = append(booked, Booked{EndToEndID: ref, Amount: amt})
		}
	}
	return booked, returns, nil
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	buf.WriteString("\n")
	return buf.Bytes(), nil
}

// ParsePain001 reads the transfers of a pain.001 file (the treasury
// simulator answers for them).
func ParsePain001(b []byte) (Message, error) {
	var d document
	if err := xml.Unmarshal(b, &d); err != nil {
		return Message{}, fmt.Errorf("not a pain.001 document: %v", err)
	}
	m := Message{ID: d.Init.GrpHdr.MsgId}
	for _, p := range d.Init.PmtInf {
		bt := Batch{ID: p.PmtInfId, Debtor: Party{Name: p.Dbtr.Nm, IBAN: p.DbtrAcct.Id.IBAN}}
		for _, tx := range p.CdtTrfTxInf {
			amt, err := decimal.NewFromString(tx.Amt.InstdAmt.Value)
			if err != nil {
				return Message{}, fmt.Errorf("transfer %s: amount %q", tx.PmtId.EndToEndId, tx.Amt.InstdAmt.Value)
			}
			bt.Transfers = append(bt.Transfers, Transfer{EndToEndID: tx.PmtId.EndToEndId, Amount: amt, Creditor: tx.Cdtr.Nm, IBAN: tx.CdtrAcct.Id.IBAN})
		}
		m.Batches = append(m.Batches, bt)
	}
	return m, nil
}

// ReadBankFiles reads pain.002 and camt.054 documents, in any order, into
// what the bank said about each transfer.
func ReadBankFiles(files [][]byte) (domain.BankAnswer, error) {
	var a domain.BankAnswer
	for i, f := range files {
		switch {
		case bytes.Contains(f, []byte("pain.002")):
			_, sts, err := ParsePain002(f)
			if err != nil {
				return domain.BankAnswer{}, fmt.Errorf("file %d: %v", i+1, err)
			}
			for _, s := range sts {
				a.Statuses = append(a.Statuses, domain.BankStatus{EndToEndID: s.EndToEndID, Accepted: s.Accepted, Reason: s.Reason})
			}
		case bytes.Contains(f, []byte("camt.054")):
			booked, returns, err := ParseCamt054(f)
			if err != nil {
				return domain.BankAnswer{}, fmt.Errorf("file %d: %v", i+1, err)
			}
			for _, b := range booked {
				a.Booked = append(a.Booked, b.EndToEndID)
			}
			for _, r := range returns {
				a.Returned = append(a.Returned, domain.BankStatus{EndToEndID: r.EndToEndID, Reason: r.Reason})
			}
		default:
			return domain.BankAnswer{}, fmt.Errorf("file %d is neither a pain.002 nor a camt.054 document", i+1)
		}
	}
	return a, nil
}
