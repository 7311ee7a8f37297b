package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/registryimport"
)

// StaffImportView is the import page and its report.
type StaffImportView struct {
	StaffBase
	Columns  []string
	CSV      string
	Ran      bool // a check or an import ran
	DryRun   bool
	Rows     int
	Problems []ImportProblem
	Result   db.ImportResult
	Imported bool
}

// ImportProblem is a line that would be rejected, and why.
type ImportProblem struct {
	Line   int
	Reason string
}

func (h *Handler) staffImportShow(c *gin.Context) {
	h.render(c, http.StatusOK, "staff_import", StaffImportView{StaffBase: h.staffBase(c, "import"), Columns: registryimport.Columns})
}

// staffImportSubmit checks ("verifica": a dry run that lists every line
// that would be rejected and why, the database's own refusals included) or
// imports ("importa": all or nothing, in one transaction).
func (h *Handler) staffImportSubmit(c *gin.Context) {
	h.longDeadlines(c) // a registry's CSV, up to 4 MB
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffImportView{StaffBase: h.staffBase(c, "import"), Columns: registryimport.Columns, Ran: true}
	v.DryRun = c.PostForm("azione") != "importa"
	text := c.PostForm("csv")
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
		b, err := io.ReadAll(io.LimitReader(f, maxImportBytes))
		f.Close()
		if err != nil {
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
		text = string(b)
	} else if err != nil && !errors.Is(err, http.ErrMissingFile) && !strings.Contains(err.Error(), "multipart") {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	text = strings.TrimPrefix(strings.ToValidUTF8(text, "\uFFFD"), "\uFEFF")
	v.CSV = text
	rows, problems, err := h.parseImport(c, text)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Rows = len(rows) + countLines(problems)
	v.Problems = problems
	status := http.StatusOK
	switch {
	case v.DryRun:
		res, err := h.store.ImportRegistry(ctx, inst.ID, rows, true)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		for _, r := range res.Rejected {
			v.Problems = append(v.Problems, ImportProblem{Line: r.Line, Reason: importReason(v.StaffBase, r.Err)})
		}
		v.Result = res
		h.staffAudit(c, "import_check", "success", map[string]any{"rows": v.Rows, "rejected": len(v.Problems)})
	case len(problems) > 0:
		status = http.StatusUnprocessableEntity
		h.staffAudit(c, "import", "refused", map[string]any{"rows": v.Rows, "rejected": len(problems)})
	default:
		res, err := h.store.ImportRegistry(ctx, inst.ID, rows, false)
		var rowErr db.RowError
		if errors.As(err, &rowErr) {
			status = http.StatusUnprocessableEntity
			v.Problems = append(v.Problems, ImportProblem{Line: rowErr.Line, Reason: importReason(v.StaffBase, rowErr.Err)})
			h.staffAudit(c, "import", "refused", map[string]any{"rows": v.Rows, "line": rowErr.Line})
			break
		}
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Result, v.Imported = res, true
		h.staffAudit(c, "import", "success", map[string]any{"rows": v.Rows, "adults": res.Adults, "children": res.Children, "enrollments": res.Enrollments})
	}
	sortProblems(v.Problems)
	h.render(c, status, "staff_import", v)
}

func importReason(b StaffBase, err error) string {
	if errors.Is(err, db.ErrImportPayer) {
		return b.T("staff.import.err.payer")
	}
	return b.T("staff.import.err.db", err.Error())
}

func countLines(p []ImportProblem) int {
	seen := map[int]bool{}
	for _, x := range p {
		seen[x.Line] = true
	}
	return len(seen)
}

func sortProblems(p []ImportProblem) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].Line < p[j-1].Line; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// parseImport checks the CSV against the Comune's catalogue
// (internal/registryimport) and translates the problems found.
func (h *Handler) parseImport(c *gin.Context, text string) ([]db.ImportRow, []ImportProblem, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	var cat registryimport.Catalogue
	for _, l := range []struct {
		load func(context.Context, int64) ([]db.Option, error)
		into *[]registryimport.Option
	}{{h.store.Schools, &cat.Schools}, {h.store.Services, &cat.Services}, {h.store.Diets, &cat.Diets}} {
		opts, err := l.load(ctx, inst.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range opts {
			*l.into = append(*l.into, registryimport.Option{ID: o.ID, Name: o.Name, Kind: o.Kind})
		}
	}
	rows, found := registryimport.Parse(text, cat)
	b := h.staffBase(c, "import")
	problems := make([]ImportProblem, 0, len(found))
	for _, p := range found {
		problems = append(problems, ImportProblem{Line: p.Line, Reason: b.T(p.Key, p.Args...)})
	}
	return rows, problems, nil
}
