package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/karton-social/karton/activities"
	"github.com/karton-social/karton/domain"
	"github.com/karton-social/karton/domain/agriculture"
	"github.com/karton-social/karton/interop/counterpart"
	"github.com/karton-social/karton/store"
	"github.com/karton-social/karton/workflows"
)

// agricultureFileDTO is a file of the farmers' allowance as recorded: no
// row of it, so no person's data; a refused file's report names lines.
type agricultureFileDTO struct {
	ID         int64       `json:"id"`
	Period     string      `json:"period,omitempty"`
	State      string      `json:"state"`
	Format     string      `json:"format,omitempty"`
	SHA256     string      `json:"sha256"`
	Rows       int         `json:"rows"`
	Total      string      `json:"total"`
	Conflicts  int         `json:"conflicts"`
	Faults     []fieldItem `json:"faults"`
	ReceivedBy string      `json:"received_by"`
	ReceivedAt time.Time   `json:"received_at"`
}

type fieldItem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func toAgricultureFileDTO(f store.AgricultureFile) agricultureFileDTO {
	d := agricultureFileDTO{ID: f.ID, Period: f.Period, State: f.State, Format: f.Format, SHA256: f.Hash, Rows: f.Rows,
		Total: f.Total.StringFixed(2), Conflicts: f.Conflicts, Faults: []fieldItem{}, ReceivedBy: f.ReceivedBy, ReceivedAt: f.ReceivedAt}
	for _, x := range f.Faults {
		d.Faults = append(d.Faults, fieldItem{Field: x.Field, Message: x.Message})
	}
	return d
}

// agricultureImported is the answer to an upload: the file's record, and
// the workflow that opens the conflicts' tasks. 201 for a file imported
// now, 200 for the same file imported before (nothing changed).
type agricultureImported struct {
	agricultureFileDTO
	Duplicate  bool   `json:"duplicate"`
	WorkflowID string `json:"workflow_id"`
}

func (a *agricultureImported) httpStatus() int {
	if a.Duplicate {
		return http.StatusOK
	}
	return http.StatusCreated
}

// importAgriculture takes the month's file of the farmers' old-age
// allowance (multipart/form-data field "file", format karton-agri-v1,
// docs/exchanges.md), keeps it in the object store by its hash and
// imports it whole in one transaction, or refuses it with a 400 listing
// every fault by line (nothing imported, nothing written: the answer is
// the report). The same file again changes nothing (200). Then the
// AgricultureImport workflow (id by the file's hash) opens a task for
// each conflict with an MO right; it finds the file imported. Every
// person of an imported file is written to the audit log.
func (h *handler) importAgriculture(c *gin.Context) (*agricultureImported, error) {
	ctx := c.Request.Context()
	if h.objects == nil {
		return nil, domain.Errorf(domain.CodeUnavailable, "the object store is not configured: no file can be kept")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, domain.FieldError("file", "send the ministry's file as multipart/form-data field \"file\"")
	}
	if fh.Size > counterpart.MaxAgricultureFile {
		return nil, domain.FieldError("file", "is larger than %d MiB", counterpart.MaxAgricultureFile>>20)
	}
	r, err := fh.Open()
	if err != nil {
		return nil, domain.FieldError("file", "could not be read: send it again")
	}
	b, err := io.ReadAll(io.LimitReader(r, counterpart.MaxAgricultureFile))
	_ = r.Close() // read only
	if err != nil {
		return nil, domain.FieldError("file", "could not be read: send it again")
	}
	f, faults := agriculture.Parse(b)
	key := activities.AgricultureFileKey(f.Hash)
	if _, err := h.objects.Put(ctx, key, "text/csv", b); err != nil {
		return nil, err
	}
	u := userOf(c)
	id := workflows.AgricultureImportID(f.Hash)
	res, err := h.db.ImportAgriculture(ctx, store.AgricultureImport{File: f, Faults: faults, ObjectKey: key, ReceivedBy: u.Username,
		WorkflowID: id, At: h.now()})
	if err != nil {
		return nil, err
	}
	persons, err := h.db.AgriculturePersons(ctx, res.File.ID)
	if err != nil {
		return nil, err
	}
	auditPersons(c, persons...)
	ref := &activities.AgricultureFileRef{Key: key, Hash: f.Hash, Size: len(b)}
	_, err = h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}, workflows.NameAgricultureImport, workflows.AgricultureImportInput{File: ref, ReceivedBy: u.Username})
	if err != nil {
		return nil, unavailableAfter(err, "file "+strconv.FormatInt(res.File.ID, 10)+" was imported, but its conflicts' tasks could not be opened: send the same file again")
	}
	return &agricultureImported{agricultureFileDTO: toAgricultureFileDTO(res.File), Duplicate: res.Duplicate, WorkflowID: id}, nil
}

// unavailableAfter is a 503 saying what was done before the workflow
// service failed.
func unavailableAfter(err error, done string) error {
	return errors.Join(domain.Errorf(domain.CodeUnavailable, "the workflow service is unavailable: %s", done), err)
}

// agricultureFiles lists the files received, newest first, with their
// states and counts.
type agricultureFiles struct {
	Files []agricultureFileDTO `json:"files"`
}

func (h *handler) listAgricultureFiles(c *gin.Context) (*agricultureFiles, error) {
	fs, err := h.db.AgricultureFiles(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := &agricultureFiles{Files: []agricultureFileDTO{}}
	for _, f := range fs {
		out.Files = append(out.Files, toAgricultureFileDTO(f))
	}
	return out, nil
}

// getAgricultureFile is one file's record with its report.
func (h *handler) getAgricultureFile(c *gin.Context) (*agricultureFileDTO, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, domain.FieldError("id", "%q is not a file's number", c.Param("id"))
	}
	f, err := h.db.AgricultureFileByID(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	d := toAgricultureFileDTO(f)
	return &d, nil
}
