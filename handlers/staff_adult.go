package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/contact"
	"portalegenitori/internal/money"
)

// StaffAdultView is an adult's card: registry data, children, accounts
// (sign-in history, messages), balance and ledger with the counter forms.
type StaffAdultView struct {
	StaffBase
	Adult    db.Adult
	New      bool
	Children []db.Guardian
	Accounts []StaffAccountCard
	Balance  int64
	Entries  []db.LedgerEntry
	Reversed map[int64]bool
	Pending  int // profiles waiting to be linked to this adult (staff_links.go)
	// the counter form, kept on errors
	Entry EntryForm
}

// StaffAccountCard is one account of the adult.
type StaffAccountCard struct {
	db.Account
	Stale    bool
	History  []db.AuditRow
	Messages []db.Message
}

// EntryForm is the counter form: top-up, refund, adjustment.
type EntryForm struct {
	Kind, Amount, Channel, Receipt, Reason, Direction string
	ChildID                                           int64
}

func (h *Handler) staffAdultNew(c *gin.Context) {
	v := StaffAdultView{StaffBase: h.staffBase(c, "search"), New: true}
	h.render(c, http.StatusOK, "staff_adult", v)
}

func (h *Handler) staffAdultShow(c *gin.Context) {
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	v, err := h.staffAdultView(c, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.render(c, http.StatusOK, "staff_adult", v)
}

func (h *Handler) staffAdultView(c *gin.Context, id int64) (StaffAdultView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffAdultView{StaffBase: h.staffBase(c, "search"), Entry: EntryForm{Kind: db.KindTopUp, Channel: "contanti", Direction: "credit"}}
	a, err := h.store.AdultByID(ctx, inst.ID, id)
	if err != nil {
		return v, err
	}
	v.Adult = *a
	if v.Children, err = h.store.ChildrenOfGuardian(ctx, inst.ID, id); err != nil {
		return v, err
	}
	accs, err := h.store.AccountsOfAdult(ctx, inst.ID, id)
	if err != nil {
		return v, err
	}
	for _, acc := range accs {
		card := StaffAccountCard{Account: acc, Stale: staleLink(&acc, a)}
		if card.History, err = h.store.AuditPage(ctx, inst.ID, db.AuditFilter{AccountID: acc.ID}, 15, 0); err != nil {
			return v, err
		}
		if card.Messages, err = h.store.MessagesOfAccount(ctx, inst.ID, acc.ID); err != nil {
			return v, err
		}
		v.Accounts = append(v.Accounts, card)
	}
	links, err := h.store.PendingLinks(ctx, inst.ID)
	if err != nil {
		return v, err
	}
	for _, r := range links {
		if r.AdultID.Int64 == id {
			v.Pending++
		}
	}
	bal, err := h.store.Balances(ctx, inst.ID, []int64{id})
	if err != nil {
		return v, err
	}
	v.Balance = bal[id]
	if v.Entries, err = h.store.LedgerPage(ctx, inst.ID, db.LedgerFilter{AdultID: id}, 50, 0); err != nil {
		return v, err
	}
	if v.Reversed, err = h.store.ReversedIDs(ctx, inst.ID, id); err != nil {
		return v, err
	}
	return v, nil
}

// staffAdultSave creates or updates an adult. A changed codice fiscale
// leaves the linked accounts stale: they see the "contact the office"
// message until staff relinks them (the page says how many).
func (h *Handler) staffAdultSave(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := optionalIDParam(c, "id")
	if !ok {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	a := db.Adult{InstallationID: inst.ID, ID: id,
		FirstName: formText(c, "first_name"), LastName: formText(c, "last_name"),
		Email: formText(c, "email"), Mobile: strings.ReplaceAll(formText(c, "mobile"), " ", "")}
	base := h.staffBase(c, "search")
	errs := personErrors(base, a.FirstName, a.LastName)
	var cfErr string
	a.FiscalCode, cfErr = checkFiscalCode(c.PostForm("fiscal_code"))
	if cfErr != "" {
		errs["fiscal_code"] = base.T(cfErr)
	}
	if a.Email != "" {
		if !contact.ValidEmail(a.Email) {
			errs["email"] = base.T("staff.error.email")
		}
	}
	if a.Mobile != "" && !contact.ValidMobile(a.Mobile) {
		errs["mobile"] = base.T("staff.error.mobile")
	}
	var before *db.Adult
	if id != 0 {
		var err error
		if before, err = h.store.AdultByID(ctx, inst.ID, id); err != nil {
			h.notFoundOr(c, err)
			return
		}
	}
	if len(errs) == 0 {
		newID, stale, err := h.store.SaveAdult(ctx, a)
		switch {
		case errors.Is(err, db.ErrFiscalCodeTaken):
			errs["fiscal_code"] = base.T("staff.error.cf_taken")
		case err != nil:
			h.notFoundOr(c, err)
			return
		default:
			detail := map[string]any{"adult": newID}
			if before != nil {
				detail["changed"] = changedFields(map[string][2]string{
					"fiscal_code": {before.FiscalCode, a.FiscalCode}, "first_name": {before.FirstName, a.FirstName},
					"last_name": {before.LastName, a.LastName}, "email": {before.Email, a.Email}, "mobile": {before.Mobile, a.Mobile}})
				detail["stale_accounts"] = stale
			}
			action := "registry_adult_update"
			if id == 0 {
				action = "registry_adult_create"
			}
			h.staffAudit(c, action, "success", detail)
			msg := base.T("staff.saved")
			if stale > 0 {
				msg = base.T("staff.adult.cf_changed", stale)
			}
			h.flashRedirect(c, msg, fmt.Sprintf("/%s/operatori/adulti/%d", inst.Code, newID))
			return
		}
	}
	h.staffAdultInvalid(c, base, id, errs, func(v *StaffAdultView) {
		v.Adult.FirstName, v.Adult.LastName, v.Adult.FiscalCode, v.Adult.Email, v.Adult.Mobile = a.FirstName, a.LastName, a.FiscalCode, a.Email, a.Mobile
	})
}

// staffAdultInvalid answers 422 with the adult's card showing errs (for id
// 0, the new-adult form on base); keep, if not nil, puts the submitted
// values back into the form.
func (h *Handler) staffAdultInvalid(c *gin.Context, base StaffBase, id int64, errs map[string]string, keep func(*StaffAdultView)) {
	v := StaffAdultView{StaffBase: base, New: true}
	if id != 0 {
		var err error
		if v, err = h.staffAdultView(c, id); err != nil {
			h.notFoundOr(c, err)
			return
		}
	}
	v.Errors = errs
	if keep != nil {
		keep(&v)
	}
	h.render(c, http.StatusUnprocessableEntity, "staff_adult", v)
}

func personErrors(b StaffBase, first, last string) map[string]string {
	errs := map[string]string{}
	if first == "" || utf8.RuneCountInString(first) > 80 {
		errs["first_name"] = b.T("staff.error.first_name")
	}
	if last == "" || utf8.RuneCountInString(last) > 80 {
		errs["last_name"] = b.T("staff.error.last_name")
	}
	return errs
}

// changedFields lists the fields whose value changed, with both values
// (registry data, no secret).
func changedFields(f map[string][2]string) map[string][2]string {
	out := map[string][2]string{}
	for k, v := range f {
		if v[0] != v[1] {
			out[k] = v
		}
	}
	return out
}

func (h *Handler) flashRedirect(c *gin.Context, msg, target string) {
	sess := sessions.Default(c)
	sess.AddFlash(msg)
	if err := sess.Save(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	redirect(c, target)
}

// staffEntryAdd records a top-up at the counter (cash, POS, with the receipt
// number), a refund or an adjustment (with a mandatory reason). The form's
// token is the idempotency key: a double submission records one entry.
func (h *Handler) staffEntryAdd(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	acc := currentAccount(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	f := EntryForm{Kind: formText(c, "kind"), Amount: formText(c, "amount"), Channel: formText(c, "channel"),
		Receipt: formText(c, "receipt"), Reason: formText(c, "reason"), Direction: formText(c, "direction"), ChildID: formID(c, "child")}
	token := formText(c, "token")
	base := h.staffBase(c, "search")
	errs := map[string]string{}
	cents, okAmount := money.Parse(f.Amount)
	if !okAmount || cents <= 0 || cents > 100000000 {
		errs["amount"] = base.T("staff.error.amount")
	}
	ne := db.NewEntry{InstallationID: inst.ID, AdultID: id, Kind: f.Kind, EntryDate: today(), CreatedBy: &acc.ID,
		Reason: truncate(f.Reason, 300), IdempotencyKey: "staff:" + token}
	switch f.Kind {
	case db.KindTopUp:
		ne.AmountCents = cents
		if f.Channel != "contanti" && f.Channel != "POS" && f.Channel != "bonifico" {
			errs["channel"] = base.T("staff.error.channel")
		}
		ne.Channel = f.Channel
		if f.Receipt == "" || utf8.RuneCountInString(f.Receipt) > 40 {
			errs["receipt"] = base.T("staff.error.receipt")
		}
		ne.ReceiptRef = f.Receipt
	case db.KindRefund, db.KindAdjustment:
		ne.AmountCents = cents
		if f.Kind == db.KindAdjustment && f.Direction == "debit" {
			ne.AmountCents = -cents
		}
		if f.Reason == "" {
			errs["reason"] = base.T("staff.error.reason")
		}
	default:
		errs["kind"] = base.T("staff.error.kind")
	}
	if len(token) < 20 || len(token) > 40 {
		errs["amount"] = base.T("error.badrequest.body")
	}
	if f.ChildID != 0 {
		kids, err := h.store.ChildrenOfGuardian(ctx, inst.ID, id)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		found := false
		for _, k := range kids {
			found = found || k.ChildID == f.ChildID
		}
		if !found {
			errs["child"] = base.T("staff.error.child")
		}
		ne.ChildID = &f.ChildID
	}
	if _, err := h.store.AdultByID(ctx, inst.ID, id); err != nil {
		h.notFoundOr(c, err)
		return
	}
	if len(errs) == 0 {
		entryID, created, err := h.store.AddEntry(ctx, ne)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if created {
			h.staffAudit(c, "ledger_entry", "success", map[string]any{"adult": id, "entry": entryID, "kind": ne.Kind,
				"amount_cents": ne.AmountCents, "channel": ne.Channel, "receipt": ne.ReceiptRef, "reason": ne.Reason})
		}
		h.flashRedirect(c, base.T("staff.entry.saved"), fmt.Sprintf("/%s/operatori/adulti/%d#movimenti", inst.Code, id))
		return
	}
	h.staffAdultInvalid(c, base, id, errs, func(v *StaffAdultView) { v.Entry = f })
}

// staffEntryReverse reverses an entry: never deleted, an opposite entry
// with a mandatory reason, at most once.
func (h *Handler) staffEntryReverse(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	acc := currentAccount(c)
	id, ok1 := idParam(c, "id")
	entryID, ok2 := idParam(c, "entry")
	if !ok1 || !ok2 {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	e, err := h.store.EntryByID(ctx, inst.ID, entryID)
	if err != nil || e.AdultID != id {
		h.notFoundOr(c, db.ErrNotFound)
		return
	}
	base := h.staffBase(c, "search")
	reason := truncate(formText(c, "reason"), 300)
	if reason == "" {
		h.staffAdultInvalid(c, base, id, map[string]string{fmt.Sprintf("reason-%d", entryID): base.T("staff.error.reason")}, nil)
		return
	}
	back := fmt.Sprintf("/%s/operatori/adulti/%d#movimenti", inst.Code, id)
	revID, err := h.store.Reverse(ctx, inst.ID, entryID, acc.ID, reason, today())
	switch {
	case errors.Is(err, db.ErrAlreadyReversed):
		h.flashRedirect(c, base.T("staff.entry.already_reversed"), back)
		return
	case err != nil:
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, "ledger_reversal", "success", map[string]any{"adult": id, "entry": entryID, "reversal": revID, "reason": reason})
	h.flashRedirect(c, base.T("staff.entry.reversed"), back)
}

// staffAccountAction: relink ("rigenera"), lock ("blocca"), unlock
// ("sblocca"), start a recovery ("recupero": the parent receives a new
// temporary password or a one-time link through the normal channel, made by
// the delivery job: staff never see it), reset the second factor of a staff
// account ("azzera-codice", administrators only).
func (h *Handler) staffAccountAction(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	me := currentAccount(c)
	accID, ok := h.pathID(c, "acc")
	if !ok {
		return
	}
	acc, err := h.store.AccountByID(ctx, inst.ID, accID)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	base := h.staffBase(c, "search")
	back := fmt.Sprintf("/%s/operatori", inst.Code)
	if acc.AdultID.Valid {
		back = fmt.Sprintf("/%s/operatori/adulti/%d#utenze", inst.Code, acc.AdultID.Int64)
	}
	if acc.IsStaff() {
		back = fmt.Sprintf("/%s/operatori/impostazioni/operatori#operatore-%d", inst.Code, acc.ID)
	}
	// staff accounts are managed by the administrator only
	if acc.IsStaff() && me.Role != "admin" {
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	detail := map[string]any{"account": acc.ID, "username": acc.Username}
	switch c.Param("action") {
	case "rigenera":
		oldCF, newCF, err := h.store.Relink(ctx, inst.ID, acc.ID)
		if errors.Is(err, db.ErrConflict) {
			h.staffAudit(c, "account_relink", "conflict", detail)
			h.flashRedirect(c, base.T("staff.account.relink_conflict"), back)
			return
		}
		if err != nil {
			h.notFoundOr(c, err)
			return
		}
		detail["old_fiscal_code"], detail["new_fiscal_code"] = oldCF, newCF
		h.staffAudit(c, "account_relink", "success", detail)
		h.flashRedirect(c, base.T("staff.account.relinked"), back)
	case "blocca", "sblocca":
		lock := c.Param("action") == "blocca"
		if acc.ID == me.ID {
			h.flashRedirect(c, base.T("staff.account.not_self"), back)
			return
		}
		if acc.IsStaff() {
			// disabling an administrator must leave one active (db.ErrLastAdmin)
			err = h.store.SetStaffActive(ctx, inst.ID, acc.ID, !lock)
		} else {
			err = h.store.LockAccount(ctx, inst.ID, acc.ID, lock)
		}
		if errors.Is(err, db.ErrLastAdmin) {
			h.staffAudit(c, "account_lock", "last_admin", detail)
			h.flashRedirect(c, base.T("staff.members.last_admin"), back)
			return
		}
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if lock {
			if err := h.store.EndSessions(ctx, inst.ID, acc.ID); err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
		}
		action, msg := "account_unlock", "staff.account.unlocked"
		if lock {
			action, msg = "account_lock", "staff.account.locked"
		}
		h.staffAudit(c, action, "success", detail)
		h.flashRedirect(c, base.T(msg), back)
	case "recupero":
		h.staffRecovery(c, acc, detail, back)
	case "azzera-codice":
		if me.Role != "admin" || !acc.IsStaff() {
			h.renderError(c, http.StatusForbidden, nil)
			return
		}
		if err := h.store.ResetTOTP(ctx, inst.ID, acc.ID); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		h.staffAudit(c, "second_factor_reset", "success", detail)
		h.flashRedirect(c, base.T("staff.account.totp_reset"), back)
	default:
		h.renderError(c, http.StatusNotFound, nil)
	}
}

func (h *Handler) staffRecovery(c *gin.Context, acc *db.Account, detail map[string]any, back string) {
	inst := installation(c)
	ctx := c.Request.Context()
	base := h.staffBase(c, "search")
	if !acc.AdultID.Valid {
		h.flashRedirect(c, base.T("staff.account.recovery_no_adult"), back)
		return
	}
	adult, err := h.store.AdultByID(ctx, inst.ID, acc.AdultID.Int64)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	if staleLink(acc, adult) {
		h.staffAudit(c, "account_recovery", "stale_link", detail)
		h.flashRedirect(c, base.T("staff.account.recovery_stale"), back)
		return
	}
	var channels []string
	for _, ch := range delivery.RecoveryChannels(inst.DeliveryChannel) {
		if (ch == "email" && adult.Email != "") || (ch == "sms" && adult.Mobile != "") {
			channels = append(channels, ch)
		}
	}
	if len(channels) == 0 {
		h.staffAudit(c, "account_recovery", "no_contact", detail)
		h.flashRedirect(c, base.T("staff.account.recovery_no_contact"), back)
		return
	}
	if err := h.queueRecovery(ctx, inst.ID, acc.ID, channels); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	detail["channels"] = channels
	h.staffAudit(c, "account_recovery", "queued", detail)
	h.flashRedirect(c, base.T("staff.account.recovery_queued"), back)
}

// staffFamilyView shows, read-only, the family home exactly as the parent
// behind the adult sees it (their account's link state included). Reading
// it shows the children's diets: audited.
func (h *Handler) staffFamilyView(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	adult, err := h.store.AdultByID(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	accs, err := h.store.AccountsOfAdult(ctx, inst.ID, id)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	now := today()
	v := FamilyView{Base: h.base(c), Name: adult.FirstName, Linked: true, SchoolYear: calendar.SchoolYear(now), Month: calendar.MonthOf(now)}
	v.Nav = "staff"
	v.YearLabel = fmt.Sprintf("%d/%d", v.SchoolYear, v.SchoolYear+1)
	if len(accs) > 0 {
		v.StaleLink = staleLink(&accs[0], adult)
	}
	if !v.StaleLink {
		if v.Children, err = h.familyChildren(c, adult, v.SchoolYear, v.Month); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if v.Menu, err = h.menuToday(c, v.Children); err != nil { // menu_family.go
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	h.render(c, http.StatusOK, "family", v)
}
