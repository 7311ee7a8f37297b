package handlers

import (
	"net/http"
	"unicode/utf8"

	"github.com/angelofallars/htmx-go"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffSearchView is the search page and its live results.
type StaffSearchView struct {
	StaffBase
	Q     string
	Hits  []db.SearchHit
	Short bool // fewer than 2 characters
	OOB   bool // the status is swapped out of band (live results)
}

const searchLimit = 15

// staffSearch finds adults and children by name, surname or codice fiscale,
// typos included (trigram index, 00007). As the clerk types, htmx asks for
// the results only (#search-results) and the count is announced by a
// persistent status region; without JS the form submits to the same URL.
func (h *Handler) staffSearch(c *gin.Context) {
	inst := installation(c)
	v := StaffSearchView{StaffBase: h.staffBase(c, "search")}
	v.Q = queryText(c, "q")
	if utf8.RuneCountInString(v.Q) > 80 {
		v.Q = string([]rune(v.Q)[:80])
	}
	if utf8.RuneCountInString(v.Q) < 2 {
		v.Short = true
	} else {
		hits, err := h.store.SearchPeople(c.Request.Context(), inst.ID, v.Q, searchLimit)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Hits = hits
	}
	block := "content"
	if target, _ := htmx.GetTarget(c.Request); wantsFragment(c.Request) && target == "search-results" {
		block, v.OOB = "results", true // the live search swaps only the results
	}
	h.renderFragment(c, http.StatusOK, "staff_search", block, v)
}
