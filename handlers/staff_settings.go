package handlers

import (
	"bytes"
	"html/template"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffSettingsView is the administrator's settings page, with a preview
// of the login page as the settings would make it.
type StaffSettingsView struct {
	StaffBase
	S       db.Installation
	Preview template.HTML
	Saved   bool
}

// settingBools are the on/off settings, in the order of the page.
var settingBools = []struct {
	Name string
	Get  func(*db.Installation) *bool
}{
	{"login_local", func(i *db.Installation) *bool { return &i.LoginLocal }},
	{"self_registration", func(i *db.Installation) *bool { return &i.SelfRegistration }},
	{"login_spid", func(i *db.Installation) *bool { return &i.LoginSPID }},
	{"login_cie", func(i *db.Installation) *bool { return &i.LoginCIE }},
	{"login_cns", func(i *db.Installation) *bool { return &i.LoginCNS }},
	{"staff_spid", func(i *db.Installation) *bool { return &i.StaffSPID }},
	{"cst_mode", func(i *db.Installation) *bool { return &i.CSTMode }},
	{"password_required", func(i *db.Installation) *bool { return &i.PasswordRequired }},
	{"captcha", func(i *db.Installation) *bool { return &i.Captcha }},
	{"privacy_checkbox", func(i *db.Installation) *bool { return &i.PrivacyCheckbox }},
	{"email_required", func(i *db.Installation) *bool { return &i.EmailRequired }},
	{"mobile_required", func(i *db.Installation) *bool { return &i.MobileRequired }},
	{"lock_registry_contacts", func(i *db.Installation) *bool { return &i.LockRegistryContacts }},
	{"allow_unlinked_accounts", func(i *db.Installation) *bool { return &i.AllowUnlinkedAccounts }},
}

// settingTexts are the text settings: name, kind of check.
var settingTexts = []struct {
	Name, Kind string // Kind: text, url, email, long
	Get        func(*db.Installation) *string
}{
	{"name", "required", func(i *db.Installation) *string { return &i.Name }},
	{"region_label", "text", func(i *db.Installation) *string { return &i.RegionLabel }},
	{"cst_login_url", "url", func(i *db.Installation) *string { return &i.CSTLoginURL }},
	{"cst_registration_url", "url", func(i *db.Installation) *string { return &i.CSTRegistrationURL }},
	{"cst_instructions", "long", func(i *db.Installation) *string { return &i.CSTInstructions }},
	{"cns_software_url", "url", func(i *db.Installation) *string { return &i.CNSSoftwareURL }},
	{"controller_name", "text", func(i *db.Installation) *string { return &i.ControllerName }},
	{"controller_address", "text", func(i *db.Installation) *string { return &i.ControllerAddress }},
	{"controller_email", "email", func(i *db.Installation) *string { return &i.ControllerEmail }},
	{"controller_pec", "email", func(i *db.Installation) *string { return &i.ControllerPEC }},
	{"controller_phone", "text", func(i *db.Installation) *string { return &i.ControllerPhone }},
	{"controller_website", "url", func(i *db.Installation) *string { return &i.ControllerWebsite }},
	{"dpo_email", "email", func(i *db.Installation) *string { return &i.DPOEmail }},
	{"processor_name", "text", func(i *db.Installation) *string { return &i.ProcessorName }},
	{"processor_address", "text", func(i *db.Installation) *string { return &i.ProcessorAddress }},
	{"processor_email", "email", func(i *db.Installation) *string { return &i.ProcessorEmail }},
	{"office_name", "text", func(i *db.Installation) *string { return &i.OfficeName }},
	{"office_hours", "text", func(i *db.Installation) *string { return &i.OfficeHours }},
	{"ipa_code", "text", func(i *db.Installation) *string { return &i.IPACode }},
	{"accessibility_feedback_email", "email", func(i *db.Installation) *string { return &i.AccessibilityFeedbackEmail }},
}

// SettingBool is one checkbox of the page.
type SettingBool struct {
	Name, Label, Hint string
	On                bool
}

// SettingText is one text box of the page.
type SettingText struct {
	Name, Label, Value, Error, Kind string
}

// Bools lists the checkboxes with their values.
func (v StaffSettingsView) Bools() []SettingBool {
	out := make([]SettingBool, len(settingBools))
	for i, b := range settingBools {
		s := v.S
		out[i] = SettingBool{Name: b.Name, Label: v.T("settings." + b.Name), On: *b.Get(&s)}
	}
	return out
}

// Texts lists the text boxes with their values and errors.
func (v StaffSettingsView) Texts() []SettingText {
	out := make([]SettingText, len(settingTexts))
	for i, t := range settingTexts {
		s := v.S
		out[i] = SettingText{Name: t.Name, Label: v.T("settings." + t.Name), Value: *t.Get(&s), Error: v.Errors["set-"+t.Name], Kind: t.Kind}
	}
	return out
}

func (h *Handler) staffSettings(c *gin.Context) {
	v := StaffSettingsView{StaffBase: h.staffBase(c, "settings"), S: *installation(c)}
	v.Preview = h.loginPreview(c, &v.S)
	h.render(c, http.StatusOK, "staff_settings", v)
}

// staffSettingsSave validates every setting; "anteprima" only shows the
// login page as it would be, "salva" stores.
func (h *Handler) staffSettingsSave(c *gin.Context) {
	inst := installation(c)
	v := StaffSettingsView{StaffBase: h.staffBase(c, "settings"), S: *inst}
	s := &v.S
	for _, b := range settingBools {
		*b.Get(s) = c.PostForm(b.Name) == "1"
	}
	for _, t := range settingTexts {
		val := formText(c, t.Name)
		*t.Get(s) = val
		key := "set-" + t.Name
		max := 200
		if t.Kind == "long" {
			max = 2000
		}
		switch {
		case utf8.RuneCountInString(val) > max:
			v.Errors[key] = v.T("settings.error.long", max)
		case t.Kind == "required" && val == "":
			v.Errors[key] = v.T("settings.error.required")
		case t.Kind == "url" && val != "":
			if u, err := url.Parse(val); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				v.Errors[key] = v.T("settings.error.url")
			}
		case t.Kind == "email" && val != "":
			if a, err := mail.ParseAddress(val); err != nil || a.Address != val {
				v.Errors[key] = v.T("staff.error.email")
			}
		}
	}
	var errMin, errMax error
	s.PasswordMin, errMin = strconv.Atoi(c.PostForm("password_min"))
	s.PasswordMax, errMax = strconv.Atoi(c.PostForm("password_max"))
	if errMin != nil || errMax != nil || s.PasswordMin < 8 || s.PasswordMax > 256 || s.PasswordMin > s.PasswordMax {
		v.Errors["set-password_min"] = v.T("settings.error.password_bounds")
	}
	s.DeliveryChannel = c.PostForm("delivery_channel")
	if s.DeliveryChannel != "email" && s.DeliveryChannel != "sms" && s.DeliveryChannel != "both" {
		v.Errors["set-delivery_channel"] = v.T("settings.error.channel")
	}
	if s.CSTMode && s.CSTLoginURL == "" {
		v.Errors["set-cst_login_url"] = v.T("settings.error.cst_url")
	}
	if !s.LoginLocal && !s.LoginSPID && !s.LoginCIE && !s.LoginCNS && !s.CSTMode {
		v.Errors["set-login_local"] = v.T("settings.error.no_method")
	}
	v.Preview = h.loginPreview(c, s)
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "staff_settings", v)
		return
	}
	if c.PostForm("azione") != "salva" {
		h.render(c, http.StatusOK, "staff_settings", v)
		return
	}
	if err := h.store.SaveInstallationSettings(c.Request.Context(), s); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.forgetInstallation(inst.Code) // installation_cache.go; other servers see it within the TTL
	h.staffAudit(c, "settings_update", "success", map[string]any{"changed": changedSettings(inst, s)})
	h.flashRedirect(c, v.T("staff.saved"), "/"+inst.Code+"/operatori/impostazioni")
}

func changedSettings(a, b *db.Installation) []string {
	var out []string
	for _, t := range settingBools {
		if *t.Get(a) != *t.Get(b) {
			out = append(out, t.Name)
		}
	}
	for _, t := range settingTexts {
		if *t.Get(a) != *t.Get(b) {
			out = append(out, t.Name)
		}
	}
	if a.PasswordMin != b.PasswordMin || a.PasswordMax != b.PasswordMax {
		out = append(out, "password_bounds")
	}
	if a.DeliveryChannel != b.DeliveryChannel {
		out = append(out, "delivery_channel")
	}
	return out
}

// loginPreview renders the login page's content as the settings make it,
// for the settings page (shown inert: not a second login form).
func (h *Handler) loginPreview(c *gin.Context, s *db.Installation) template.HTML {
	b := h.base(c)
	b.Inst, b.Account, b.Flash, b.pending = s, nil, "", nil
	v := LoginView{Base: b, Errors: map[string]string{}, Methods: methodsFor(s, b)}
	var buf bytes.Buffer
	if err := h.pages.Render(&buf, "login", "content", v); err != nil {
		h.log.Error("login preview", "err", err)
		return ""
	}
	return template.HTML(buf.String()) // our own template's output
}
