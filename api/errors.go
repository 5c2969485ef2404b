package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/schema"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Fields lists every field at fault when there are several.
	Fields    []fieldDetail `json:"fields,omitempty"`
	RequestID string        `json:"request_id,omitempty"`
}

type fieldDetail struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

var statusOf = map[string]int{
	domain.CodeInvalid:     http.StatusBadRequest,
	domain.CodeNotFound:    http.StatusNotFound,
	domain.CodeConflict:    http.StatusConflict,
	domain.CodeForbidden:   http.StatusForbidden,
	domain.CodeUnavailable: http.StatusServiceUnavailable,
}

// statusClientClosed is nginx's status for a request whose client closed
// the connection before the answer.
const statusClientClosed = 499

// clientGone says whether err is the request's own context, cancelled
// because its client went away (not a deadline of ours).
func clientGone(c *gin.Context, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(c.Request.Context().Err(), context.Canceled)
}

func notFound(msg string) error { return domain.Errorf(domain.CodeNotFound, "%s", msg) }

// writeError is the only place that picks an error status. Internal errors
// are logged for the operator; the client sees "internal error".
func writeError(c *gin.Context, log *slog.Logger, err error) {
	if clientGone(c, err) {
		// Nobody reads the answer, and nothing failed on our side: not a
		// 500, not an operator's error (a client's time-out under load
		// filled the log with them). 499 is the status proxies give it.
		log.InfoContext(c.Request.Context(), "request abandoned by its client", "request_id", c.GetString("request_id"), "path", c.FullPath())
		c.AbortWithStatus(statusClientClosed)
		return
	}
	code := domain.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	d := errorDetail{Code: code, Message: domain.ErrorMessage(err), RequestID: c.GetString("request_id")}
	var de *domain.Error
	if errors.As(err, &de) {
		d.Field = de.Field
		for _, f := range de.Fields {
			d.Fields = append(d.Fields, fieldDetail{Field: f.Field, Message: f.Message})
		}
	}
	if status == http.StatusInternalServerError || status == http.StatusServiceUnavailable {
		log.ErrorContext(c.Request.Context(), "request failed", "request_id", d.RequestID, "client_request_id", c.GetString("client_request_id"), "path", c.FullPath(), "error", err)
	}
	c.AbortWithStatusJSON(status, errorBody{Error: d})
}

// bindJSON decodes the body strictly: malformed JSON, unknown fields,
// trailing data and text PostgreSQL cannot keep (schema.CheckText) are a
// 400 that says what is wrong.
func bindJSON(c *gin.Context, v any) error {
	var read bytes.Buffer // for text PostgreSQL cannot keep
	body := io.TeeReader(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20), &read)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var me *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			return domain.Errorf(domain.CodeInvalid, "request body is empty; expected a JSON object")
		case errors.As(err, &se):
			return domain.Errorf(domain.CodeInvalid, "malformed JSON at byte %d", se.Offset)
		case errors.As(err, &te):
			return &domain.Error{Code: domain.CodeInvalid, Field: te.Field, Message: fmt.Sprintf("must be a JSON %s", te.Type.Kind())}
		case errors.As(err, &me):
			return domain.Errorf(domain.CodeInvalid, "request body is larger than 1 MiB")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return domain.Errorf(domain.CodeInvalid, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		default:
			return domain.Errorf(domain.CodeInvalid, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	if dec.More() {
		return domain.Errorf(domain.CodeInvalid, "request body has data after the JSON object")
	}
	return schema.CheckText(read.Bytes())
}

// requestID gives every request an id Karton makes: on the answer
// (X-Request-Id), in the log and in the audit log. A client's own
// X-Request-Id is kept apart as client_request_id, for matching its logs,
// and never used as ours: a client must not pick, repeat or forge the id
// an audit record is found by.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		c.Set("request_id", id)
		if theirs := c.GetHeader("X-Request-Id"); theirs != "" {
			c.Set("client_request_id", printable(theirs, 64))
		}
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

// printable is s cut to max bytes, with anything but printable ASCII
// replaced: fit for a log field.
func printable(s string, max int) string {
	if len(s) > max {
		s = s[:max]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

func recoverJSON(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				writeError(c, log, fmt.Errorf("panic: %v", r))
			}
		}()
		c.Next()
	}
}

func logRequests(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		log.DebugContext(c.Request.Context(), "request", "request_id", c.GetString("request_id"), "client_request_id", c.GetString("client_request_id"),
			"method", c.Request.Method, "route", c.FullPath(), "status", c.Writer.Status(), "ms", time.Since(start).Milliseconds())
	}
}
