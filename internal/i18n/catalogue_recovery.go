package i18n

// recoveryMessages are the catalogue entries of "Problemi con l'accesso"
// (handlers/recovery*.go), merged into the catalogue. The Italian wording
// follows the seed's manual.
var recoveryMessages = map[string][2]string{
	"recovery.title":              {"Problemi con l'accesso", "Problems signing in"},
	"recovery.intro":              {"Se hai dimenticato i dati di accesso, o quelli che usi non funzionano, puoi ricevere una nuova password temporanea o un collegamento per accedere.", "If you forgot your sign-in details, or the ones you use do not work, you can receive a new temporary password or a link to sign in."},
	"recovery.intro.what":         {"Scegli dal menù se indicare il Codice fiscale, lo Username o l'Indirizzo e-mail e scrivi il valore così come comunicato all'iscrizione. Per sicurezza non inviamo mai la password che usavi: ne riceverai una nuova da cambiare al primo accesso.", "Choose from the menu whether to give the fiscal code, the username or the e-mail address and type the value as given when you registered. For your security we never send the password you used: you will receive a new one to change at first sign-in."},
	"recovery.form":               {"Recupero dei dati di accesso", "Recover your sign-in details"},
	"recovery.key":                {"Recupera con", "Recover with"},
	"recovery.key.codice_fiscale": {"Codice fiscale", "Fiscal code"},
	"recovery.key.username":       {"Username", "Username"},
	"recovery.key.email":          {"Indirizzo e-mail", "E-mail address"},
	"recovery.value":              {"Valore", "Value"},
	"recovery.value.hint":         {"Il codice fiscale, lo Username o l'indirizzo e-mail scelto nel menù, così come comunicato all'iscrizione.", "The fiscal code, username or e-mail address chosen in the menu, as given when you registered."},
	"recovery.continue":           {"Continua", "Continue"},
	"recovery.confirm":            {"Conferma", "Confirm"},
	"recovery.again":              {"Ricomincia il recupero", "Start the recovery again"},

	"recovery.question.intro": {"Per continuare rispondi alla domanda di sicurezza scelta durante la registrazione.", "To continue, answer the security question you chose when you registered."},
	"recovery.question.form":  {"Domanda di sicurezza", "Security question"},
	"recovery.answer.hint":    {"Scrivi la risposta come durante la registrazione: maiuscole e spazi in più non contano.", "Type the answer as when you registered: capitals and extra spaces do not matter."},
	"recovery.answer.forgot":  {"Non ricordi la risposta? Rivolgiti a: %s.", "Do not remember the answer? Contact: %s."},

	"recovery.channel.email": {"un collegamento per accedere, all'indirizzo e-mail", "a link to sign in, to the e-mail address"},
	"recovery.channel.sms":   {"una password temporanea, via SMS al cellulare", "a temporary password, by text message to the mobile phone"},
	"recovery.channel.both":  {"un collegamento per accedere all'indirizzo e-mail e una password temporanea via SMS al cellulare", "a link to sign in to the e-mail address and a temporary password by text message to the mobile phone"},

	"recovery.neutral":          {"Richiesta ricevuta. Se i dati corrispondono a un profilo del Portale, entro qualche minuto riceverai %s registrati nell'anagrafica del Comune.", "Request received. If the details match a profile of the portal, within a few minutes you will receive %s registered in the municipal registry."},
	"recovery.neutral.validity": {"La password temporanea funziona per 24 ore, il collegamento una sola volta entro 24 ore; al primo accesso sceglierai una nuova password. Fino ad allora la password che hai continua a funzionare.", "The temporary password works for 24 hours, the link once within 24 hours; at first sign-in you will choose a new password. Until then your current password keeps working."},
	"recovery.neutral.next":     {"Se non arriva nulla, controlla la posta indesiderata e di aver scritto il valore come comunicato all'iscrizione. Se ancora non arriva, l'e-mail o il cellulare in anagrafica potrebbero mancare o essere da aggiornare: rivolgiti a %s.", "If nothing arrives, check your spam folder and that you typed the value as given when you registered. If it still does not arrive, the e-mail or mobile phone in the registry may be missing or out of date: contact %s."},

	"recovery.sent.email":                          {"Abbiamo inviato un collegamento per accedere all'indirizzo e-mail %s.", "We sent a link to sign in to the e-mail address %s."},
	"recovery.sent.sms":                            {"Abbiamo inviato una password temporanea via SMS al cellulare %s.", "We sent a temporary password by text message to the mobile phone %s."},
	"recovery.sent.not_received":                   {"Se il messaggio non arriva entro qualche minuto, controlla la posta indesiderata; se i recapiti non sono più i tuoi, rivolgiti a %s per aggiornarli.", "If the message does not arrive within a few minutes, check your spam folder; if the contacts are no longer yours, contact %s to update them."},
	"recovery.missing.email":                       {"l'indirizzo e-mail", "the e-mail address"},
	"recovery.missing.sms":                         {"il numero di cellulare", "the mobile phone number"},
	"recovery.missing.email+sms":                   {"l'indirizzo e-mail e il numero di cellulare", "the e-mail address and the mobile phone number"},
	"recovery.error.missing":                       {"Non possiamo inviarti nuovi dati di accesso: nell'anagrafica del Comune manca %s dell'adulto pagante. Comunicalo a %s; quando l'avranno inserito, ripeti il recupero.", "We cannot send you new sign-in details: the municipal registry lacks %s of the paying adult. Give it to %s; once it is entered, repeat the recovery."},
	"recovery.error.stale":                         {"Non possiamo inviarti nuovi dati di accesso: il codice fiscale dell'adulto pagante è stato modificato nell'anagrafica del Comune, ma il tuo profilo non è ancora stato rigenerato. Chiedi a %s di rigenerare (ricollegare) il tuo profilo, poi ripeti il recupero.", "We cannot send you new sign-in details: the paying adult's fiscal code was changed in the municipal registry, but your profile has not been regenerated yet. Ask %s to regenerate (relink) your profile, then repeat the recovery."},
	"recovery.error.locked":                        {"Il tuo profilo è stato bloccato dall'ufficio del Comune: rivolgiti a %s per sbloccarlo.", "Your profile has been locked by the municipal office: contact %s to unlock it."},
	"recovery.error.send_throttled":                {"Hai già chiesto il recupero più volte nelle ultime 24 ore: usa l'ultimo messaggio ricevuto, che sostituisce i precedenti. Se non arriva nulla, rivolgiti a %s.", "You already asked for a recovery several times in the last 24 hours: use the latest message received, which replaces the earlier ones. If nothing arrives, contact %s."},
	"recovery.error.throttled":                     {"Troppe richieste di recupero. Per sicurezza riprova tra %d minuti, oppure rivolgiti a %s.", "Too many recovery requests. For your security try again in %d minutes, or contact %s."},
	"recovery.error.answer_throttled":              {"Troppe risposte non corrette. Per sicurezza il recupero è sospeso: riprova tra %d minuti, oppure rivolgiti a %s.", "Too many wrong answers. For your security recovery is suspended: try again in %d minutes, or contact %s."},
	"recovery.error.answer_required":               {"Scrivi la risposta alla domanda di sicurezza.", "Type the answer to the security question."},
	"recovery.error.answer_wrong":                  {"La risposta non è corretta. Controllala e riprova: dopo %d risposte non corrette il recupero si sospende per un'ora.", "The answer is not correct. Check it and try again: after %d wrong answers recovery is suspended for an hour."},
	"recovery.error.value_required.codice_fiscale": {"Scrivi il codice fiscale.", "Type the fiscal code."},
	"recovery.error.value_required.username":       {"Scrivi lo Username.", "Type the username."},
	"recovery.error.value_required.email":          {"Scrivi l'indirizzo e-mail.", "Type the e-mail address."},
	"recovery.error.value_long":                    {"Il valore è troppo lungo.", "The value is too long."},
	"recovery.error.cf_length":                     {"Il codice fiscale ha 16 caratteri, lettere e numeri.", "The fiscal code has 16 characters, letters and digits."},
	"recovery.error.email":                         {"Scrivi un indirizzo e-mail completo, come nome@esempio.it.", "Type a complete e-mail address, such as name@example.it."},

	"recovery.off.cst":   {"In questo Comune si accede con le credenziali del Centro Servizi Territoriali: per problemi con l'accesso rivolgiti agli uffici comunali: %s.", "In this municipality you sign in with the credentials of the Territorial Services Centre: for problems signing in contact the municipal offices: %s."},
	"recovery.off.local": {"In questo Comune l'accesso con Username e Password non è attivo: per problemi con l'accesso rivolgiti a %s.", "Username and password sign-in is not active in this municipality: for problems signing in contact %s."},
	"login.cst.problems": {"Problemi con l'accesso? Rivolgiti agli uffici comunali: %s.", "Problems signing in? Contact the municipal offices: %s."},

	"recovery.link.title":        {"Accedi e scegli una nuova password", "Sign in and choose a new password"},
	"recovery.link.intro":        {"Premi il pulsante per accedere al Portale: ti chiederemo subito di scegliere una nuova password. Il collegamento funziona una sola volta.", "Press the button to sign in to the portal: you will be asked at once to choose a new password. The link works once."},
	"recovery.link.button":       {"Accedi e scegli una nuova password", "Sign in and choose a new password"},
	"recovery.link.not_you":      {"Se non hai chiesto tu il recupero, chiudi questa pagina: la tua password non cambia.", "If you did not ask for a recovery, close this page: your password does not change."},
	"recovery.link.invalid":      {"Questo collegamento non è più valido: è già stato usato, è scaduto (vale 24 ore) oppure è stato sostituito da uno più recente.", "This link is no longer valid: it was already used, it expired (it lasts 24 hours) or a newer one replaced it."},
	"recovery.link.invalid.next": {"Usa il messaggio più recente, oppure ricomincia il recupero. Per informazioni rivolgiti a %s.", "Use the latest message, or start the recovery again. For information contact %s."},
}

func init() {
	for k, v := range recoveryMessages {
		catalogue["it"][k] = v[0]
		if v[1] != "" {
			catalogue["en"][k] = v[1]
		}
	}
}
