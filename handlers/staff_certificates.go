package handlers

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
)

// StaffCertificatesView is the office's page of the 730 certificates: the
// Comune's data they carry, a form that issues a year's certificates in one
// run, and the runs with their progress.
type StaffCertificatesView struct {
	StaffBase
	Year     string
	Settings db.CertificateSettings
	Runs     []db.CertificateRun
}

var comuneFiscalCode = regexp.MustCompile(`^[0-9]{11}$`)

func (h *Handler) staffCertificatesPage(c *gin.Context, status int, v StaffCertificatesView) {
	ctx := c.Request.Context()
	inst := installation(c)
	var err error
	if v.Runs, err = h.store.CertificateRuns(ctx, inst.ID, 20); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, swappable(c, status), "staff_certificates", v)
}

func (h *Handler) staffCertificates(c *gin.Context) {
	v := StaffCertificatesView{StaffBase: h.staffBase(c, "certificates"), Year: strconv.Itoa(today().Year() - 1)}
	var err error
	if v.Settings, err = h.store.CertificateSettingsOf(c.Request.Context(), installation(c).ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffCertificatesPage(c, http.StatusOK, v)
}

// staffCertificateRunStart starts the run of a year: it records the adults
// to certify and enqueues the job in one transaction, then shows its page.
func (h *Handler) staffCertificateRunStart(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffCertificatesView{StaffBase: h.staffBase(c, "certificates"), Year: formText(c, "year")}
	var err error
	if v.Settings, err = h.store.CertificateSettingsOf(ctx, inst.ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	year, err := strconv.Atoi(v.Year)
	if err != nil || year < 2020 || year > today().Year() {
		v.Errors["year"] = v.T("certificate.staff.error.year", today().Year())
		h.staffCertificatesPage(c, http.StatusUnprocessableEntity, v)
		return
	}
	acc := currentAccount(c)
	id, err := h.store.CreateCertificateRun(ctx, inst.ID, year, acc.ID, func(ctx context.Context, tx *sql.Tx, runID int64) error {
		return h.enqueue.CertificateRun(ctx, tx, delivery.CertificateRunArgs{InstallationID: inst.ID, RunID: runID})
	})
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "certificate_run", "success", map[string]any{"run": id, "year": year})
	h.flashRedirect(c, v.T("certificate.staff.started", year), fmt.Sprintf("/%s/operatori/attestazioni/elaborazioni/%d", inst.Code, id))
}

// staffCertificateSettings saves the Comune's codice fiscale and the
// signatory that the certificates carry.
func (h *Handler) staffCertificateSettings(c *gin.Context) {
	inst := installation(c)
	v := StaffCertificatesView{StaffBase: h.staffBase(c, "certificates"), Year: strconv.Itoa(today().Year() - 1),
		Settings: db.CertificateSettings{FiscalCode: formText(c, "fiscal_code"), Signatory: formText(c, "signatory")}}
	if v.Settings.FiscalCode != "" && !comuneFiscalCode.MatchString(v.Settings.FiscalCode) {
		v.Errors["fiscal_code"] = v.T("certificate.staff.error.fiscal_code")
	}
	if utf8.RuneCountInString(v.Settings.Signatory) > 200 {
		v.Errors["signatory"] = v.T("certificate.staff.error.signatory")
	}
	if len(v.Errors) > 0 {
		h.staffCertificatesPage(c, http.StatusUnprocessableEntity, v)
		return
	}
	if err := h.store.SaveCertificateSettings(c.Request.Context(), inst.ID, v.Settings); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "certificate_settings", "success", map[string]any{"fiscal_code": v.Settings.FiscalCode, "signatory": v.Settings.Signatory})
	h.flashRedirect(c, v.T("certificate.staff.settings_saved"), "/"+inst.Code+"/operatori/attestazioni")
}
