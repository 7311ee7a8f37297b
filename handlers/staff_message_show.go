package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffMessageView is one message with its delivery per recipient and
// channel, failures first, 100 rows a page. While the message is being
// sent, htmx refreshes the page every three seconds.
type StaffMessageView struct {
	StaffBase
	Message    *db.Broadcast
	Deliveries []db.Delivery
	Page       int
	PrevURL    string
	NextURL    string
	SelfURL    string
}

const deliveriesPerPage = 100

func (h *Handler) staffMessageShow(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	b, err := h.store.BroadcastByID(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	page, _ := strconv.Atoi(c.Query("pagina"))
	page = max(page, 1)
	v := StaffMessageView{StaffBase: h.staffBase(c, "messages"), Message: b, Page: page,
		SelfURL: fmt.Sprintf("/%s/operatori/messaggi/%d", inst.Code, b.ID)}
	list, err := h.store.BroadcastDeliveries(ctx, inst.ID, b.ID, deliveriesPerPage+1, (page-1)*deliveriesPerPage)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if len(list) > deliveriesPerPage {
		list = list[:deliveriesPerPage]
		v.NextURL = fmt.Sprintf("%s?pagina=%d", v.SelfURL, page+1)
	}
	if page > 1 {
		v.PrevURL = fmt.Sprintf("%s?pagina=%d", v.SelfURL, page-1)
	}
	v.Deliveries = list
	h.render(c, http.StatusOK, "staff_message", v)
}
