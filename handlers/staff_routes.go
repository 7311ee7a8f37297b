package handlers

import "github.com/gin-gonic/gin"

// staffRoutes mounts the staff area under /{inst}/operatori (the group
// already requires a signed-in staff account, second factor included).
// Every action is in the audit log; so is every read of a child's diet.
func (h *Handler) staffRoutes(staff *gin.RouterGroup) {
	staff.GET("/cerca", h.staffSearch)
	staff.GET("/adulti/nuovo", h.staffAdultNew)
	staff.POST("/adulti", h.staffAdultSave)
	staff.GET("/adulti/:id", h.staffAdultShow)
	staff.POST("/adulti/:id", h.staffAdultSave)
	staff.POST("/adulti/:id/movimenti", h.staffEntryAdd)
	staff.POST("/adulti/:id/movimenti/:entry/storno", h.staffEntryReverse)
	viewAs := staff.Group("/adulti/:id/come-famiglia", h.viewAsFamily) // read-only, GET only
	viewAs.GET("", h.staffFamilyView)
	viewAs.GET("/famiglia", h.staffFamilyView)
	viewAs.GET("/presenze/:child/:service", h.attendanceCalendar)
	viewAs.GET("/pagamenti", h.paymentsList)
	viewAs.GET("/pagamenti/movimenti.csv", h.paymentsCSV)
	viewAs.GET("/pagamenti/estratto", h.paymentsStatement)
	staff.POST("/utenze/:acc/:action", h.staffAccountAction)
	staff.GET("/bambini/nuovo", h.staffChildNew)
	staff.POST("/bambini", h.staffChildSave)
	staff.GET("/bambini/:id", h.staffChildShow)
	staff.POST("/bambini/:id", h.staffChildSave)
	staff.POST("/bambini/:id/adulti", h.staffGuardianAdd)
	staff.POST("/bambini/:id/adulti/:adult/rimuovi", h.staffGuardianRemove)
	staff.POST("/bambini/:id/iscrizioni", h.staffEnrollmentAdd)
	staff.GET("/presenze", h.staffRegister)
	staff.POST("/presenze", h.staffRegisterSave)
	staff.POST("/presenze/segna", h.staffRegisterMark)
	staff.GET("/registro", h.staffAuditList)
	staff.GET("/collegamenti", h.staffLinks) // staff_links.go
	staff.POST("/collegamenti/:id/collega", h.staffLinkApprove)
	staff.POST("/collegamenti/:id/rifiuta", h.staffLinkRefuse)
	staff.GET("/chiusure", h.staffClosures) // staff_closures.go
	staff.POST("/chiusure/:id/conferma", h.staffClosureConfirm)
	staff.GET("/importa", h.staffImportShow)
	staff.POST("/importa", h.staffImportSubmit)
	staff.GET("/conteggio-pasti", h.staffKitchen) // staff_kitchen.go
	staff.GET("/conteggio-pasti/conteggio.csv", h.staffKitchenCSV)
	h.staffMealRoutes(staff) // Disdetta pasto at the desk, booking settings (meal_routes.go)
	staff.GET("/catalogo", h.staffCatalogue)
	staff.POST("/catalogo", h.staffCatalogueAdd)

	admin := staff.Group("/impostazioni", h.requireAdmin)
	admin.GET("", h.staffSettings)
	admin.POST("", h.staffSettingsSave)
	admin.GET("/operatori", h.staffMembers)
	admin.POST("/operatori/:acc", h.staffMemberSave)
}
