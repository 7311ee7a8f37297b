package handlers

import (
	"bytes"
	"net/http"
	"time"

	"portalegenitori/internal/calendar"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// SessionItem is one row of the active sessions table.
type SessionItem struct {
	PublicID  int64
	Device    string
	IP        string
	Started   time.Time
	LastSeen  time.Time
	IsCurrent bool
}

// SessionsView lists the account's active sessions.
type SessionsView struct {
	Base
	Items []SessionItem
}

// FormatTime shows a time in Italian local time.
func (b Base) FormatTime(t time.Time) string {
	return t.In(calendar.Rome).Format(b.T("common.date_time"))
}

func (h *Handler) sessionsList(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	rows, err := h.store.SessionsOfAccount(c.Request.Context(), inst.ID, acc.ID, h.cfg.SessionIdle)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	current := tokenHash(sessions.Default(c).ID())
	v := SessionsView{Base: h.base(c)}
	v.Nav = "sessions"
	for _, r := range rows {
		v.Items = append(v.Items, SessionItem{
			PublicID: r.PublicID, Device: describeAgent(r.UserAgent), IP: r.IP,
			Started: r.CreatedAt, LastSeen: r.LastSeenAt, IsCurrent: bytes.Equal(r.TokenHash, current),
		})
	}
	h.render(c, http.StatusOK, "sessions", v)
}

// describeAgent turns a User-Agent into a short, recognisable label.
func describeAgent(ua string) string {
	browser, system := "", ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"SamsungBrowser/", "Samsung Internet"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"},
	} {
		if bytes.Contains([]byte(ua), []byte(b.token)) {
			browser = b.name
			break
		}
	}
	for _, s := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if bytes.Contains([]byte(ua), []byte(s.token)) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " – " + system
	case browser != "" || system != "":
		return browser + system
	case ua == "":
		return "?"
	}
	return truncate(ua, 60)
}
