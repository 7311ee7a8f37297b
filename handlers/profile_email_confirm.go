package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
)

// EmailConfirmView asks to confirm a new e-mail address: the link only
// shows the page (mail scanners open links), the button applies it.
type EmailConfirmView struct {
	Base
	NewValue string
	Token    string
	Invalid  bool
}

// contactByToken is the open e-mail change of the link, of the signed-in
// account only (a link opened in another profile's session is invalid).
func (h *Handler) contactByToken(c *gin.Context) (*db.ContactChange, error) {
	inst := installation(c)
	ch, err := h.store.ContactChangeByToken(c.Request.Context(), inst.ID, delivery.TokenHash(c.Param("token")))
	if err != nil {
		return nil, err
	}
	if ch.AccountID != currentAccount(c).ID || ch.Channel != "email" {
		return nil, db.ErrNotFound
	}
	return ch, nil
}

func (h *Handler) profileEmailConfirmShow(c *gin.Context) {
	v := EmailConfirmView{Base: h.base(c), Token: c.Param("token")}
	v.Nav = "profile"
	ch, err := h.contactByToken(c)
	switch {
	case errors.Is(err, db.ErrNotFound):
		v.Invalid = true
		h.render(c, http.StatusNotFound, "profile_confirm", v)
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.NewValue = ch.NewValue
	h.render(c, http.StatusOK, "profile_confirm", v)
}

func (h *Handler) profileEmailConfirmSubmit(c *gin.Context) {
	ch, err := h.contactByToken(c)
	switch {
	case errors.Is(err, db.ErrNotFound):
		v := EmailConfirmView{Base: h.base(c), Invalid: true}
		v.Nav = "profile"
		h.render(c, http.StatusNotFound, "profile_confirm", v)
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.applyContactChange(c, ch.ID, "profile.email.saved")
}
