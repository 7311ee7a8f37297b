package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"portalegenitori/internal/appio/emulator"
)

// AppIOEmulatorView is the page of the local App IO emulator: what each
// codice fiscale received, and the switches of the tests.
type AppIOEmulatorView struct {
	Base
	CF       string
	Messages []emulator.Message
	Switches []emulator.Switch
	Set      string // the codice fiscale whose switch was just set
	Errors   map[string]string
	Switch   emulator.Switch // the switch form, as typed
	FailNext string
}

// StateLabel names a profile state.
func (v AppIOEmulatorView) StateLabel(s string) string { return v.T("appio_emu.state." + s) }

// StatusLabel names a message status.
func (v AppIOEmulatorView) StatusLabel(s string) string { return v.T("appio_emu.status." + s) }

// Field builds a field of the emulator's forms.
func (v AppIOEmulatorView) Field(name, labelKey, value, typ string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, typ, "off")
}

// mountAppIOEmulator serves the local App IO emulator at /_appio/ — only
// with GENITORI_DEMO_APPIO=true: its API at /_appio/api/v1 (where
// GENITORI_APPIO_URL points by default then) and its page.
func (h *Handler) mountAppIOEmulator(r *gin.Engine) {
	if !h.cfg.AppIO.Demo {
		return
	}
	h.log.Warn("GENITORI_DEMO_APPIO=true: the App IO emulator is enabled at /_appio/ (demo only, never in production)")
	em := emulator.New(h.store.DB())
	api := gin.WrapH(em.APIHandler("/_appio/api/v1"))
	r.GET("/_appio/api/v1/*op", api)
	r.POST("/_appio/api/v1/*op", api)
	r.GET("/_appio", func(c *gin.Context) { redirect(c, "/_appio/") })
	r.GET("/_appio/", func(c *gin.Context) {
		v := AppIOEmulatorView{Base: h.base(c), Errors: map[string]string{}, Switch: emulator.Switch{State: emulator.Allowed}, FailNext: "0"}
		v.CF = strings.ToUpper(truncate(strings.TrimSpace(c.Query("cf")), 16))
		v.Set = strings.ToUpper(truncate(c.Query("impostato"), 16))
		h.renderAppIOEmulator(c, http.StatusOK, em, v)
	})
	r.POST("/_appio/interruttori", func(c *gin.Context) {
		v := AppIOEmulatorView{Base: h.base(c), Errors: map[string]string{}}
		v.Switch.FiscalCode = strings.ToUpper(truncate(strings.TrimSpace(c.PostForm("fiscal_code")), 32))
		v.Switch.State = c.PostForm("state")
		v.FailNext = truncate(strings.TrimSpace(c.PostForm("fail_next")), 5)
		n, err := strconv.Atoi(v.FailNext)
		if !emulator.ValidFiscalCode(v.Switch.FiscalCode) {
			v.Errors["fiscal_code"] = v.T("appio_emu.error.cf")
		}
		if err != nil || n < 0 || n > 100 {
			v.Errors["fail_next"] = v.T("appio_emu.error.fail")
		}
		if v.Switch.State != emulator.Blocked && v.Switch.State != emulator.Absent {
			v.Switch.State = emulator.Allowed
		}
		if len(v.Errors) > 0 {
			h.renderAppIOEmulator(c, http.StatusUnprocessableEntity, em, v)
			return
		}
		if err := em.SetSwitch(c.Request.Context(), v.Switch.FiscalCode, v.Switch.State, n); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		redirect(c, "/_appio/?impostato="+url.QueryEscape(v.Switch.FiscalCode))
	})
}

func (h *Handler) renderAppIOEmulator(c *gin.Context, status int, em *emulator.Emulator, v AppIOEmulatorView) {
	ctx := c.Request.Context()
	var err error
	if v.Messages, err = em.Messages(ctx, v.CF, 100); err == nil {
		v.Switches, err = em.Switches(ctx)
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.HideFitForm = true
	h.render(c, status, "appio_emulator", v)
}

// StateChoices are the profile states a switch can set.
func (v AppIOEmulatorView) StateChoices() []string {
	return []string{emulator.Allowed, emulator.Blocked, emulator.Absent}
}
