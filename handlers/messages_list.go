package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// MessagesView is the family's "Messaggi": the messages from the Comune,
// newest first, the unread ones marked.
type MessagesView struct {
	Base
	Messages []db.InboxMessage
	Unread   int
}

// MessageView is one message; opening it marks it read.
type MessageView struct {
	Base
	Message *db.InboxMessage
}

// FamilyDocs is what the family home shows of the documents area: the
// unread messages (partials/documents.html).
type FamilyDocs struct {
	Unread int
}

func (h *Handler) messagesList(c *gin.Context) {
	adult := h.familyAdult(c)
	if adult == nil {
		return
	}
	list, err := h.store.Inbox(c.Request.Context(), installation(c).ID, adult.ID, 200)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := MessagesView{Base: h.base(c), Messages: list}
	v.Nav = "family"
	for _, m := range list {
		if !m.ReadAt.Valid {
			v.Unread++
		}
	}
	h.render(c, http.StatusOK, "messages", v)
}

func (h *Handler) messageShow(c *gin.Context) {
	adult := h.familyAdult(c)
	if adult == nil {
		return
	}
	id, ok := h.pathID(c, "msg") // not "id": under the view-as prefix that is the adult
	if !ok {
		return
	}
	// staff reading as the family leave the message unread
	m, err := h.store.OpenMessage(c.Request.Context(), installation(c).ID, adult.ID, id, viewAsAdult(c) == nil)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	v := MessageView{Base: h.base(c), Message: m}
	v.Nav = "family"
	h.render(c, http.StatusOK, "message", v)
}
