package handlers

import (
	"github.com/gin-gonic/gin"

	"portalegenitori/billing"
)

// setupPagoPA builds the pagoPA service of the handler (docs/pagopa.md).
func (h *Handler) setupPagoPA() error {
	var err error
	h.billing, err = billing.New(h.store, h.log, billing.Options{SecretKey: h.cfg.SecretKey, Demo: h.cfg.PagoPA.DemoEmulator, PublicBase: h.cfg.BaseURL})
	if err != nil {
		return err
	}
	h.billingJobs, err = billing.NewEnqueuer(h.store.DB().DB)
	return err
}

// Billing exposes the pagoPA service to tests (they point its HTTP client at
// the TLS test server).
func (h *Handler) Billing() *billing.Service { return h.billing }

// pagopaRoutes mounts the parents' pagoPA pages under /{inst}/pagamenti.
func (h *Handler) pagopaRoutes(auth *gin.RouterGroup) {
	auth.GET("/pagamenti/ricarica", h.pagopaTopUpShow)
	auth.POST("/pagamenti/ricarica", h.pagopaTopUpSubmit)
	auth.POST("/pagamenti/avviso", h.pagopaNoticeSubmit)
	auth.GET("/pagamenti/pagopa/:id", h.pagopaStatus)
	auth.POST("/pagamenti/pagopa/:id/paga", h.pagopaPay)
	auth.GET("/pagamenti/pagopa/:id/avviso.pdf", h.pagopaNoticePDF)
}

// staffPagoPARoutes mounts the office's positions page and the
// administrator's pagoPA settings.
func (h *Handler) staffPagoPARoutes(staff, admin *gin.RouterGroup) {
	staff.GET("/pagopa", h.staffPagoPAList)
	staff.GET("/pagopa/posizioni.csv", h.staffPagoPACSV)
	staff.POST("/pagopa/:id/annulla", h.need("cassa"), h.staffPagoPACancel)
	staff.POST("/pagopa/mensile", h.need("cassa"), h.staffPagoPAMonthly)
	admin.GET("/pagopa", h.staffPagoPASettings)
	admin.POST("/pagopa", h.staffPagoPASettingsSave)
}
