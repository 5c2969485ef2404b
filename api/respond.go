package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
)

// A JSON route's handler reads the request and returns its answer, a typed
// body, or an error; it writes nothing itself:
//
//	func (h *handler) getClaim(c *gin.Context) (*claimView, error)
//
// serve is the one adapter that writes: the body as JSON with the route's
// status, or the error through writeError (which picks the status). The
// route names the status beside the handler in Routes():
//
//	func(h *handler) gin.HandlerFunc { return serve(h, http.StatusOK, h.getClaim) }
//
// A body whose status depends on the request (202 when a workflow was
// started, 200 when the request changed nothing) says so with a method
// httpStatus. The bodies are the structs the OpenAPI document describes;
// openapi_responses_test.go checks every answer the tests see against it.
//
// Handlers that stream a file (a decision's PDF, a CSV) write it
// themselves, and say so.
func serve[T any](h *handler, status int, f func(*gin.Context) (*T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := f(c)
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		code := status
		if s, ok := any(body).(statused); ok {
			code = s.httpStatus()
		}
		writeJSON(c, h, code, body)
	}
}

// writeJSON writes body as gin's c.JSON does (HTML characters escaped),
// encoded straight into the response from encoding/json's pooled buffer.
// c.JSON's json.Marshal returned a copy of every answer: 15% of all that
// the lists allocated at 500 requests a second (issue 24). The body is
// encoded whole before a byte is written, so an error still gets its own
// answer.
func writeJSON(c *gin.Context, h *handler, code int, body any) {
	if a, ok := body.(appendsJSON); ok {
		writeAppended(c, h, code, a)
		return
	}
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Status(code)
	if err := json.NewEncoder(c.Writer).Encode(body); err != nil && !c.Writer.Written() {
		writeError(c, h.log, err)
	}
}

// answerBuffers are the buffers the lists' pages are written into
// (writeAppended), kept between requests; one grown past 1 MiB is let go.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

// writeAppended writes a body that writes its own JSON (listjson.go): the
// same bytes as writeJSON's encoder, its newline included, written whole.
func writeAppended(c *gin.Context, h *handler, code int, a appendsJSON) {
	if r, ok := a.(releaser); ok {
		defer r.release()
	}
	p := answerBuffers.Get().(*[]byte)
	b, err := a.appendJSON((*p)[:0])
	if err != nil {
		writeError(c, h.log, err)
	} else {
		b = append(b, '\n')
		c.Header("Content-Type", "application/json; charset=utf-8")
		// Its length, known, spares the answer net/http's chunks.
		c.Header("Content-Length", strconv.Itoa(len(b)))
		c.Status(code)
		// A client gone before its answer is written is nobody's error,
		// as with writeJSON's encoder.
		_, _ = c.Writer.Write(b)
	}
	if cap(b) <= 1<<20 {
		*p = b[:0]
		answerBuffers.Put(p)
	}
}

// releaser is an answer that gives back what it holds once it is written
// (the pages of the case list and the inbox).
type releaser interface{ release() }

// keptPages keep a list's pages between requests: a handler gets one,
// the store lists into it, and the answer puts it back, emptied, once it is
// written (releaser). A page grown past 500 rows is let go.
type keptPages[T any] struct{ pool sync.Pool }

func (k *keptPages[T]) get() *[]T {
	if p, ok := k.pool.Get().(*[]T); ok {
		return p
	}
	return new([]T)
}

// put empties page, listed into kept's slice, and keeps it; nothing for a
// nil kept.
func (k *keptPages[T]) put(kept *[]T, page []T) {
	if kept == nil || cap(page) > 500 {
		return
	}
	clear(page)
	*kept = page[:0]
	k.pool.Put(kept)
}

// statused is a body whose status the handler picks (see serve).
type statused interface{ httpStatus() int }

// accepted marks a body answered 202 (a workflow took the request) rather
// than 200; embed it and set it (see serve).
type accepted struct{ started bool }

func (a accepted) httpStatus() int {
	if a.started {
		return http.StatusAccepted
	}
	return http.StatusOK
}

// stream adapts a handler that writes its own answer, a file (a decision's
// PDF, a CSV) rather than JSON: only its error is written here, through
// writeError.
func stream(h *handler, f func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			writeError(c, h.log, err)
		}
	}
}
