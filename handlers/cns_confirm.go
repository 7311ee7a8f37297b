package handlers

import (
	"crypto/sha256"
	"crypto/x509"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/identity/cns"
)

// CNSConfirmView shows the data read from a card used for the first time
// with an account, and asks the parent to confirm them.
type CNSConfirmView struct {
	Base
	Name       string
	FiscalCode string
	Issuer     string
	NotAfter   time.Time
	Action     string
}

// cnsConfirm finishes a verified card sign-in. A card already confirmed for
// the account of its fiscal code signs in straight away. Otherwise the GET
// shows the data read from the card with "Sì" and "No", as the Regione
// Lombardia page of the manual does, and only the POST of "Sì" signs in and
// remembers the card. That POST reaches cnsSignIn again on the card listener
// (or through the proxy), so the certificate is presented and checked anew:
// the confirmation is bound to the card that is in the reader, and nothing
// about it is kept between the two requests. Cross-origin protection covers
// the POST like any other.
func (h *Handler) cnsConfirm(c *gin.Context, cf string, leaf *x509.Certificate) {
	inst := installation(c)
	sum := sha256.Sum256(leaf.Raw)
	known, err := h.store.CNSCardKnown(c.Request.Context(), inst.ID, cf, sum[:])
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if known {
		h.identitySignIn(c, "cns", cf, nil)
		return
	}
	if c.Request.Method == http.MethodPost { // "Sì": cnsSignIn handled the rest
		h.identitySignInThen(c, "cns", cf, map[string]any{}, func(acc *db.Account) error {
			if err := h.store.RememberCNSCard(c.Request.Context(), inst.ID, acc.ID, sum[:]); err != nil {
				return err
			}
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username,
				Action: "cns_confirm", Outcome: "confirmed", Detail: cns.Describe(leaf)})
			return nil
		})
		return
	}
	holder := cns.HolderOf(leaf)
	v := CNSConfirmView{Base: h.base(c), FiscalCode: cf, Issuer: holder.Issuer, NotAfter: holder.NotAfter,
		Action: "/" + inst.Code + "/cns/entra"}
	v.HideFitForm = true
	v.Name = holder.GivenName
	if holder.Surname != "" {
		if v.Name != "" {
			v.Name += " "
		}
		v.Name += holder.Surname
	}
	c.Header("Cache-Control", "no-store")
	h.render(c, http.StatusOK, "cns_confirm", v)
}
