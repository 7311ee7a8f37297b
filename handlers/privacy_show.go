package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (h *Handler) privacyShow(c *gin.Context) {
	h.render(c, http.StatusOK, "privacy", h.base(c))
}
