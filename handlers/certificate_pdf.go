package handlers

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/internal/certificate"
	"portalegenitori/internal/i18n"
)

// certificateT is the language of the PDF: Italian, the document of record.
func certificateT(key string, args ...any) string { return i18n.T("it", key, args...) }

// certificateFileName names a certificate's PDF.
func certificateFileName(d *certificate.Document) string {
	if d.Provisional {
		return fmt.Sprintf("situazione-provvisoria-730-%d.pdf", d.Year)
	}
	return fmt.Sprintf("attestazione-730-%d-n%d-v%d.pdf", d.Year, d.Number, d.Version)
}

func (h *Handler) certificatePDF(c *gin.Context) {
	d, ok := h.familyCertificate(c)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := d.PDF(&buf, certificateT, true); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+certificateFileName(d)+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
}
