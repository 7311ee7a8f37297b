package handlers

import (
	"github.com/gin-gonic/gin"

	"portalegenitori/internal/pagopa/emulator"
)

// mountDemoPagoPA serves the built-in pagoPA emulator (GPD, Checkout, the
// fake payment page and its switches) at /_demo-pagopa/ — only with
// GENITORI_DEMO_PAGOPA=true. A Comune's settings then point at
// GENITORI_BASE_URL + /_demo-pagopa/gpd/debt-positions-service/v3 and
// /_demo-pagopa/checkout/ec/v1 (docs/pagopa-platform.md).
func (h *Handler) mountDemoPagoPA(r *gin.Engine) {
	if !h.cfg.PagoPA.DemoEmulator {
		return
	}
	h.log.Warn("GENITORI_DEMO_PAGOPA=true: the pagoPA emulator is enabled, nothing is really paid (demo only, never in production)")
	emu := emulator.New(emulator.Options{DB: h.store.DB(), Prefix: emulator.DefaultPrefix, Log: h.log})
	r.Any(emulator.DefaultPrefix+"/*path", func(c *gin.Context) {
		emu.ServeHTTP(c.Writer, c.Request)
		c.Abort()
	})
}
