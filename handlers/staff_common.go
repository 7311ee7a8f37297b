package handlers

import (
	"crypto/rand"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/lib/pq"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
)

// Staff area: shared pieces of the /{inst}/operatori/... pages.
const (
	keySecondFactor = "staff_2fa"     // session: the staff account gave its TOTP code
	ctxPendingStaff = "pending_staff" // password given, code not yet
	maxImportBytes  = 4 << 20         // CSV of the registry
)

// StaffBase is the view data of every staff page.
type StaffBase struct {
	Base
	Admin   bool
	Section string // sub-navigation item
	Errors  map[string]string
	Token   string // idempotency token of the forms of the page
}

func (h *Handler) staffBase(c *gin.Context, section string) StaffBase {
	b := StaffBase{Base: h.base(c), Section: section, Errors: map[string]string{}, Token: rand.Text()}
	b.Nav = "staff"
	b.Admin = b.Account != nil && b.Account.Role == "admin"
	return b
}

// requireAdmin refuses staff that is not the installation's administrator.
func (h *Handler) requireAdmin(c *gin.Context) {
	if acc := currentAccount(c); acc == nil || acc.Role != "admin" {
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	c.Next()
}

// staffAudit records a staff action (never a secret in detail).
func (h *Handler) staffAudit(c *gin.Context, action, outcome string, detail map[string]any) {
	h.audit(c, *staffAuditEvent(c, action, outcome, detail))
}

// staffAuditEvent is the event staffAudit writes, for a store method that
// writes it in its own transaction (an office decision).
func staffAuditEvent(c *gin.Context, action, outcome string, detail map[string]any) *db.AuditEvent {
	e := db.AuditEvent{InstallationID: installation(c).ID, Action: action, Outcome: outcome, Detail: detail, IP: c.ClientIP()}
	if acc := currentAccount(c); acc != nil {
		e.AccountID, e.Actor = acc.ID, acc.Username
	}
	return &e
}

// staffName is how staff appear to parents as the recorder of a day.
func staffName(acc *db.Account) string {
	if acc.DisplayName != "" {
		return acc.DisplayName
	}
	return acc.Username
}

// checkFiscalCode normalises and validates a codice fiscale; the message
// key of the error, or "".
func checkFiscalCode(s string) (string, string) {
	cf := codicefiscale.Normalize(s)
	if cf == "" {
		return cf, "staff.error.cf_required"
	}
	norm, err := codicefiscale.Validate(cf)
	if err != nil {
		return cf, "staff.error.cf_invalid"
	}
	return norm, ""
}

// isFKViolation: a referenced row (school, service, diet) does not exist.
func isFKViolation(err error) bool {
	var pqe *pq.Error
	return errors.As(err, &pqe) && pqe.Code == "23503"
}

// need refuses a change to staff without the permission (db.StaffPermissions);
// administrators may do everything, and reading needs none.
func (h *Handler) need(permission string) gin.HandlerFunc {
	return func(c *gin.Context) {
		acc := currentAccount(c)
		if acc == nil {
			h.renderError(c, http.StatusForbidden, nil)
			return
		}
		if acc.Role != "admin" {
			ok, err := h.store.HasPermission(c.Request.Context(), installation(c).ID, acc.ID, permission)
			if err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
			if !ok {
				h.staffAudit(c, "permission_denied", permission, map[string]any{"path": c.FullPath()})
				h.renderError(c, http.StatusForbidden, nil)
				return
			}
		}
		c.Next()
	}
}
