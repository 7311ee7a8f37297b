package handlers

import "github.com/gin-gonic/gin"

// staffRoutes mounts the staff area under /{inst}/operatori (the group
// already requires a signed-in staff account, second factor included).
// Every action is in the audit log; so is every read of a child's diet.
// A change needs its permission (h.need, db.StaffPermissions) unless the
// account is an administrator; reading needs none.
func (h *Handler) staffRoutes(staff *gin.RouterGroup) {
	staff.GET("/cerca", h.staffSearch)
	staff.GET("/adulti/nuovo", h.staffAdultNew)
	staff.POST("/adulti", h.need("anagrafica"), h.staffAdultSave)
	staff.GET("/adulti/:id", h.staffAdultShow)
	staff.POST("/adulti/:id", h.need("anagrafica"), h.staffAdultSave)
	staff.POST("/adulti/:id/movimenti", h.need("cassa"), h.staffEntryAdd)
	staff.POST("/adulti/:id/movimenti/:entry/storno", h.need("cassa"), h.staffEntryReverse)
	viewAs := staff.Group("/adulti/:id/come-famiglia", h.viewAsFamily) // read-only, GET only
	viewAs.GET("", h.staffFamilyView)
	viewAs.GET("/famiglia", h.staffFamilyView)
	viewAs.GET("/presenze/:child/:service", h.attendanceCalendar)
	viewAs.GET("/pagamenti", h.paymentsList)
	viewAs.GET("/pagamenti/movimenti.csv", h.paymentsCSV)
	viewAs.GET("/pagamenti/estratto", h.paymentsStatement)
	h.viewAsDocumentRoutes(viewAs) // document_routes.go
	staff.POST("/utenze/:acc/:action", h.need("anagrafica"), h.staffAccountAction)
	staff.GET("/bambini/nuovo", h.staffChildNew)
	staff.POST("/bambini", h.need("anagrafica"), h.staffChildSave)
	staff.GET("/bambini/:id", h.staffChildShow)
	staff.POST("/bambini/:id", h.need("anagrafica"), h.staffChildSave)
	staff.POST("/bambini/:id/adulti", h.need("anagrafica"), h.staffGuardianAdd)
	staff.POST("/bambini/:id/adulti/:adult/rimuovi", h.need("anagrafica"), h.staffGuardianRemove)
	staff.POST("/bambini/:id/iscrizioni", h.need("anagrafica"), h.staffEnrollmentAdd)
	staff.POST("/bambini/:id/iscrizioni/:enrollment", h.need("anagrafica"), h.staffEnrollmentChange) // staff_enrollment_change.go
	staff.GET("/presenze", h.staffRegister)
	staff.POST("/presenze", h.need("presenze"), h.staffRegisterSave)
	staff.POST("/presenze/segna", h.need("presenze"), h.staffRegisterMark)
	staff.POST("/presenze/tutti-presenti", h.need("presenze"), h.staffRegisterAllPresent) // staff_register_bulk.go
	staff.POST("/presenze/registro/:action", h.need("presenze"), h.staffRegisterCloseDay) // chiudi, riapri
	staff.GET("/registro", h.staffAuditList)
	staff.GET("/collegamenti", h.staffLinks) // staff_links.go
	staff.POST("/collegamenti/:id/collega", h.need("anagrafica"), h.staffLinkApprove)
	staff.POST("/collegamenti/:id/rifiuta", h.need("anagrafica"), h.staffLinkRefuse)
	staff.GET("/chiusure", h.staffClosures) // staff_closures.go
	staff.POST("/chiusure/:id/conferma", h.need("anagrafica"), h.staffClosureConfirm)
	staff.GET("/importa", h.staffImportShow)
	staff.POST("/importa", h.need("anagrafica"), h.staffImportSubmit)
	staff.GET("/conteggio-pasti", h.staffKitchen) // staff_kitchen.go
	staff.GET("/conteggio-pasti/conteggio.csv", h.staffKitchenCSV)
	h.staffMealRoutes(staff) // Disdetta pasto at the desk, booking settings (meal_routes.go)
	staff.GET("/catalogo", h.staffCatalogue)
	staff.POST("/catalogo", h.need("anagrafica"), h.staffCatalogueAdd)
	staff.POST("/catalogo/voce/:what/:id/:action", h.need("anagrafica"), h.staffCatalogueEdit) // staff_catalogue_edit.go
	staff.POST("/catalogo/chiusure", h.need("anagrafica"), h.staffClosureDayAdd)
	staff.POST("/catalogo/chiusure/:day/elimina", h.need("anagrafica"), h.staffClosureDayRemove)
	staff.GET("/rimborsi", h.staffCredit) // staff_credit.go: credit refunds and transfers
	staff.POST("/rimborsi/:id/:action", h.need("cassa"), h.staffCreditDecide)
	h.staffISEERoutes(staff)                     // tariffs by ISEE (staff_isee*.go, staff_tariffs.go)
	staff.GET("/sicurezza", h.staffSecurityShow) // staff_security.go: own second factor, recovery codes
	staff.POST("/sicurezza/codici-recupero", h.staffRecoveryCodesCreate)
	h.staffDocumentRoutes(staff) // certificates and messages (document_routes.go)
	// menus, dishes, allergens, "Menù — da verificare" (menu_routes.go)
	h.staffMenuRoutes(staff, viewAs)
	h.staffEnrolRoutes(staff) // Iscrizioni: windows, queue, decisions (staff_enrol_*.go)

	admin := staff.Group("/impostazioni", h.requireAdmin)
	h.staffPagoPARoutes(staff, admin) // staff_pagopa*.go
	h.staffDietRoutes(staff, admin)   // diet requests (diet_routes.go)
	admin.GET("", h.staffSettings)
	admin.POST("", h.staffSettingsSave)
	admin.GET("/operatori", h.staffMembers)
	admin.GET("/anno", h.staffRollover) // staff_rollover.go: the year-end rollover
	admin.GET("/anno/anteprima", h.staffRolloverPreview)
	admin.POST("/anno/esegui", h.staffRolloverRun)
	admin.POST("/anno/scuole/:id", h.staffRolloverSchool)
	admin.POST("/operatori", h.staffMemberCreate)
	admin.POST("/operatori/:acc", h.staffMemberSave)
	admin.GET("/avvisi", h.staffAlerts) // staff_alerts.go
	admin.POST("/avvisi", h.staffAlertsSave)
	admin.POST("/avvisi/app-io", h.staffAppIOSave)
	admin.POST("/operatori/:acc/ruolo", h.staffMemberRole)
	admin.POST("/operatori/:acc/permessi", h.staffMemberPermissions)
}
