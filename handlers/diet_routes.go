package handlers

import "github.com/gin-gonic/gin"

// dietRoutes mounts "Diete speciali" for guardians (docs/special-diets.md).
func (h *Handler) dietRoutes(auth *gin.RouterGroup) {
	auth.GET("/diete", h.dietsShow) // diet_request.go
	auth.POST("/diete", h.dietRequest)
	auth.POST("/diete/:id/ritira", h.dietWithdraw)
	auth.GET("/diete/:id/certificato", h.dietCertificate) // diet_certificate.go
}

// staffDietRoutes mounts the office's queue (staff_diets.go): deciding
// needs "anagrafica", opening a certificate "salute" (checked, and audited
// when refused, by the handler); the retention is the administrator's.
func (h *Handler) staffDietRoutes(staff, admin *gin.RouterGroup) {
	staff.GET("/diete", h.staffDiets)
	staff.POST("/diete/:id/:action", h.need("anagrafica"), h.staffDietDecide) // accetta, rifiuta
	staff.GET("/diete/:id/certificato", h.staffDietCertificate)
	admin.POST("/diete", h.staffDietSettingsSave)
}
