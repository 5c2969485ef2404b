package api

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/workflows"
)

// uploadBankFiles imports the bank's answers to a payroll (pain.002,
// camt.054) sent as multipart "file" fields: all applied in one
// transaction, or none, with a 400 listing the lines that match no payment.
func (h *handler) uploadBankFiles(c *gin.Context) {
	period, err := payrollPeriod(c)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	form, err := c.MultipartForm()
	if err != nil || len(form.File["file"]) == 0 {
		writeError(c, h.log, domain.FieldError("file", "send the bank files as multipart/form-data fields \"file\""))
		return
	}
	var files [][]byte
	for _, fh := range form.File["file"] {
		f, err := fh.Open()
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		b, err := io.ReadAll(io.LimitReader(f, 64<<20))
		f.Close()
		if err != nil {
			writeError(c, h.log, err)
			return
		}
		files = append(files, b)
	}
	ans, err := iso20022.ReadBankFiles(files)
	if err != nil {
		writeError(c, h.log, domain.FieldError("file", "%v", err))
		return
	}
	counts, err := h.db.ApplyBankAnswer(c.Request.Context(), workflows.PayrollID(period), ans)
	if err != nil {
		writeError(c, h.log, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"id": workflows.PayrollID(period), "applied": counts})
}
