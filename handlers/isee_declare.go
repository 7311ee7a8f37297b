package handlers

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/money"
)

// maxISEECents bounds the value a family can type (10 million euros): a
// typo guard, far above any band.
const maxISEECents = 10_000_000_00

// dsuProtocol is the INPS protocol of the DSU as printed on the ISEE
// certificate: INPS-ISEE-2026-000123456-00.
var dsuProtocol = regexp.MustCompile(`^INPS-ISEE-(\d{4})-(\d{9})-(\d{2})$`)

// dsuSeparators are what people type between the parts instead of a dash.
var dsuSeparators = regexp.MustCompile(`[\s_\x{2010}-\x{2015}/.]+|-{2,}`)

// normalizeDSU reads a DSU protocol loosely: any case, spaces, underscores,
// long dashes, slashes or dots between the parts; "" when it is not one.
// The year must be plausible: from 2015 (the ISEE reform) to next year.
func normalizeDSU(s string, today time.Time) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = dsuSeparators.ReplaceAllString(s, "-")
	s = strings.Trim(s, "-")
	m := dsuProtocol.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	if y, _ := strconv.Atoi(m[1]); y < 2015 || y > today.Year()+1 {
		return ""
	}
	return s
}

// iseeDeclare records the paying adult's ISEE as "dichiarata": the office
// verifies it; until then the tariff does not change.
func (h *Handler) iseeDeclare(c *gin.Context) {
	inst, acc := installation(c), currentAccount(c)
	v, err := h.iseeView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v == nil {
		return
	}
	if !v.Payer || viewAsAdult(c) != nil {
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	v.Form = ISEEForm{Value: truncate(formText(c, "isee"), 20), Protocol: truncate(formText(c, "dsu"), 40), Expiry: truncate(formText(c, "scadenza"), 10)}
	cents, ok := parseISEE(v.Form.Value)
	switch {
	case v.Form.Value == "":
		v.Errors["isee"] = v.T("isee.error.value_missing")
	case !ok || cents < 0 || cents > maxISEECents:
		v.Errors["isee"] = v.T("isee.error.value")
	}
	dsu := normalizeDSU(v.Form.Protocol, v.Today)
	switch {
	case v.Form.Protocol == "":
		v.Errors["dsu"] = v.T("isee.error.dsu_missing")
	case dsu == "":
		v.Errors["dsu"] = v.T("isee.error.dsu")
	}
	expiry, ok := parseDay(v.Form.Expiry)
	latest := time.Date(v.Today.Year()+1, time.December, 31, 0, 0, 0, 0, time.UTC)
	switch {
	case v.Form.Expiry == "":
		v.Errors["scadenza"] = v.T("isee.error.expiry_missing")
	case !ok:
		v.Errors["scadenza"] = v.T("isee.error.expiry")
	case expiry.Before(v.Today):
		v.Errors["scadenza"] = v.T("isee.error.expired", v.Date(expiry))
	case expiry.After(latest):
		v.Errors["scadenza"] = v.T("isee.error.expiry_far", v.Date(latest))
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "isee", v)
		return
	}
	id, err := h.store.DeclareISEE(c.Request.Context(), db.ISEEDeclaration{InstallationID: inst.ID, AdultID: acc.AdultID.Int64, ISEECents: cents,
		DSUProtocol: dsu, ExpiresOn: expiry, DeclaredBy: acc.ID}, acc.Username, c.ClientIP())
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.flashRedirect(c, v.T("isee.sent", id), "/"+inst.Code+"/famiglia/isee")
}

// thousandsOnly is an amount written with dots between thousands and no
// decimals: "12.000", "1.234.567".
var thousandsOnly = regexp.MustCompile(`^\d{1,3}(\.\d{3})+$`)

// parseISEE reads an ISEE value in euros. Unlike other amounts, "12.000"
// is twelve thousand euros: that is how the value is printed on the ISEE
// certificate, and no ISEE is written with three decimals.
func parseISEE(s string) (int64, bool) {
	t := strings.ReplaceAll(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "€")), " ", "")
	if thousandsOnly.MatchString(t) {
		t = strings.ReplaceAll(t, ".", "")
	}
	return money.Parse(t)
}
