package i18n

// messages: key → {Italian, English}. Italian wording follows the product
// manual ("Username", "Digita ancora la password", "Problemi con l'accesso"...).
var messages = map[string][2]string{
	// shell
	"site.portal":           {"Portale Genitori", "Parents' Portal"},
	"site.skip":             {"Vai al contenuto principale", "Skip to main content"},
	"site.nav":              {"Menu principale", "Main menu"},
	"site.lang":             {"Lingua", "Language"},
	"site.lang.it":          {"Italiano", "Italiano"},
	"site.lang.en":          {"English", "English"},
	"site.footer":           {"Piè di pagina", "Footer"},
	"site.privacy":          {"Informativa Privacy", "Privacy notice"},
	"site.accessibility":    {"ACCESSIBILITÁ – RISPETTO DEI REQUISITI PREVISTI DALLA LEGGE 4/2004", "ACCESSIBILITY – COMPLIANCE WITH THE REQUIREMENTS OF ITALIAN LAW 4/2004"},
	"site.footer.note":      {"Servizi scolastici del %s", "School services of %s"},
	"nav.family":            {"La mia famiglia", "My family"},
	"nav.staff":             {"Area operatori", "Staff area"},
	"nav.sessions":          {"Accessi attivi", "Active sessions"},
	"nav.password":          {"Cambia password", "Change password"},
	"nav.logout":            {"Esci", "Sign out"},
	"fit.label":             {"Controllo dimensioni", "Fit to screen"},
	"fit.hint":              {"Adatta le tabelle alla larghezza dello schermo, senza barre di scorrimento orizzontali.", "Fit tables to the screen width, with no horizontal scroll bars."},
	"fit.apply":             {"Applica", "Apply"},
	"fit.saved.on":          {"Controllo dimensioni attivato.", "Fit to screen turned on."},
	"fit.saved.off":         {"Controllo dimensioni disattivato.", "Fit to screen turned off."},
	"common.back_login":     {"Torna alla pagina di accesso", "Back to the sign-in page"},
	"common.error_prefix":   {"Errore:", "Error:"},
	"common.errors_title":   {"Correggi questi errori:", "Please correct these errors:"},
	"common.contact_office": {"Per informazioni rivolgiti a: %s.", "For information contact: %s."},
	"common.date_time":      {"02/01/2006 alle 15:04", "02 Jan 2006 at 15:04"},

	// home (installation list)
	"root.title": {"Scegli il tuo Comune", "Choose your municipality"},
	"root.lead":  {"Il Portale Genitori è usato da questi Comuni. Scegli il tuo per accedere.", "The Parents' Portal is used by these municipalities. Choose yours to sign in."},
	"root.none":  {"Nessun Comune è ancora configurato.", "No municipality is configured yet."},

	// login (seed: "Login")
	"login.title":             {"Accesso", "Sign in"},
	"login.intro":             {"Il Portale Genitori ti permette di controllare le presenze dei tuoi figli ai servizi del Comune (mensa, trasporto, pre e post scuola, nido), il tipo di dieta, i servizi utilizzati e il saldo dettagliato dei pagamenti.", "The Parents' Portal lets you check your children's attendance at the services of the municipality (canteen, school bus, before and after school, nursery), their diet, the services used and the detailed balance of payments."},
	"login.form":              {"Accedi con Username e Password", "Sign in with username and password"},
	"login.username":          {"Username", "Username"},
	"login.password":          {"Password", "Password"},
	"login.submit":            {"OK", "OK"},
	"login.other_methods":     {"Altri modi di accedere", "Other ways to sign in"},
	"login.register":          {"Registrati", "Register"},
	"login.problems":          {"Problemi con l'accesso", "Problems signing in"},
	"login.spid":              {"Entra con SPID", "Sign in with SPID"},
	"login.cie":               {"Entra con CIE", "Sign in with CIE"},
	"login.cns":               {"Entra con CNS/CRS", "Sign in with CNS/CRS"},
	"login.cst.title":         {"Accesso con le credenziali del Centro Servizi Territoriali", "Sign in with the credentials of the Territorial Services Centre"},
	"login.cst.button":        {"Accedi con le credenziali CST", "Sign in with CST credentials"},
	"login.cst.register":      {"Registrati sul sito del Centro Servizi Territoriali", "Register on the Territorial Services Centre website"},
	"login.cst.external":      {"(sito esterno)", "(external site)"},
	"login.error.generic":     {"Username o password non corretti. Controlla di averli scritti come al momento della registrazione.", "Wrong username or password. Check that you typed them as when you registered."},
	"login.error.username":    {"Scrivi lo Username.", "Type your username."},
	"login.error.password":    {"Scrivi la Password.", "Type your password."},
	"login.error.throttled":   {"Troppi tentativi di accesso non riusciti. Per sicurezza l'accesso è sospeso: riprova tra %d minuti oppure usa «Problemi con l'accesso».", "Too many failed sign-in attempts. For your security sign-in is suspended: try again in %d minutes or use «Problems signing in»."},
	"login.error.locked":      {"Il tuo profilo è stato bloccato dall'ufficio del Comune. Contatta l'ufficio per sbloccarlo.", "Your profile has been locked by the municipal office. Contact the office to unlock it."},
	"login.error.no_local":    {"In questo Comune l'accesso con Username e Password non è attivo.", "Username and password sign-in is not active in this municipality."},
	"login.error.unavailable": {"Il servizio non è raggiungibile in questo momento. Riprova tra qualche minuto.", "The service cannot be reached right now. Try again in a few minutes."},
	"login.logged_out":        {"Sei uscito dal portale. Per sicurezza chiudi il browser se il computer è condiviso.", "You have signed out. For your security close the browser if the computer is shared."},
	"login.session_expired":   {"La sessione è scaduta: accedi di nuovo.", "Your session has expired: please sign in again."},

	// methods not active yet
	"inactive.title":    {"%s: servizio non ancora attivo", "%s: not active yet"},
	"inactive.body":     {"Questa funzione non è ancora disponibile nel portale. Nel frattempo puoi accedere con Username e Password, oppure rivolgerti all'ufficio del Comune.", "This feature is not available in the portal yet. Meanwhile you can sign in with username and password, or contact the municipal office."},
	"inactive.disabled": {"%s non è attivo per questo Comune.", "%s is not enabled for this municipality."},

	// password change
	"password.title":             {"Cambia la password", "Change your password"},
	"password.forced":            {"Prima di continuare devi scegliere una nuova password personale.", "Before you continue you must choose a new personal password."},
	"password.current":           {"Password attuale", "Current password"},
	"password.new":               {"Nuova password", "New password"},
	"password.confirm":           {"Digita ancora la password", "Type the password again"},
	"password.hint":              {"Da %d a %d caratteri. Puoi usare una frase: più è lunga, più è sicura. Puoi incollarla da un gestore di password.", "From %d to %d characters. You can use a sentence: the longer, the safer. You can paste it from a password manager."},
	"password.submit":            {"Salva la nuova password", "Save the new password"},
	"password.saved":             {"Password cambiata. Per sicurezza abbiamo chiuso gli altri accessi attivi con questo profilo.", "Password changed. For your security we ended the other active sessions of this profile."},
	"password.required":          {"Scrivi la nuova password.", "Type the new password."},
	"password.invalid_chars":     {"La password contiene caratteri non validi.", "The password contains invalid characters."},
	"password.too_short":         {"La password è troppo corta: servono almeno %d caratteri.", "The password is too short: at least %d characters are needed."},
	"password.too_long":          {"La password è troppo lunga: al massimo %d caratteri.", "The password is too long: at most %d characters."},
	"password.common":            {"Questa password è tra le più usate e facili da indovinare: scegline un'altra.", "This password is among the most common and easiest to guess: choose another one."},
	"password.contains_username": {"La password non deve contenere lo Username.", "The password must not contain the username."},
	"password.mismatch":          {"Le due password non coincidono: riscrivila uguale nel campo «Digita ancora la password».", "The two passwords differ: type it again, the same, in «Type the password again»."},
	"password.current_wrong":     {"La password attuale non è corretta.", "The current password is wrong."},
	"password.current_required":  {"Scrivi la password attuale.", "Type your current password."},
	"password.same_as_old":       {"La nuova password deve essere diversa da quella attuale.", "The new password must differ from the current one."},

	// family home
	"family.title":         {"La mia famiglia", "My family"},
	"family.greeting":      {"Buongiorno, %s.", "Hello, %s."},
	"family.children":      {"I tuoi figli", "Your children"},
	"family.no_children":   {"Al tuo profilo non risulta collegato nessun bambino. Se i tuoi figli sono iscritti ai servizi, contatta l'ufficio del Comune.", "No child is linked to your profile. If your children are enrolled in the services, contact the municipal office."},
	"family.not_linked":    {"Il tuo profilo non è collegato a nessun adulto dell'anagrafica del Comune, quindi non possiamo mostrarti i bambini. Contatta l'ufficio del Comune.", "Your profile is not linked to any adult of the municipal registry, so we cannot show you the children. Contact the municipal office."},
	"family.stale_link":    {"Il codice fiscale registrato nell'anagrafica del Comune è cambiato e il tuo profilo non è ancora stato rigenerato. Contatta l'ufficio del Comune per aggiornarlo: fino ad allora non possiamo mostrarti i dati dei bambini.", "The fiscal code in the municipal registry has changed and your profile has not been regenerated yet. Contact the municipal office to update it: until then we cannot show you the children's data."},
	"family.role.payer":    {"Adulto pagante", "Paying adult"},
	"family.role.guardian": {"Genitore / tutore", "Parent / guardian"},
	"family.school":        {"Scuola", "School"},
	"family.class":         {"Classe", "Class"},
	"family.more_soon":     {"Presenze, diete e pagamenti di ogni bambino saranno mostrati qui.", "Each child's attendance, diet and payments will be shown here."},

	// staff home
	"staff.title":        {"Area operatori", "Staff area"},
	"staff.greeting":     {"Benvenuto, %s. Sei collegato come operatore del %s.", "Welcome, %s. You are signed in as staff of %s."},
	"staff.audit":        {"Ultimi eventi di accesso", "Latest sign-in events"},
	"staff.audit.when":   {"Quando", "When"},
	"staff.audit.who":    {"Utente", "User"},
	"staff.audit.what":   {"Evento", "Event"},
	"staff.audit.result": {"Esito", "Outcome"},
	"staff.audit.ip":     {"Indirizzo IP", "IP address"},
	"staff.audit.none":   {"Nessun evento.", "No events."},
	"staff.forbidden":    {"Questa pagina è riservata agli operatori del Comune.", "This page is reserved to municipal staff."},

	// sessions
	"sessions.title":      {"Accessi attivi", "Active sessions"},
	"sessions.lead":       {"Questi sono i dispositivi collegati ora con il tuo profilo. Se non riconosci un accesso, terminalo e cambia la password.", "These are the devices signed in with your profile now. If you do not recognise one, end it and change your password."},
	"sessions.caption":    {"Accessi attivi con il tuo profilo", "Active sessions of your profile"},
	"sessions.device":     {"Dispositivo", "Device"},
	"sessions.started":    {"Iniziato", "Started"},
	"sessions.last":       {"Ultima attività", "Last activity"},
	"sessions.ip":         {"Indirizzo IP", "IP address"},
	"sessions.action":     {"Azione", "Action"},
	"sessions.current":    {"Questo dispositivo", "This device"},
	"sessions.end":        {"Termina", "End"},
	"sessions.end_label":  {"Termina l'accesso iniziato il %s", "End the session started on %s"},
	"sessions.end_others": {"Termina tutti gli altri accessi", "End all other sessions"},
	"sessions.ended":      {"Accesso terminato.", "Session ended."},
	"sessions.ended_n":    {"Accessi terminati: %d.", "Sessions ended: %d."},
	"sessions.not_found":  {"Quell'accesso non esiste più.", "That session no longer exists."},

	// privacy (seed's informativa, in our words)
	"privacy.title": {"Informativa Privacy", "Privacy notice"},

	// accessibility
	"a11y.title": {"Dichiarazione di accessibilità", "Accessibility statement"},

	// sign-in by SPID, CIE, CNS/CRS (shared)
	"identity.unknown.title":  {"Nessun adulto pagante corrisponde ai tuoi dati", "No paying adult matches your data"},
	"identity.unknown.body":   {"L'identità digitale con cui hai effettuato l'accesso non corrisponde a nessun adulto pagante o genitore registrato nell'anagrafica del Comune. Contatta l'ufficio del Comune per farti registrare come adulto pagante dei tuoi figli, poi riprova.", "The digital identity you signed in with does not match any paying adult or parent in the municipal registry. Contact the municipal office to be registered as the paying adult of your children, then try again."},
	"identity.locked.title":   {"Profilo bloccato", "Profile locked"},
	"contacts.title":          {"Conferma i tuoi recapiti", "Confirm your contact details"},
	"contacts.lead":           {"È il tuo primo accesso. Controlla l'indirizzo e-mail e il cellulare a cui il Comune può scriverti per i servizi scolastici.", "This is your first visit. Check the e-mail address and mobile number the municipality can use to reach you about school services."},
	"contacts.email":          {"Indirizzo e-mail", "E-mail address"},
	"contacts.mobile":         {"Cellulare", "Mobile phone"},
	"contacts.mobile.hint":    {"Per esempio +39 333 1234567.", "For example +39 333 1234567."},
	"contacts.submit":         {"Conferma", "Confirm"},
	"contacts.saved":          {"Recapiti confermati.", "Contact details confirmed."},
	"contacts.email.invalid":  {"L'indirizzo e-mail non è valido: controlla che sia nella forma nome@dominio.it.", "The e-mail address is not valid: check it is in the form name@domain.com."},
	"contacts.mobile.invalid": {"Il numero di cellulare non è valido: usa solo cifre, con il prefisso +39 se vuoi.", "The mobile number is not valid: use digits only, with the +39 prefix if you like."},

	// errors
	"error.notfound.title":    {"Pagina non trovata", "Page not found"},
	"error.notfound.body":     {"La pagina che cerchi non esiste o è stata spostata.", "The page you are looking for does not exist or has moved."},
	"error.forbidden.title":   {"Accesso non consentito", "Access denied"},
	"error.server.title":      {"Si è verificato un errore", "Something went wrong"},
	"error.server.body":       {"Non siamo riusciti a completare la richiesta. Riprova tra qualche minuto; se il problema continua, contatta l'ufficio del Comune.", "We could not complete the request. Try again in a few minutes; if the problem persists, contact the municipal office."},
	"error.unavailable.title": {"Servizio temporaneamente non disponibile", "Service temporarily unavailable"},
	"error.unavailable.body":  {"Il portale non riesce a raggiungere i dati in questo momento. Riprova tra qualche minuto: i tuoi dati sono al sicuro.", "The portal cannot reach its data right now. Try again in a few minutes: your data is safe."},
	"error.badrequest.title":  {"Richiesta non valida", "Invalid request"},
	"error.badrequest.body":   {"I dati inviati non sono validi o sono troppo lunghi. Torna indietro e riprova.", "The data sent is invalid or too long. Go back and try again."},
	"error.crossorigin.body":  {"La richiesta è arrivata da un altro sito ed è stata bloccata per sicurezza. Ricarica la pagina del portale e riprova.", "The request came from another site and was blocked for your security. Reload the portal page and try again."},
	"error.home":              {"Vai alla pagina iniziale", "Go to the home page"},
}

var catalogue = func() map[string]map[string]string {
	c := map[string]map[string]string{"it": {}, "en": {}}
	for k, v := range messages {
		c["it"][k] = v[0]
		if v[1] != "" {
			c["en"][k] = v[1]
		}
	}
	return c
}()
