package handlers

import "github.com/gin-gonic/gin"

// documentRoutes mounts the 730 certificate and the messages from the
// Comune in the family area (auth) and the public verification page of a
// certificate (inst).
func (h *Handler) documentRoutes(inst, auth *gin.RouterGroup) {
	inst.GET("/verifica", h.certificateVerify) // certificate_verify.go
	inst.GET("/verifica/:code", h.certificateVerify)
	auth.GET("/attestazioni", h.certificateList) // certificate_list.go
	auth.GET("/attestazioni/:year", h.certificateShow)
	auth.GET("/attestazioni/:year/pdf", h.certificatePDF)
	auth.GET("/messaggi", h.messagesList) // messages_list.go
	auth.GET("/messaggi/:msg", h.messageShow)
}

// staffDocumentRoutes mounts the office's pages of the certificates and of
// the messages to families.
func (h *Handler) staffDocumentRoutes(staff *gin.RouterGroup) {
	staff.GET("/attestazioni", h.staffCertificates) // staff_certificates.go
	staff.POST("/attestazioni", h.need("comunicazioni"), h.staffCertificateRunStart)
	staff.POST("/attestazioni/dati-comune", h.need("comunicazioni"), h.staffCertificateSettings)
	staff.GET("/attestazioni/elaborazioni/:id", h.staffCertificateRun) // staff_certificate_run.go
	staff.GET("/attestazioni/elaborazioni/:id/attestazioni.zip", h.staffCertificateZip)
	staff.POST("/attestazioni/elaborazioni/:id/riprendi", h.need("comunicazioni"), h.staffCertificateRunResume)
	staff.GET("/messaggi", h.staffMessages) // staff_messages.go
	staff.POST("/messaggi", h.need("comunicazioni"), h.staffMessageSubmit)
	staff.GET("/messaggi/:id", h.staffMessageShow) // staff_message_show.go
}

// viewAsDocumentRoutes: staff reading as a family see its messages (left
// unread) and its certificates (as issued, never issuing one).
func (h *Handler) viewAsDocumentRoutes(viewAs *gin.RouterGroup) {
	viewAs.GET("/messaggi", h.messagesList)
	viewAs.GET("/messaggi/:msg", h.messageShow)
	viewAs.GET("/attestazioni", h.certificateList)
	viewAs.GET("/attestazioni/:year", h.certificateShow)
	viewAs.GET("/attestazioni/:year/pdf", h.certificatePDF)
}
