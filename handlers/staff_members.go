package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/password"
	"portalegenitori/internal/registration"
)

// StaffMembersView lists the staff accounts for the administrator: role,
// whether the account is active, the codice fiscale each may sign in with
// by SPID/CIE, the second factor and its reset; and the form that creates
// an account.
type StaffMembersView struct {
	StaffBase
	Members []db.Account
	Factors map[int64]db.StaffSecondFactor
	Perms   map[int64][]string // db.StaffPermissions of each member
	All     []string           // the permissions, for the checkboxes
	Typed   map[int64]string   // what was typed, on an error
	New     NewStaffForm
	Created *CreatedStaff // the account just made, with its temporary password (this answer only)
}

// NewStaffForm is the "Nuovo operatore" form as typed.
type NewStaffForm struct {
	Username, DisplayName, Role string
	Permissions                 []string
}

// Has tells whether member id has permission p.
func (v StaffMembersView) Has(id int64, p string) bool { return slices.Contains(v.Perms[id], p) }

// NewHas tells whether the new-member form has permission p ticked.
func (v StaffMembersView) NewHas(p string) bool { return slices.Contains(v.New.Permissions, p) }

// permissionsOf reads the ticked permissions of a form, known ones only.
func permissionsOf(c *gin.Context) []string {
	var out []string
	for _, p := range c.PostFormArray("permesso") {
		if slices.Contains(db.StaffPermissions, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// CreatedStaff is shown once after the creation: the administrator hands
// the temporary password over; it is changed at the first sign-in.
type CreatedStaff struct {
	Username, Password string
}

func (h *Handler) staffMembers(c *gin.Context) {
	h.renderStaffMembers(c, http.StatusOK, StaffMembersView{StaffBase: h.staffBase(c, "settings"),
		New: NewStaffForm{Role: "staff", Permissions: db.DefaultStaffPermissions}})
}

func (h *Handler) renderStaffMembers(c *gin.Context, status int, v StaffMembersView) {
	ctx := c.Request.Context()
	inst := installation(c)
	var err error
	if v.Members, err = h.store.StaffMembers(ctx, inst.ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v.Factors, err = h.store.StaffSecondFactors(ctx, inst.ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v.Perms, err = h.store.PermissionsOfStaff(ctx, inst.ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.All = db.StaffPermissions
	h.render(c, status, "staff_members", v)
}

func (h *Handler) staffMemberSave(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "acc")
	if !ok {
		return
	}
	b := h.staffBase(c, "settings")
	v := StaffMembersView{StaffBase: b, New: NewStaffForm{Role: "staff", Permissions: db.DefaultStaffPermissions}}
	raw := formText(c, "codice_fiscale")
	cf := ""
	if raw != "" {
		var err error
		if cf, err = codicefiscale.Validate(raw); err != nil {
			var cfe *codicefiscale.Error
			if errors.As(err, &cfe) && b.Lang == "en" {
				b.Errors[fieldID(id)] = cfe.MessageEN()
			} else if cfe != nil {
				b.Errors[fieldID(id)] = cfe.MessageIT()
			}
			v.Typed = map[int64]string{id: truncate(raw, 32)}
			h.renderStaffMembers(c, http.StatusUnprocessableEntity, v)
			return
		}
	}
	switch err := h.store.SetStaffFiscalCode(c.Request.Context(), inst.ID, id, cf); {
	case errors.Is(err, db.ErrConflict):
		b.Errors[fieldID(id)] = b.T("staff.members.cf_taken")
		v.Typed = map[int64]string{id: cf}
		h.renderStaffMembers(c, http.StatusUnprocessableEntity, v)
		return
	case errors.Is(err, db.ErrNotFound):
		h.renderError(c, http.StatusNotFound, nil)
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "staff_fiscal_code", "success", map[string]any{"account": id, "set": cf != ""})
	h.flashRedirect(c, b.T("staff.members.saved"), "/"+inst.Code+"/operatori/impostazioni/operatori")
}

// staffMemberCreate makes a staff account with a generated temporary
// password, shown once in the answer. At the first sign-in the new member
// enrols the second factor and chooses a password.
func (h *Handler) staffMemberCreate(c *gin.Context) {
	inst := installation(c)
	v := StaffMembersView{StaffBase: h.staffBase(c, "settings")}
	v.New = NewStaffForm{Username: truncate(formText(c, "username"), 64), DisplayName: truncate(formText(c, "display_name"), 200),
		Role: formText(c, "role"), Permissions: permissionsOf(c)}
	username := strings.ToLower(v.New.Username)
	if !registration.ValidUsername(username) {
		v.Errors["new-username"] = v.T("staff.members.username_invalid")
	}
	if v.New.DisplayName == "" {
		v.Errors["new-display_name"] = v.T("staff.members.name_missing")
	} else if utf8.RuneCountInString(v.New.DisplayName) > 100 {
		v.Errors["new-display_name"] = v.T("staff.members.name_long")
	}
	if v.New.Role != "staff" && v.New.Role != "admin" {
		v.Errors["new-role"] = v.T("staff.members.role_missing")
	}
	if len(v.Errors) > 0 {
		h.renderStaffMembers(c, http.StatusUnprocessableEntity, v)
		return
	}
	temp := password.Random(14)
	hash, err := password.Hash(temp)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	id, err := h.store.CreateStaffAccount(c.Request.Context(), db.NewStaffAccount{InstallationID: inst.ID, Username: username,
		DisplayName: v.New.DisplayName, Role: v.New.Role, PasswordHash: hash, Permissions: v.New.Permissions})
	if errors.Is(err, db.ErrConflict) {
		v.Errors["new-username"] = v.T("staff.members.username_taken")
		h.renderStaffMembers(c, http.StatusUnprocessableEntity, v)
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "staff_account_created", "success", map[string]any{"account": id, "username": username, "role": v.New.Role,
		"permissions": v.New.Permissions})
	v.Created = &CreatedStaff{Username: username, Password: temp}
	v.New = NewStaffForm{Role: "staff", Permissions: db.DefaultStaffPermissions}
	h.renderStaffMembers(c, http.StatusOK, v)
}

// staffMemberRole changes a member's role; the administrator cannot change
// their own, and the last active administrator stays one.
func (h *Handler) staffMemberRole(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	id, ok := h.pathID(c, "acc")
	if !ok {
		return
	}
	b := h.staffBase(c, "settings")
	back := "/" + inst.Code + "/operatori/impostazioni/operatori#operatore-" + strconv.FormatInt(id, 10)
	role := c.PostForm("role")
	if role != "staff" && role != "admin" {
		h.renderError(c, http.StatusUnprocessableEntity, nil)
		return
	}
	if id == me.ID {
		h.flashRedirect(c, b.T("staff.account.not_self"), back)
		return
	}
	detail := map[string]any{"account": id, "role": role}
	switch err := h.store.SetStaffRole(c.Request.Context(), inst.ID, id, role); {
	case errors.Is(err, db.ErrLastAdmin):
		h.staffAudit(c, "staff_role", "last_admin", detail)
		h.flashRedirect(c, b.T("staff.members.last_admin"), back)
		return
	case errors.Is(err, db.ErrNotFound):
		h.renderError(c, http.StatusNotFound, nil)
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "staff_role", "success", detail)
	h.flashRedirect(c, b.T("staff.members.role_saved"), back)
}

// staffMemberPermissions sets what a member of staff may change.
func (h *Handler) staffMemberPermissions(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "acc")
	if !ok {
		return
	}
	perms := permissionsOf(c)
	err := h.store.SetStaffPermissions(c.Request.Context(), inst.ID, id, perms)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, "staff_permissions", "success", map[string]any{"account": id, "permissions": perms})
	h.flashRedirect(c, h.base(c).T("staff.members.permissions_saved"), "/"+inst.Code+"/operatori/impostazioni/operatori#operatore-"+strconv.FormatInt(id, 10))
}

func fieldID(id int64) string { return "cf-" + strconv.FormatInt(id, 10) }
