package handlers

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/password"
)

func (h *Handler) passwordSubmit(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	if err := c.Request.ParseForm(); err != nil {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	v := h.passwordView(c)
	current, pw, confirm := c.PostForm("current"), c.PostForm("password"), c.PostForm("confirm")

	if v.NeedCurrent {
		ok := false
		if current == "" {
			v.Errors["current"] = v.T("password.current_required")
		} else if ok, _ = password.Verify(current, acc.PasswordHash.String); !ok {
			v.Errors["current"] = v.T("password.current_wrong")
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "password_change", Outcome: "failure",
				Detail: map[string]any{"reason": "current password wrong"}})
		}
	}
	policy := password.Policy{Min: inst.PasswordMin, Max: inst.PasswordMax}
	for _, p := range policy.Check(pw, confirm, acc.Username) {
		field := "password"
		if p.Key == "password.mismatch" {
			field = "confirm"
		}
		if _, taken := v.Errors[field]; !taken {
			if p.Arg != 0 {
				v.Errors[field] = v.T(p.Key, p.Arg)
			} else {
				v.Errors[field] = v.T(p.Key)
			}
		}
	}
	if _, bad := v.Errors["password"]; !bad && acc.PasswordHash.Valid {
		if same, _ := password.Verify(pw, acc.PasswordHash.String); same {
			v.Errors["password"] = v.T("password.same_as_old")
		}
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "password", v)
		return
	}
	hash, err := password.Hash(pw)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	sess := sessions.Default(c)
	// the change, the end of the other sessions and the notice (no secret) in one transaction
	notice := func(ctx context.Context, tx *sql.Tx) error {
		return h.enqueue.Notice(ctx, tx, delivery.NoticeArgs{InstallationID: inst.ID, AccountID: acc.ID, ChangedAt: time.Now()})
	}
	if err := h.store.SetPassword(ctx, inst.ID, acc.ID, hash, tokenHash(sess.ID()), notice); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "password_change", Outcome: "success",
		Detail: map[string]any{"forced": v.Forced}})
	sess.AddFlash(v.T("password.saved"))
	if err := sess.Save(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	redirect(c, homeOf(inst, acc))
}
