package api

import (
	"io"

	"github.com/gin-gonic/gin"

	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/interop/iso20022"
	"github.com/karton-social/karton/workflows"
)

// uploadBankFiles imports the bank's answers to a payroll (pain.002,
// camt.054) sent as multipart "file" fields: all applied in one
// transaction, or none, with a 400 listing the lines that match no payment.
func (h *handler) uploadBankFiles(c *gin.Context) (*bankFilesApplied, error) {
	period, err := payrollPeriod(c)
	if err != nil {
		return nil, err
	}
	form, err := c.MultipartForm()
	if err != nil || len(form.File["file"]) == 0 {
		return nil, domain.FieldError("file", "send the bank files as multipart/form-data fields \"file\"")
	}
	var files [][]byte
	for _, fh := range form.File["file"] {
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(f, 64<<20))
		f.Close()
		if err != nil {
			return nil, err
		}
		files = append(files, b)
	}
	ans, err := iso20022.ReadBankFiles(files)
	if err != nil {
		return nil, domain.FieldError("file", "%v", err)
	}
	counts, err := h.db.ApplyBankAnswer(c.Request.Context(), workflows.PayrollID(period), ans)
	if err != nil {
		return nil, err
	}
	return &bankFilesApplied{ID: workflows.PayrollID(period), Applied: counts}, nil
}

// bankFilesApplied counts the payments the bank's files changed, by what
// became of them.
type bankFilesApplied struct {
	ID      string         `json:"id"`
	Applied map[string]int `json:"applied"`
}
