package store

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// queryTracer puts a span around each statement run inside a traced
// request or activity (a context that holds a recording span); statements
// outside any trace cost a context lookup. The span carries the SQL text,
// never its arguments, and a failure by its SQLSTATE, never the server's
// message (which may quote a value).
type queryTracer struct{ tracer trace.Tracer }

func newQueryTracer() queryTracer {
	return queryTracer{tracer: otel.GetTracerProvider().Tracer("github.com/karton-social/karton/store")}
}

func (t queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx
	}
	op := operation(data.SQL)
	text := data.SQL
	if len(text) > 2000 {
		text = text[:2000] + "…"
	}
	ctx, _ = t.tracer.Start(ctx, "SQL "+op, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system.name", "postgresql"), attribute.String("db.operation.name", op),
			attribute.String("db.query.text", text)))
	return ctx
}

func (t queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	if data.Err != nil && !errors.Is(data.Err, pgx.ErrNoRows) {
		why := "failed"
		var pe *pgconn.PgError
		if errors.As(data.Err, &pe) {
			why = "SQLSTATE " + pe.Code
		}
		span.SetStatus(codes.Error, why)
	} else {
		span.SetAttributes(attribute.Int64("db.response.rows", data.CommandTag.RowsAffected()))
	}
	span.End()
}

// operation is the statement's first word (SELECT, INSERT, WITH, ...).
func operation(sql string) string {
	f := strings.Fields(sql)
	if len(f) == 0 {
		return "QUERY"
	}
	return strings.ToUpper(strings.TrimLeft(f[0], "("))
}
