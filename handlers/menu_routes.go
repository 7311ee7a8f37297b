package handlers

import "github.com/gin-gonic/gin"

// menuRoutes mounts the family's week menu (menu_family.go).
func (h *Handler) menuRoutes(auth *gin.RouterGroup) {
	auth.GET("/menu/:child", h.menuWeek)
}

// staffMenuRoutes mounts the office's menu pages under /{inst}/operatori/menu
// (staff_menu*.go), and the week menu for staff reading as a family.
// Reading needs no permission; a change needs "anagrafica".
func (h *Handler) staffMenuRoutes(staff, viewAs *gin.RouterGroup) {
	viewAs.GET("/menu/:child", h.menuWeek)
	staff.GET("/menu", h.staffMenus)
	staff.GET("/menu/da-verificare", h.staffMenuConflicts)
	staff.GET("/menu/piatti", h.staffDishes)
	staff.POST("/menu/piatti", h.need("anagrafica"), h.staffDishSave)
	staff.POST("/menu/piatti/:id", h.need("anagrafica"), h.staffDishSave)
	staff.POST("/menu/piatti/:id/elimina", h.need("anagrafica"), h.staffDishDelete)
	staff.POST("/menu/diete/:id", h.need("anagrafica"), h.staffDietAllergensSave)
	staff.GET("/menu/nuovo", h.staffMenuNew)
	staff.POST("/menu/nuovo", h.need("anagrafica"), h.staffMenuSave)
	staff.GET("/menu/scheda/:id", h.staffMenuShow)
	staff.POST("/menu/scheda/:id", h.need("anagrafica"), h.staffMenuSave)
	staff.POST("/menu/scheda/:id/elimina", h.need("anagrafica"), h.staffMenuDelete)
	staff.GET("/menu/scheda/:id/giorno/:week/:weekday", h.staffMenuDay)
	staff.POST("/menu/scheda/:id/giorno/:week/:weekday", h.need("anagrafica"), h.staffMenuDaySave)
}
