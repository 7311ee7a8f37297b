package handlers

import (
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// Routes is the one route table of the portal. The engine is wrapped in
// net/http.CrossOriginProtection, which refuses cross-site unsafe requests.
func (h *Handler) Routes() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.RedirectTrailingSlash = true
	r.HandleMethodNotAllowed = false
	if err := r.SetTrustedProxies(h.cfg.TrustedProxies); err != nil {
		h.log.Error("trusted proxies", "err", err)
	}
	r.Use(h.logRequests, gin.CustomRecovery(h.recoverPanics), h.securityHeaders, h.requestContext, h.cnsStripHeader)

	r.GET("/static/*file", gin.WrapH(h.assets))
	r.GET("/healthz", h.healthz)

	pages := r.Group("/", sessions.Sessions(CookieName(h.cfg.CookieSecure), h.sessions))
	pages.GET("/", h.rootIndex)
	pages.GET("/lingua/:lang", h.languageSet)

	inst := pages.Group("/:inst", h.loadInstallation, h.replicaRoute) // replicaRoute: replica_route.go
	inst.GET("", h.installationIndex)
	inst.GET("/accesso", h.loginShow)
	inst.POST("/accesso", h.loginSubmit)
	inst.POST("/esci", h.logoutSubmit)
	inst.POST("/preferenze", h.preferencesUpdate)
	inst.GET("/privacy", h.privacyShow)
	inst.GET("/accessibilita", h.accessibilityShow)
	inst.GET("/registrazione", h.registerShow)
	inst.POST("/registrazione", h.registerSubmit)
	inst.POST("/registrazione/username", h.registerUsername)
	inst.POST("/registrazione/codice-fiscale", h.registerFiscalCode)
	inst.POST("/registrazione/robustezza", h.registerStrength)
	inst.GET("/recupero-accesso", h.recoveryShow) // recovery.go
	inst.POST("/recupero-accesso", h.recoverySubmit)
	inst.GET("/recupero-accesso/link/:token", h.recoveryLinkShow)
	inst.POST("/recupero-accesso/link/:token", h.recoveryLinkSubmit)
	inst.GET("/cns", h.cnsShow)
	inst.GET("/cns/entra", h.cnsSignIn)
	inst.POST("/cns/entra", h.cnsSignIn)
	inst.GET("/operatori/codice", h.staffCodeShow) // staff second factor (staff_code.go)
	inst.POST("/operatori/codice", h.staffCodeSubmit)
	h.samlRoutes(inst) // SPID, CIE, CST over SAML (saml_routes.go)

	auth := inst.Group("", h.requireAccount)
	auth.GET("/cambio-password", h.passwordShow)
	auth.POST("/cambio-password", h.passwordSubmit)
	auth.GET("/famiglia", h.familyShow)
	auth.GET("/collegamento", h.linkShow) // link_*.go
	auth.POST("/collegamento", h.linkSubmit)
	auth.POST("/collegamento/nuovo-codice", h.linkResend)
	auth.GET("/primo-accesso", h.firstVisitShow)
	auth.POST("/primo-accesso", h.firstVisitSubmit)
	auth.GET("/presenze/:child/:service", h.attendanceCalendar)
	auth.GET("/pagamenti", h.paymentsList)
	auth.GET("/pagamenti/movimenti.csv", h.paymentsCSV)
	auth.GET("/pagamenti/estratto", h.paymentsStatement)
	auth.GET("/pagamenti/credito", h.creditShow) // credit_request.go: the payer asks for the credit back
	auth.POST("/pagamenti/credito", h.creditRequest)
	auth.POST("/pagamenti/credito/:id/ritira", h.creditWithdraw)
	h.pagopaRoutes(auth) // pagoPA: top-up, notices (pagopa_routes.go)
	h.mealRoutes(auth)   // Disdetta pasto (meal_routes.go)
	h.menuRoutes(auth)   // the week's menu of a child (menu_routes.go)
	h.dietRoutes(auth)   // Diete speciali (diet_routes.go)
	auth.GET("/sessioni", h.sessionsList)
	auth.POST("/sessioni/termina-altre", h.sessionsRevokeOthers)
	auth.POST("/sessioni/:id/termina", h.sessionRevoke)
	auth.GET("/profilo", h.profileShow) // profile_*.go
	auth.POST("/profilo/lingua", h.profileLang)
	auth.POST("/profilo/email", h.profileEmail)
	auth.POST("/profilo/cellulare", h.profileMobile)
	auth.POST("/profilo/cellulare/codice", h.profileCode)
	auth.GET("/profilo/email/conferma/:token", h.profileEmailConfirmShow)
	auth.POST("/profilo/email/conferma/:token", h.profileEmailConfirmSubmit)
	auth.GET("/profilo/dati.zip", h.profileExport)
	auth.POST("/profilo/chiusura", h.profileClose)
	h.documentRoutes(inst, auth)           // 730 certificate, messages from the Comune (document_routes.go)
	auth.GET("/famiglia/isee", h.iseeShow) // isee_*.go: the family's ISEE and tariffs
	auth.POST("/famiglia/isee", h.iseeDeclare)
	h.enrolRoutes(auth)               // Iscrizioni (enrol_list.go, enrol_form.go)
	auth.GET("/avvisi", h.alertsShow) // alerts_*.go
	auth.POST("/avvisi", h.alertsSave)
	auth.POST("/avvisi/soglia", h.alertsPreview)

	staff := auth.Group("/operatori", h.requireStaff)
	staff.GET("", h.staffShow)
	h.staffRoutes(staff) // staff_routes.go

	h.mountTestIdP(r)    // only with GENITORI_DEMO_IDP=true
	h.mountDemoPagoPA(r) // only with GENITORI_DEMO_PAGOPA=true (pagopa_demo.go)

	h.mountAppIOEmulator(r) // only with GENITORI_DEMO_APPIO=true (appio_emulator.go)

	r.NoRoute(sessions.Sessions(CookieName(h.cfg.CookieSecure), h.sessions), func(c *gin.Context) {
		h.renderError(c, http.StatusNotFound, nil)
	})

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("Richiesta bloccata: proviene da un altro sito. Ricarica la pagina del portale e riprova.\n" +
			"Request blocked: it came from another site. Reload the portal page and try again.\n"))
	}))
	samlBypassCrossOrigin(cop) // the IdPs' POSTs to /{inst}/{spid,cie,cst}/{acs,slo}
	return cop.Handler(r)
}

func (h *Handler) healthz(c *gin.Context) {
	if err := h.store.Ping(c.Request.Context()); err != nil {
		c.String(http.StatusServiceUnavailable, "database unavailable\n")
		return
	}
	c.String(http.StatusOK, "ok\n")
}
