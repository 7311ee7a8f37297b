package handlers

import (
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/appio"
)

// StaffAlertsView is the administrators' section of the alerts: the
// Comune's default alerts and its App IO service key.
type StaffAlertsView struct {
	StaffBase
	Form    AlertsForm
	IO      *db.AppIOService // nil: none set
	Sealing bool             // GENITORI_SECRET_KEY set: the key is sealed
	Demo    bool             // the local emulator stands in for App IO
}

func (h *Handler) staffAlertsView(c *gin.Context) (StaffAlertsView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffAlertsView{StaffBase: h.staffBase(c, "settings"), Sealing: h.cfg.SecretKey != "", Demo: h.cfg.AppIO.Demo}
	s, err := h.store.AlertDefaults(ctx, inst.ID)
	if err != nil {
		return v, err
	}
	v.Form = newAlertsForm(v.Base, "/"+inst.Code+"/operatori/impostazioni/avvisi", s)
	v.Form.Staff, v.Form.Errors = true, v.Errors
	v.IO, err = h.store.AppIOServiceOf(ctx, inst.ID)
	if errors.Is(err, db.ErrNotFound) {
		v.IO, err = nil, nil
	}
	return v, err
}

func (h *Handler) staffAlerts(c *gin.Context) {
	v, err := h.staffAlertsView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_alerts", v)
}

// staffAlertsSave stores the Comune's default alerts.
func (h *Handler) staffAlertsSave(c *gin.Context) {
	inst := installation(c)
	v, err := h.staffAlertsView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Form.read(c)
	if len(v.Form.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "staff_alerts", v)
		return
	}
	if err := h.store.SaveAlertDefaults(c.Request.Context(), inst.ID, v.Form.S); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	s := v.Form.S
	h.staffAudit(c, "alert_defaults_update", "success", map[string]any{"low": s.LowEnabled, "mode": s.LowMode, "amount_cents": s.LowAmountCents,
		"meals": s.LowMeals, "debt": s.DebtEnabled, "email": s.ViaEmail, "sms": s.ViaSMS, "appio": s.ViaAppIO, "quiet_start": s.QuietStart, "quiet_end": s.QuietEnd, "reminder": s.ReminderEnabled})
	h.flashRedirect(c, v.T("staff.alerts.saved"), "/"+inst.Code+"/operatori/impostazioni/avvisi")
}

// An IO service key is a 32-character hexadecimal API Management key.
var ioKeyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// staffAppIOSave sets (sealed) or removes the Comune's IO service key; the
// audit log names the change, never the key.
func (h *Handler) staffAppIOSave(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	if c.PostForm("azione") == "rimuovi" {
		if err := h.store.SetAppIOService(ctx, inst.ID, "", "", acc.ID); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		h.staffAudit(c, "appio_key_remove", "success", nil)
		h.flashRedirect(c, tr(c, "staff.appio.removed"), "/"+inst.Code+"/operatori/impostazioni/avvisi")
		return
	}
	key := strings.ToLower(strings.TrimSpace(c.PostForm("appio_key")))
	if !ioKeyRE.MatchString(key) {
		v, err := h.staffAlertsView(c)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Errors["appio_key"] = v.T("staff.appio.error.key") // the key typed is not shown back
		h.staffAudit(c, "appio_key_set", "invalid", nil)
		h.render(c, http.StatusUnprocessableEntity, "staff_alerts", v)
		return
	}
	sealer, err := appio.NewKeySealer(h.cfg.SecretKey)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	sealed, err := sealer.Seal(key, inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if err := h.store.SetAppIOService(ctx, inst.ID, sealed, key[len(key)-4:], acc.ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "appio_key_set", "success", map[string]any{"sealed": sealer.Sealing(), "ends_with": key[len(key)-4:]})
	h.flashRedirect(c, tr(c, "staff.appio.saved"), "/"+inst.Code+"/operatori/impostazioni/avvisi")
}
