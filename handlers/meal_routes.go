package handlers

import "github.com/gin-gonic/gin"

// mealRoutes mounts Disdetta pasto for parents (docs/booking.md).
func (h *Handler) mealRoutes(auth *gin.RouterGroup) {
	auth.POST("/pasti/periodo", h.mealRange)
	auth.POST("/pasti/ricevute", h.mealReceipts)
	auth.POST("/pasti/:child/:service/:day", h.mealChange)
}

// staffMealRoutes mounts the desk (acting for a family) and the settings.
func (h *Handler) staffMealRoutes(staff *gin.RouterGroup) {
	staff.POST("/bambini/:id/pasti/:service/periodo", h.need("presenze"), h.staffMealRange)
	staff.POST("/bambini/:id/pasti/:service/:day", h.need("presenze"), h.staffMealChange)
	staff.GET("/pasti/impostazioni", h.staffBookingSettings)
	staff.POST("/pasti/impostazioni/:service", h.staffBookingSettingsSave)
}
