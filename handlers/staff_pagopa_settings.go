package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/lib/pq"

	"portalegenitori/db"
	"portalegenitori/internal/money"
)

// StaffPagoPASettingsView is the administrator's pagoPA connection: the
// Comune's creditor data, the partner's endpoints and key, the amounts a
// parent may top up, and whether the Comune bills before or after the month.
type StaffPagoPASettingsView struct {
	StaffBase
	S         db.PagoPASettings
	Min, Max  string // as typed
	Presets   string
	HasKey    bool // a key is stored (never shown)
	KeySealed bool // GENITORI_SECRET_KEY is set: the key is encrypted at rest
	Demo      bool
}

func (h *Handler) staffPagoPASettings(c *gin.Context) {
	st, err := h.store.PagoPASettingsOf(c.Request.Context(), installation(c).ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := StaffPagoPASettingsView{StaffBase: h.staffBase(c, "settings"), S: *st, HasKey: st.APIKeySealed != "",
		KeySealed: h.billing.KeySealed(), Demo: h.cfg.PagoPA.DemoEmulator}
	v.Min, v.Max = money.Decimal(st.MinCents, true), money.Decimal(st.MaxCents, true)
	v.Presets = presetsText(st.PresetsCents)
	h.render(c, http.StatusOK, "staff_pagopa_settings", v)
}

func presetsText(list []int64) string {
	parts := make([]string, len(list))
	for i, p := range list {
		parts[i] = strings.TrimSuffix(money.Decimal(p, true), ",00")
	}
	return strings.Join(parts, "; ")
}

var (
	reCreditor = regexp.MustCompile(`^[0-9]{11}$`)
	reSegr     = regexp.MustCompile(`^[0-9]{2}$`)
	reIBAN     = regexp.MustCompile(`^IT[0-9]{2}[A-Z][0-9]{10}[0-9A-Z]{12}$`)
)

func (h *Handler) staffPagoPASettingsSave(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	old, err := h.store.PagoPASettingsOf(ctx, inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := StaffPagoPASettingsView{StaffBase: h.staffBase(c, "settings"), S: *old, HasKey: old.APIKeySealed != "",
		KeySealed: h.billing.KeySealed(), Demo: h.cfg.PagoPA.DemoEmulator}
	s := &v.S
	s.Enabled = c.PostForm("enabled") == "1"
	s.CreditorFiscalCode = formText(c, "creditor_fiscal_code")
	s.SegregationCode = formText(c, "segregation_code")
	s.IBAN = strings.ToUpper(strings.ReplaceAll(formText(c, "iban"), " ", ""))
	s.GPDBaseURL = strings.TrimRight(formText(c, "gpd_base_url"), "/")
	s.CheckoutBaseURL = strings.TrimRight(formText(c, "checkout_base_url"), "/")
	s.Billing = c.PostForm("billing")
	v.Min, v.Max, v.Presets = truncate(formText(c, "min"), 20), truncate(formText(c, "max"), 20), truncate(formText(c, "presets"), 100)
	if s.CreditorFiscalCode != "" && !reCreditor.MatchString(s.CreditorFiscalCode) {
		v.Errors["pp-creditor_fiscal_code"] = v.T("pagopa.settings.error.creditor")
	}
	if s.SegregationCode != "" && !reSegr.MatchString(s.SegregationCode) {
		v.Errors["pp-segregation_code"] = v.T("pagopa.settings.error.segregation")
	}
	for _, iban := range strings.Split(s.IBAN, ",") {
		if iban != "" && !reIBAN.MatchString(iban) {
			v.Errors["pp-iban"] = v.T("pagopa.settings.error.iban")
		}
	}
	for name, u := range map[string]string{"gpd_base_url": s.GPDBaseURL, "checkout_base_url": s.CheckoutBaseURL} {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || p.Scheme != "https" || p.Host == "" {
			v.Errors["pp-"+name] = v.T("pagopa.settings.error.url")
		}
	}
	if (s.GPDBaseURL == "") != (s.CheckoutBaseURL == "") {
		v.Errors["pp-checkout_base_url"] = v.T("pagopa.settings.error.both_urls")
	}
	if s.Enabled && (s.CreditorFiscalCode == "" || s.SegregationCode == "" || s.IBAN == "") {
		v.Errors["pp-enabled"] = v.T("pagopa.settings.error.incomplete")
	}
	if s.Enabled && s.GPDBaseURL == "" && !h.cfg.PagoPA.DemoEmulator {
		v.Errors["pp-gpd_base_url"] = v.T("pagopa.settings.error.no_url")
	}
	var ok1, ok2 bool
	s.MinCents, ok1 = money.Parse(v.Min)
	s.MaxCents, ok2 = money.Parse(v.Max)
	if !ok1 || !ok2 || s.MinCents <= 0 || s.MaxCents < s.MinCents || s.MaxCents > 100000000 {
		v.Errors["pp-min"] = v.T("pagopa.settings.error.bounds")
	}
	s.PresetsCents = pq.Int64Array{}
	for _, p := range strings.FieldsFunc(v.Presets, func(r rune) bool { return r == ';' || r == ' ' }) {
		n, ok := money.Parse(p)
		if !ok || n < s.MinCents || n > s.MaxCents || len(s.PresetsCents) >= 6 {
			v.Errors["pp-presets"] = v.T("pagopa.settings.error.presets")
			break
		}
		s.PresetsCents = append(s.PresetsCents, n)
	}
	if s.Billing != "before" && s.Billing != "after" {
		v.Errors["pp-billing"] = v.T("pagopa.settings.error.billing")
	}
	days, err := strconv.Atoi(c.PostForm("notice_days"))
	if err != nil || days < 1 || days > 365 {
		v.Errors["pp-notice_days"] = v.T("pagopa.settings.error.days")
	} else {
		s.NoticeDays = days
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "staff_pagopa_settings", v)
		return
	}
	s.APIKeySealed = ""
	keyChanged := false
	if key := strings.TrimSpace(c.PostForm("api_key")); key != "" {
		if s.APIKeySealed, err = h.billing.SealKey(inst.ID, key); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		keyChanged = true
	}
	if err := h.store.SavePagoPASettings(ctx, s, currentAccount(c).ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "pagopa_settings_update", "success", map[string]any{"changed": changedPagoPA(old, s, keyChanged)})
	h.flashRedirect(c, v.T("staff.saved"), "/"+inst.Code+"/operatori/impostazioni/pagopa")
}

// changedPagoPA names the settings that changed (the key by name only).
func changedPagoPA(a, b *db.PagoPASettings, key bool) []string {
	var out []string
	add := func(changed bool, name string) {
		if changed {
			out = append(out, name)
		}
	}
	add(a.Enabled != b.Enabled, "enabled")
	add(a.CreditorFiscalCode != b.CreditorFiscalCode, "creditor_fiscal_code")
	add(a.SegregationCode != b.SegregationCode, "segregation_code")
	add(a.IBAN != b.IBAN, "iban")
	add(a.GPDBaseURL != b.GPDBaseURL, "gpd_base_url")
	add(a.CheckoutBaseURL != b.CheckoutBaseURL, "checkout_base_url")
	add(key, "api_key")
	add(a.MinCents != b.MinCents || a.MaxCents != b.MaxCents, "amount_bounds")
	add(presetsText(a.PresetsCents) != presetsText(b.PresetsCents), "presets")
	add(a.Billing != b.Billing, "billing")
	add(a.NoticeDays != b.NoticeDays, "notice_days")
	return out
}

// ppFieldData is one text box of the pagoPA settings.
type ppFieldData struct {
	Name, Label, Hint, Value, Type, Error, Prefix string
}

// PPField builds a text box of the page (template "pp-text").
func (v StaffPagoPASettingsView) PPField(name, value, typ string) ppFieldData {
	f := ppFieldData{Name: name, Label: v.T("pagopa.settings." + name), Value: value, Type: typ,
		Error: v.Errors["pp-"+name], Prefix: v.T("common.error_prefix")}
	if h := v.T("pagopa.settings." + name + ".hint"); h != "pagopa.settings."+name+".hint" {
		f.Hint = h
	}
	return f
}
