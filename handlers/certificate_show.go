package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/certificate"
)

// NextYear is the year after the document's, when its certificate can be had.
func (v CertificateView) NextYear() int { return v.Year + 1 }

// CertificateView is the accessible HTML version of a certificate: the
// same content as the PDF, printable (print CSS hides the portal's chrome).
type CertificateView struct {
	Base
	certificate.Document
	Notes  []string
	PDFURL string
}

// familyCertificate issues, or finds current, the certificate of the
// signed-in adult's payments of the year in the path. Only the adult's own
// payments: a guardian who paid nothing gets 404, never the payer's.
func (h *Handler) familyCertificate(c *gin.Context) (*certificate.Document, bool) {
	adult := h.familyAdult(c)
	if adult == nil {
		return nil, false
	}
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil || year < 2020 || year > today().Year() {
		h.renderError(c, http.StatusNotFound, nil)
		return nil, false
	}
	inst := installation(c)
	ctx := c.Request.Context()
	if year == today().Year() {
		// the year is running: what was paid so far, not a certificate
		// (no number, no code, nothing stored: a version a day would be noise)
		content, err := h.store.CertificateContent(ctx, inst.ID, adult.ID, year)
		if err != nil {
			h.notFoundOr(c, err)
			return nil, false
		}
		return &certificate.Document{Content: content, IssuedAt: time.Now(), Provisional: true}, true
	}
	var cert *db.Certificate
	if viewAsAdult(c) != nil {
		cert, err = h.store.LatestCertificate(ctx, inst.ID, adult.ID, year) // staff read, never issue
	} else {
		cert, err = h.store.IssueCertificate(ctx, inst.ID, adult.ID, year, nil, delivery.ReissueReasonIt)
	}
	if err != nil {
		h.notFoundOr(c, err)
		return nil, false
	}
	d, err := cert.Document()
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil, false
	}
	d.VerifyURL = h.verifyURL(inst.Code, d.Code)
	return &d, true
}

// verifyURL is the public page that checks a verification code.
func (h *Handler) verifyURL(inst, code string) string {
	return h.cfg.BaseURL + "/" + inst + "/verifica/" + code
}

func (h *Handler) certificateShow(c *gin.Context) {
	d, ok := h.familyCertificate(c)
	if !ok {
		return
	}
	v := CertificateView{Base: h.base(c), Document: *d}
	v.Nav = "family"
	v.Notes = d.Notes(v.T)
	v.PDFURL = familyPrefix(c) + "/attestazioni/" + strconv.Itoa(d.Year) + "/pdf"
	h.render(c, http.StatusOK, "certificate", v)
}
