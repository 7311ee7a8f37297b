package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// dietCertificate gives a medical certificate to the guardian who sent it.
// Another guardian of the child is refused (and the refusal audited): a
// certificate is health data, shared only by who chose to send it; to
// anyone else the certificate does not exist.
func (h *Handler) dietCertificate(c *gin.Context) {
	inst, acc := installation(c), currentAccount(c)
	adult := h.familyAdult(c)
	if adult == nil {
		return
	}
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	cert, err := h.store.DietCertificateOf(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	if cert.RequestedBy != acc.ID {
		if _, err := h.store.ChildOfAdult(ctx, inst.ID, adult.ID, cert.ChildID); err != nil {
			h.notFoundOr(c, err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "diet_certificate_open",
			Outcome: "refused", Detail: map[string]any{"request": id, "child": cert.ChildID, "as": "guardian"}})
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "diet_certificate_open",
		Outcome: "success", Detail: map[string]any{"request": id, "child": cert.ChildID, "as": "sender"}})
	h.serveDietCertificate(c, cert)
}

// staffDietCertificate gives a certificate to staff allowed to read health
// data ("salute", and administrators); every opening and every refusal is
// in the audit log.
func (h *Handler) staffDietCertificate(c *gin.Context) {
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	cert, err := h.store.DietCertificateOf(c.Request.Context(), installation(c).ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	allowed, err := h.mayReadHealth(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	detail := map[string]any{"request": id, "child": cert.ChildID, "as": "staff"}
	if !allowed {
		h.staffAudit(c, "diet_certificate_open", "refused", detail)
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	h.staffAudit(c, "diet_certificate_open", "success", detail)
	h.serveDietCertificate(c, cert)
}

// mayReadHealth: the staff account has the "salute" permission or is an
// administrator.
func (h *Handler) mayReadHealth(c *gin.Context) (bool, error) {
	acc := currentAccount(c)
	if acc == nil || !acc.IsStaff() {
		return false, nil
	}
	if acc.Role == "admin" {
		return true, nil
	}
	return h.store.HasPermission(c.Request.Context(), installation(c).ID, acc.ID, "salute")
}

// serveDietCertificate writes the file as a download (never rendered in
// the portal's pages), not cached; a deleted one is 410 with its date.
func (h *Handler) serveDietCertificate(c *gin.Context, cert *db.DietCertificate) {
	inst := installation(c)
	if !cert.Sealed.Valid {
		v := ErrorView{Base: h.base(c)}
		v.Title, v.Body = v.T("diets.certificate.deleted_title"), v.T("diets.certificate.deleted", v.DateTimeSec(cert.DeletedAt.Time))
		v.HideFitForm = true
		h.renderBlock(c, http.StatusGone, "error", "layout", v)
		return
	}
	box, err := dietCertificateBox(h.cfg.SecretKey)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	data, _, err := box.Open(cert.Sealed.String, dietCertificateBound(inst.ID, cert.RequestID))
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, errors.Join(errors.New("diet certificate sealed with another GENITORI_SECRET_KEY"), err))
		return
	}
	ext := map[string]string{"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[cert.ContentType]
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="certificato-`+strconv.FormatInt(cert.RequestID, 10)+"."+ext+`"`)
	c.Data(http.StatusOK, cert.ContentType, []byte(data))
}
