package store

import (
	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// registerDecimal makes PostgreSQL's numeric read and write shopspring
// decimals on a connection.
func registerDecimal(c *pgx.Conn) {
	m := c.TypeMap()
	pgxdecimal.Register(m)
	m.RegisterType(&pgtype.Type{Name: "numeric", OID: pgtype.NumericOID, Codec: decimalCodec{}})
}

// decimalCodec scans numeric into a decimal straight from its binary
// form. pgx tries a target's sql.Scanner before the decimal package's
// scan plan, and a decimal is a Scanner: every amount read went numeric →
// text → parsed back, 13% of the payroll's CPU (issue 24). Writing, and
// every other target, is pgxdecimal's.
type decimalCodec struct{ pgxdecimal.NumericCodec }

// PlanScan plans a decimal (or a nullable one) through pgxdecimal's
// wrapper over numeric's binary plan.
func (c decimalCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	switch target.(type) {
	case *decimal.Decimal, *decimal.NullDecimal:
		if wrap, next, ok := pgxdecimal.TryWrapNumericScanPlan(target); ok {
			if plan := c.NumericCodec.PlanScan(m, oid, format, next); plan != nil {
				wrap.SetNext(plan)
				return wrap
			}
		}
	}
	return c.NumericCodec.PlanScan(m, oid, format, target)
}
