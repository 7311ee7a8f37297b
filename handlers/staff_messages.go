package handlers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/calendar"
)

// StaffMessagesView is the office's page of the messages to families: the
// form (write, preview with the recipients per channel, send) and the
// messages sent with their progress.
type StaffMessagesView struct {
	StaffBase
	Form     MessageForm
	Preview  *db.AudienceCount // set after "Anteprima" with no errors
	Schools  []db.Option
	Services []db.Option
	Classes  []StaffClass
	Sent     []db.Broadcast
	IOReady  bool
}

// StaffClass is a class of a school, for the class select box.
type StaffClass struct {
	Value, Label string
}

// MessageForm is what staff typed.
type MessageForm struct {
	Title, Body, Link string
	Audience          string
	School, Service   int64
	Class             string // "schoolID/class name"
	Channels          []string
}

// Audiences are the choices of recipients, in the order shown.
func (StaffMessagesView) Audiences() []string {
	return []string{db.AudienceAll, db.AudienceSchool, db.AudienceClass, db.AudienceService, db.AudienceDebt}
}

// AllChannels are the channels a message can go on besides the portal.
func (StaffMessagesView) AllChannels() []string { return messageChannels }

// Has tells whether a channel is ticked.
func (f MessageForm) Has(ch string) bool { return slices.Contains(f.Channels, ch) }

// Field is the labelled input of the form.
func (v StaffMessagesView) Field(name, labelKey, value, typ, autocomplete string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, typ, autocomplete)
}

// SelectedID tells whether an option is the one chosen.
func (v StaffMessagesView) SelectedID(a, b int64) bool { return a == b }

// messageChannels are the channels a message can go on besides the portal.
var messageChannels = []string{"email", "sms", "io"}

// defaultChannels follow the installation's delivery channel.
func defaultChannels(inst *db.Installation) []string {
	switch inst.DeliveryChannel {
	case "sms":
		return []string{"sms"}
	case "both":
		return []string{"email", "sms"}
	}
	return []string{"email"}
}

func (h *Handler) staffMessagesPage(c *gin.Context, status int, v StaffMessagesView) {
	ctx := c.Request.Context()
	inst := installation(c)
	var err error
	if v.Schools, err = h.store.Schools(ctx, inst.ID); err == nil {
		v.Services, err = h.store.Services(ctx, inst.ID)
	}
	for _, s := range v.Schools {
		if err != nil {
			break
		}
		var names []string
		if names, err = h.store.Classes(ctx, inst.ID, s.ID); err == nil {
			for _, n := range names {
				v.Classes = append(v.Classes, StaffClass{Value: fmt.Sprintf("%d/%s", s.ID, n), Label: s.Name + " – " + n})
			}
		}
	}
	if err == nil {
		v.Sent, err = h.store.Broadcasts(ctx, inst.ID, 20)
	}
	if err == nil {
		// App IO needs the Comune's IO service (the key, sealed, in the alerts' settings)
		_, ioErr := h.store.AppIOServiceOf(ctx, inst.ID)
		v.IOReady = ioErr == nil
		if ioErr != nil && !errors.Is(ioErr, db.ErrNotFound) {
			err = ioErr
		}
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, swappable(c, status), "staff_messages", v)
}

func (h *Handler) staffMessages(c *gin.Context) {
	v := StaffMessagesView{StaffBase: h.staffBase(c, "messages"),
		Form: MessageForm{Audience: db.AudienceAll, Channels: defaultChannels(installation(c))}}
	h.staffMessagesPage(c, http.StatusOK, v)
}

// staffMessageSubmit previews (action=preview) or sends (action=send) a
// message. Sending records the message and enqueues its job in one
// transaction; the page does not wait for any delivery.
func (h *Handler) staffMessageSubmit(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffMessagesView{StaffBase: h.staffBase(c, "messages")}
	f := MessageForm{Title: strings.Join(strings.Fields(formText(c, "title")), " "), Body: formText(c, "body"),
		Link: formText(c, "link"), Audience: formText(c, "audience"), School: formID(c, "school"), Service: formID(c, "service"),
		Class: formText(c, "class")}
	for _, ch := range c.PostFormArray("channel") {
		if slices.Contains(messageChannels, ch) && !slices.Contains(f.Channels, ch) {
			f.Channels = append(f.Channels, ch)
		}
	}
	v.Form = f
	a, errs := h.validateMessage(c, &v.StaffBase, f)
	v.Errors = errs
	if len(errs) > 0 {
		h.staffMessagesPage(c, http.StatusUnprocessableEntity, v)
		return
	}
	if formText(c, "action") != "send" {
		n, err := h.store.CountAudience(ctx, inst.ID, a)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Preview = &n
		h.staffMessagesPage(c, http.StatusOK, v)
		return
	}
	acc := currentAccount(c)
	id, err := h.store.CreateBroadcast(ctx, db.NewBroadcast{InstallationID: inst.ID, Title: f.Title, Body: f.Body, Link: f.Link,
		Audience: a, Channels: f.Channels, CreatedBy: acc.ID}, func(ctx context.Context, tx *sql.Tx, id int64) error {
		return h.enqueue.Broadcast(ctx, tx, delivery.BroadcastArgs{InstallationID: inst.ID, BroadcastID: id})
	})
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "broadcast", "success", map[string]any{"broadcast": id, "audience": a.Kind, "channels": f.Channels})
	h.flashRedirect(c, v.T("messages.staff.queued"), fmt.Sprintf("/%s/operatori/messaggi/%d", inst.Code, id))
}

// validateMessage checks the form; every error is named next to its field.
func (h *Handler) validateMessage(c *gin.Context, b *StaffBase, f MessageForm) (db.Audience, map[string]string) {
	errs := map[string]string{}
	a := db.Audience{Kind: f.Audience, SchoolYear: calendar.SchoolYear(today())}
	if n := utf8.RuneCountInString(f.Title); n == 0 || n > 120 {
		errs["title"] = b.T("messages.staff.error.title")
	}
	if n := utf8.RuneCountInString(f.Body); n == 0 || n > 4000 {
		errs["body"] = b.T("messages.staff.error.body")
	}
	if f.Link != "" {
		u, err := url.Parse(f.Link)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(f.Link) > 500 {
			errs["link"] = b.T("messages.staff.error.link")
		}
	}
	inst := installation(c)
	ctx := c.Request.Context()
	switch f.Audience {
	case db.AudienceAll, db.AudienceDebt:
	case db.AudienceSchool:
		if !h.optionExists(ctx, inst.ID, f.School, h.store.Schools) {
			errs["school"] = b.T("messages.staff.error.school")
		}
		a.SchoolID = f.School
	case db.AudienceService:
		if !h.optionExists(ctx, inst.ID, f.Service, h.store.Services) {
			errs["service"] = b.T("messages.staff.error.service")
		}
		a.ServiceID = f.Service
	case db.AudienceClass:
		school, class, ok := strings.Cut(f.Class, "/")
		id, err := strconv.ParseInt(school, 10, 64)
		if !ok || err != nil || class == "" || !h.optionExists(ctx, inst.ID, id, h.store.Schools) {
			errs["class"] = b.T("messages.staff.error.class")
		}
		a.SchoolID, a.ClassName = id, class
	default:
		errs["audience"] = b.T("messages.staff.error.audience")
	}
	return a, errs
}

// optionExists tells whether id is one of the installation's options (a
// school or a service of another Comune is not).
func (h *Handler) optionExists(ctx context.Context, instID, id int64, list func(context.Context, int64) ([]db.Option, error)) bool {
	if id == 0 {
		return false
	}
	opts, err := list(ctx, instID)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(opts, func(o db.Option) bool { return o.ID == id })
}
