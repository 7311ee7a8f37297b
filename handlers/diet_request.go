package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/seal"
)

// DietsView is the guardian's "Diete speciali" page: the requests of their
// children and the form of a new one.
type DietsView struct {
	Base
	Children []db.ChildSummary
	Requests []db.DietRequest
	Kinds    []string
	Me       int64 // the viewer's account: only the sender opens a certificate
	Form     DietRequestForm
	Errors   map[string]string
	Reattach bool // the form had a valid file but another error: it must be attached again
}

// DietRequestForm is the request as typed.
type DietRequestForm struct {
	ChildID      int64
	Kind         string
	Restriction  string
	SelfDeclared bool
}

// Field builds a text field of the request form.
func (v DietsView) Field(name, labelKey, value string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, "text", "off")
}

// Health tells whether a kind needs the medical certificate.
func (DietsView) Health(kind string) bool { return db.HealthDiet(kind) }

// dietCertificateBox seals the certificates (GENITORI_SECRET_KEY, as the
// pagoPA and App IO keys; without it they are kept in clear: development only).
func dietCertificateBox(key string) (seal.Box, error) {
	return seal.New("portalegenitori diet certificate v1", key)
}

func dietCertificateBound(installationID, requestID int64) string {
	return "diet-certificate:" + strconv.FormatInt(installationID, 10) + ":" + strconv.FormatInt(requestID, 10)
}

// dietsView loads the page of the signed-in guardian; nil when the request
// was answered (not linked, staff).
func (h *Handler) dietsView(c *gin.Context) (*DietsView, error) {
	ctx := c.Request.Context()
	adult := h.familyAdult(c)
	if adult == nil {
		return nil, nil
	}
	inst := installation(c)
	v := &DietsView{Base: h.base(c), Kinds: db.DietKinds, Me: currentAccount(c).ID, Errors: map[string]string{}}
	v.Nav = "family"
	var err error
	if v.Children, err = h.store.ChildrenOfAdult(ctx, inst.ID, adult.ID); err != nil {
		return nil, err
	}
	ids := make([]int64, len(v.Children))
	for i, ch := range v.Children {
		ids[i] = ch.ID
	}
	if v.Requests, err = h.store.DietRequestsOfChildren(ctx, inst.ID, ids); err != nil {
		return nil, err
	}
	if len(v.Children) == 1 {
		v.Form.ChildID = v.Children[0].ID
	}
	return v, nil
}

func (h *Handler) dietsShow(c *gin.Context) {
	v, err := h.dietsView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v != nil {
		h.render(c, http.StatusOK, "diets", v)
	}
}

// dietRequest records a guardian's request: a health diet with its
// medical certificate (sealed), or an ethical or religious one with the
// self-declaration. Nothing is stored unless everything is right.
func (h *Handler) dietRequest(c *gin.Context) {
	inst, acc := installation(c), currentAccount(c)
	h.longDeadlines(c) // a certificate from a phone on a slow line
	form, readErr := readDietForm(c.Request)
	// The request's time limit runs from the end of the upload: a
	// certificate sent from a slow phone must not leave no time to store it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), h.cfg.RequestTimeout)
	defer cancel()
	c.Request = c.Request.WithContext(ctx)
	v, err := h.dietsView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v == nil {
		return
	}
	if readErr != nil {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	val := func(name string) string { return cleanText(form.Values.Get(name)) }
	childID, _ := strconv.ParseInt(val("bambino"), 10, 64)
	v.Form = DietRequestForm{ChildID: childID, Kind: val("tipo"), Restriction: truncate(val("dieta"), 120), SelfDeclared: val("dichiarazione") == "1"}
	if !slices.ContainsFunc(v.Children, func(ch db.ChildSummary) bool { return ch.ID == childID }) {
		v.Errors["bambino"] = v.T("diets.error.child")
	}
	if !slices.Contains(db.DietKinds, v.Form.Kind) {
		v.Errors["tipo"] = v.T("diets.error.kind")
	}
	switch n := utf8.RuneCountInString(v.Form.Restriction); {
	case n == 0:
		v.Errors["dieta"] = v.T("diets.error.restriction")
	case n > 80:
		v.Errors["dieta"] = v.T("diets.error.restriction_long")
	}
	req := db.NewDietRequest{InstallationID: inst.ID, ChildID: childID, Kind: v.Form.Kind, Restriction: v.Form.Restriction, By: acc.ID}
	var file []byte
	if slices.Contains(db.DietKinds, v.Form.Kind) {
		if db.HealthDiet(v.Form.Kind) {
			ct, reason := checkCertificate(form)
			if reason != "" {
				v.Errors[certificateField] = v.T("diets.error.file_" + reason)
			}
			req.CertType, req.CertSize, file = ct, len(form.File), form.File
		} else {
			// the certificate is not needed: it is not kept (data minimisation)
			req.SelfDeclared = v.Form.SelfDeclared
			if !req.SelfDeclared {
				v.Errors["dichiarazione"] = v.T("diets.error.declaration")
			}
		}
	}
	if len(v.Errors) == 0 {
		if file != nil {
			box, err := dietCertificateBox(h.cfg.SecretKey)
			if err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
			req.Seal = func(id int64) (string, error) { return box.Seal(string(file), dietCertificateBound(inst.ID, id)) }
		}
		id, err := h.store.AddDietRequest(ctx, req)
		switch {
		case errors.Is(err, db.ErrDietRequestOpen):
			v.Errors["bambino"] = v.T("diets.error.open")
		case err != nil:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		default:
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "diet_request", Outcome: "success",
				Detail: map[string]any{"request": id, "child": childID, "certificate": file != nil, "self_declared": req.SelfDeclared}})
			h.flashRedirect(c, v.T("diets.sent", id), "/"+inst.Code+"/diete")
			return
		}
	}
	v.Reattach = file != nil && v.Errors[certificateField] == ""
	status := http.StatusUnprocessableEntity
	if wantsFragment(c.Request) {
		status = http.StatusOK // htmx 2 swaps only a 2xx answer
	}
	h.render(c, status, "diets", v)
}

// FirstError is the first field in error, in the form's order: it gets the
// focus, with or without htmx.
func (v DietsView) FirstError() string {
	for _, name := range []string{"bambino", "tipo", "dieta", certificateField, "dichiarazione"} {
		if v.Errors[name] != "" {
			return name
		}
	}
	return ""
}

// dietWithdraw takes back the guardian's own waiting request; its
// certificate is deleted at once.
func (h *Handler) dietWithdraw(c *gin.Context) {
	inst, acc := installation(c), currentAccount(c)
	if h.familyAdult(c) == nil {
		return
	}
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	err := h.store.WithdrawDietRequest(c.Request.Context(), inst.ID, id, acc.ID, acc.Username)
	if errors.Is(err, db.ErrDietRequestDecided) {
		err = db.ErrNotFound
	}
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "diet_request_withdraw", Outcome: "success",
		Detail: map[string]any{"request": id}})
	h.flashRedirect(c, h.base(c).T("diets.withdrawn", id), "/"+inst.Code+"/diete")
}
