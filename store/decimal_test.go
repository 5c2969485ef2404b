package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/karton-social/karton/store/storetest"
)

// TestNumericScansIntoDecimal: numeric read into a decimal, a nullable
// decimal and a pointer gives the value PostgreSQL prints, to the last
// digit, from the binary form; NULL gives no value; NaN is refused.
func TestNumericScansIntoDecimal(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	for _, text := range []string{"0", "87.24", "-0.01", "0.10", "123456789012.34", "0.00000000000000000001", "100", "-98765.4321"} {
		var d decimal.Decimal
		var nd decimal.NullDecimal
		var p *decimal.Decimal
		var printed string
		if err := db.Pool().QueryRow(ctx, `SELECT $1::numeric, $1::numeric, $1::numeric, $1::numeric::text`, text).Scan(&d, &nd, &p, &printed); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		want := decimal.RequireFromString(printed)
		if !d.Equal(want) || d.String() != want.String() || !nd.Valid || !nd.Decimal.Equal(want) || p == nil || !p.Equal(want) {
			t.Errorf("%s: decimal %s, nullable %v %s, pointer %v; want %s", text, d, nd.Valid, nd.Decimal, p, want)
		}
	}
	var nd decimal.NullDecimal
	var p *decimal.Decimal
	if err := db.Pool().QueryRow(ctx, `SELECT NULL::numeric, NULL::numeric`).Scan(&nd, &p); err != nil || nd.Valid || p != nil {
		t.Errorf("NULL: %v, nullable valid %v, pointer %v; want no value", err, nd.Valid, p)
	}
	var d decimal.Decimal
	if err := db.Pool().QueryRow(ctx, `SELECT 'NaN'::numeric`).Scan(&d); err == nil {
		t.Errorf("NaN scanned as %s; want an error", d)
	}
	// Not through the decimal's sql.Scanner (numeric → text → parsed).
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, target := range []any{&d, &nd, &p} {
		plan := conn.Conn().TypeMap().PlanScan(pgtype.NumericOID, pgtype.BinaryFormatCode, target)
		if name := fmt.Sprintf("%T", plan); strings.Contains(name, "SQLScanner") {
			t.Errorf("numeric into %T is planned by %s; want the binary plan", target, name)
		}
	}
}
