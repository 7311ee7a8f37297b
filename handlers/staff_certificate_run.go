package handlers

import (
	"archive/zip"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"

	"portalegenitori/db"
	"portalegenitori/delivery"
)

// StaffCertificateRunView is the progress of a run. While it runs, htmx
// polls the progress block every two seconds; without JavaScript the page
// says to reload it (the link is the page itself).
type StaffCertificateRunView struct {
	StaffBase
	Run     StaffRun
	ZipURL  string
	SelfURL string
}

// StaffRun is a run with its percentage.
type StaffRun struct {
	ID, Year, Total, Done, Reissued int
	Status                          string
	Percent                         int
	CreatedAt                       time.Time
}

func (h *Handler) staffCertificateRun(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	r, err := h.store.CertificateRunByID(c.Request.Context(), inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	v := StaffCertificateRunView{StaffBase: h.staffBase(c, "certificates"),
		Run:     StaffRun{ID: int(r.ID), Year: r.Year, Total: r.Total, Done: r.Done, Reissued: r.Reissued, Status: r.Status, CreatedAt: r.CreatedAt},
		SelfURL: fmt.Sprintf("/%s/operatori/attestazioni/elaborazioni/%d", inst.Code, r.ID)}
	v.ZipURL = v.SelfURL + "/attestazioni.zip"
	if r.Total > 0 {
		v.Run.Percent = r.Done * 100 / r.Total
	} else if r.Status == "done" {
		v.Run.Percent = 100
	}
	h.renderFragment(c, http.StatusOK, "staff_certificate_run", "run-progress", v)
}

// staffCertificateZip sends every certificate of a run, one PDF each, in a
// ZIP archive (the run need not be finished: what is issued so far).
func (h *Handler) staffCertificateZip(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	r, err := h.store.CertificateRunByID(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.longDeadlines(c) // thousands of PDFs
	// streamed: a failure half-way can only cut the archive short, which
	// the ZIP's missing central directory makes evident. The audit row says
	// how many certificates went out, and whether the archive was whole; it
	// is written on the way out, a panic included.
	sent, outcome := 0, "error"
	defer func() { h.staffAudit(c, "certificate_zip", outcome, map[string]any{"run": r.ID, "count": sent}) }()
	c.Header("Content-Type", "application/zip")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="attestazioni-730-%d-elaborazione-%d.zip"`, r.Year, r.ID))
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	zw := zip.NewWriter(c.Writer)
	err = h.store.EachRunCertificate(ctx, inst.ID, r.ID, certificateZipPage, func(cert db.Certificate) error {
		d, err := cert.Document()
		if err != nil {
			return err
		}
		d.VerifyURL = h.verifyURL(inst.Code, d.Code)
		name := fmt.Sprintf("%05d-%s", d.Number, certificateFileName(&d))
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: d.IssuedAt})
		if err != nil {
			return fmt.Errorf("zip entry %s: %w", name, err)
		}
		if err := d.PDF(w, certificateT, true); err != nil {
			return fmt.Errorf("certificate %d PDF: %w", cert.ID, err)
		}
		sent++
		return nil
	})
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		h.log.Error("certificate zip", "run", r.ID, "sent", sent, "err", err)
		return
	}
	outcome = "success"
}

// certificateZipPage is how many certificates the ZIP reads at a time.
const certificateZipPage = 200

// staffCertificateRunResume enqueues the job of an unfinished run again
// (after its job gave up, e.g. the database was away for hours): it goes on
// from the first adult not issued. A job of the run still queued or running
// makes this a no-op (River's unique job per run).
func (h *Handler) staffCertificateRunResume(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	r, err := h.store.CertificateRunByID(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	self := fmt.Sprintf("/%s/operatori/attestazioni/elaborazioni/%d", inst.Code, r.ID)
	if r.Status != "done" {
		err := h.store.WithTx(ctx, func(tx *sqlx.Tx) error {
			return h.enqueue.CertificateRun(ctx, tx.Tx, delivery.CertificateRunArgs{InstallationID: inst.ID, RunID: r.ID})
		})
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		h.staffAudit(c, "certificate_run_resume", "success", map[string]any{"run": r.ID})
	}
	h.flashRedirect(c, tr(c, "certificate.staff.resumed"), self)
}
