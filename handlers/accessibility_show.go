package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (h *Handler) accessibilityShow(c *gin.Context) {
	h.render(c, http.StatusOK, "accessibility", h.base(c))
}
