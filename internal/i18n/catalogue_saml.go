package i18n

// samlMessages are the catalogue entries of sign-in with SPID, CIE and a
// CST identity provider (handlers/saml_*.go), merged into the catalogue.
var samlMessages = map[string][2]string{
	"saml.spid.lead":            {"Scegli il gestore con cui hai attivato la tua identità digitale SPID e segui le sue istruzioni: alla fine tornerai automaticamente al portale.", "Choose the provider you activated your SPID digital identity with and follow its instructions: at the end you will come back to the portal."},
	"saml.spid.list":            {"Gestori di identità SPID", "SPID identity providers"},
	"saml.spid.info":            {"SPID è il Sistema Pubblico di Identità Digitale.", "SPID is the Italian public digital identity system."},
	"saml.spid.get":             {"Non hai SPID? Scopri come ottenerlo", "No SPID? Find out how to get it"},
	"saml.cie.lead":             {"Accedi con la tua Carta d'Identità Elettronica: sul sito del Ministero dell'Interno userai l'app CieID oppure la carta e il PIN. Alla fine tornerai automaticamente al portale.", "Sign in with your electronic identity card: on the Ministry of the Interior's site you will use the CieID app or the card and its PIN. At the end you will come back to the portal."},
	"saml.cie.list":             {"Servizio di accesso con CIE", "CIE sign-in service"},
	"saml.none":                 {"Questo sistema di accesso non è disponibile in questo momento: nessun gestore di identità è configurato. Accedi in un altro modo oppure rivolgiti all'ufficio del Comune.", "This sign-in method is not available right now: no identity provider is configured. Sign in another way or contact the municipal office."},
	"saml.post.to_idp":          {"Collegamento al gestore dell'identità", "Connecting to the identity provider"},
	"saml.post.logout":          {"Uscita in corso", "Signing out"},
	"saml.post.hint":            {"Stai per essere portato sul sito del gestore dell'identità. Se la pagina non prosegue da sola, premi il pulsante.", "You are being taken to the identity provider's site. If the page does not go on by itself, press the button."},
	"saml.post.continue":        {"Continua", "Continue"},
	"saml.retry":                {"Riprova: %s", "Try again: %s"},
	"saml.unavailable.title":    {"Accesso temporaneamente non disponibile", "Sign-in temporarily unavailable"},
	"saml.unavailable.body":     {"Questo sistema di accesso non è ancora configurato del tutto per il Comune. Accedi in un altro modo oppure rivolgiti all'ufficio del Comune.", "This sign-in method is not fully configured for the municipality yet. Sign in another way or contact the municipal office."},
	"saml.invalid.title":        {"Accesso non riuscito", "Sign-in failed"},
	"saml.invalid.body":         {"La risposta del gestore dell'identità non è valida e per la tua sicurezza non è stata accettata. Riprova dall'inizio; se il problema continua, rivolgiti all'ufficio del Comune.", "The identity provider's answer is not valid and was refused for your security. Start again; if the problem persists, contact the municipal office."},
	"saml.unsolicited.title":    {"Richiesta di accesso non riconosciuta", "Sign-in request not recognised"},
	"saml.unsolicited.body":     {"Il portale non ha chiesto questo accesso, oppure la richiesta non è più valida. Per sicurezza riparti dalla pagina di accesso del portale.", "The portal did not ask for this sign-in, or the request is no longer valid. For your security, start again from the portal's sign-in page."},
	"saml.browser.title":        {"Accesso non completato in questo browser", "Sign-in not completed in this browser"},
	"saml.browser.body":         {"La risposta del gestore dell'identità non corrisponde a un accesso iniziato da questo browser e per la tua sicurezza non è stata accettata. Riparti dalla pagina di accesso del portale, nello stesso browser in cui completi l'accesso con il gestore.", "The identity provider's answer does not belong to a sign-in started in this browser and was refused for your security. Start again from the portal's sign-in page, in the same browser where you complete the sign-in with the provider."},
	"saml.replayed.title":       {"Accesso già utilizzato", "Sign-in already used"},
	"saml.replayed.body":        {"Questa risposta del gestore dell'identità è già stata usata: ogni accesso vale una sola volta. Riparti dalla pagina di accesso.", "This answer of the identity provider was already used: each sign-in is good only once. Start again from the sign-in page."},
	"saml.expired.title":        {"Tempo scaduto", "Time expired"},
	"saml.expired.body":         {"È passato troppo tempo dalla richiesta di accesso. Riprova dall'inizio.", "Too much time has passed since the sign-in request. Please start again."},
	"saml.fiscal.title":         {"Codice fiscale non disponibile", "Fiscal code not available"},
	"saml.fiscal.body":          {"Il gestore dell'identità non ha fornito un codice fiscale italiano valido, che serve per trovare i tuoi figli nell'anagrafica del Comune. Rivolgiti all'ufficio del Comune.", "The identity provider did not give a valid Italian fiscal code, which is needed to find your children in the municipal registry. Contact the municipal office."},
	"saml.failed.title":         {"Accesso non completato", "Sign-in not completed"},
	"saml.failed.body":          {"Il gestore dell'identità non ha completato l'accesso. Riprova; se il problema continua, contatta il tuo gestore dell'identità o l'ufficio del Comune.", "The identity provider did not complete the sign-in. Try again; if the problem persists, contact your identity provider or the municipal office."},
	"saml.nr19.title":           {"Troppi tentativi non riusciti", "Too many failed attempts"},
	"saml.nr19.body":            {"Il gestore dell'identità ha bloccato l'accesso dopo ripetuti inserimenti di credenziali errate. Attendi e riprova più tardi, oppure recupera le credenziali sul sito del tuo gestore.", "The identity provider blocked the sign-in after wrong credentials were entered repeatedly. Wait and try again later, or recover your credentials on your provider's site."},
	"saml.nr20.title":           {"Livello di sicurezza non sufficiente", "Security level not sufficient"},
	"saml.nr20.body":            {"La tua identità digitale non ha credenziali del livello di sicurezza richiesto dal portale (per esempio SPID di livello 2, con codice temporaneo o app). Attivale presso il tuo gestore e riprova.", "Your digital identity has no credentials of the security level the portal requires (for example SPID level 2, with a one-time code or app). Activate them with your provider and try again."},
	"saml.nr21.title":           {"Tempo scaduto", "Time expired"},
	"saml.nr21.body":            {"L'autenticazione sul sito del gestore dell'identità non è stata completata in tempo. Riprova.", "The authentication on the identity provider's site was not completed in time. Please try again."},
	"saml.nr22.title":           {"Consenso negato", "Consent refused"},
	"saml.nr22.body":            {"Non hai dato il consenso all'invio dei tuoi dati al portale, perciò non è possibile entrare. Se vuoi accedere, riprova e acconsenti all'invio dei dati.", "You did not consent to sending your data to the portal, so you cannot sign in. If you want to sign in, try again and give your consent."},
	"saml.nr23.title":           {"Identità sospesa o revocata", "Identity suspended or revoked"},
	"saml.nr23.body":            {"La tua identità digitale risulta sospesa o revocata, oppure le tue credenziali sono bloccate. Contatta il tuo gestore dell'identità.", "Your digital identity is suspended or revoked, or your credentials are blocked. Contact your identity provider."},
	"saml.nr25.title":           {"Accesso annullato", "Sign-in cancelled"},
	"saml.nr25.body":            {"Hai annullato l'accesso sul sito del gestore dell'identità. Puoi riprovare quando vuoi oppure accedere in un altro modo.", "You cancelled the sign-in on the identity provider's site. You can try again whenever you like or sign in another way."},
	"saml.logout.invalid.title": {"Richiesta di uscita non valida", "Invalid sign-out request"},
	"saml.logout.invalid.body":  {"La richiesta di uscita ricevuta dal gestore dell'identità non è valida ed è stata ignorata.", "The sign-out request received from the identity provider is not valid and was ignored."},
}

func init() {
	for k, v := range samlMessages {
		catalogue["it"][k] = v[0]
		if v[1] != "" {
			catalogue["en"][k] = v[1]
		}
	}
}
