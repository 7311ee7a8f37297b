package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Staff pages still being written answer 404 meanwhile.
func (h *Handler) staffTODO(c *gin.Context) { h.renderError(c, http.StatusNotFound, nil) }

func (h *Handler) staffChildNew(c *gin.Context)       { h.staffTODO(c) }
func (h *Handler) staffChildSave(c *gin.Context)      { h.staffTODO(c) }
func (h *Handler) staffChildShow(c *gin.Context)      { h.staffTODO(c) }
func (h *Handler) staffGuardianAdd(c *gin.Context)    { h.staffTODO(c) }
func (h *Handler) staffGuardianRemove(c *gin.Context) { h.staffTODO(c) }
func (h *Handler) staffEnrollmentAdd(c *gin.Context)  { h.staffTODO(c) }
func (h *Handler) staffRegister(c *gin.Context)       { h.staffTODO(c) }
func (h *Handler) staffRegisterSave(c *gin.Context)   { h.staffTODO(c) }
func (h *Handler) staffRegisterMark(c *gin.Context)   { h.staffTODO(c) }
func (h *Handler) staffAuditList(c *gin.Context)      { h.staffTODO(c) }
func (h *Handler) staffImportShow(c *gin.Context)     { h.staffTODO(c) }
func (h *Handler) staffImportSubmit(c *gin.Context)   { h.staffTODO(c) }
func (h *Handler) staffCatalogue(c *gin.Context)      { h.staffTODO(c) }
func (h *Handler) staffCatalogueAdd(c *gin.Context)   { h.staffTODO(c) }
func (h *Handler) staffSettings(c *gin.Context)       { h.staffTODO(c) }
func (h *Handler) staffSettingsSave(c *gin.Context)   { h.staffTODO(c) }
