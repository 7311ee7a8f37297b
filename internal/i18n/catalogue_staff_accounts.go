package i18n

// staffAccountMessages are the catalogue entries of the staff accounts the
// administrator manages and of each member's recovery codes.
var staffAccountMessages = map[string][2]string{
	"staff.nav.security":              {"Il mio accesso", "My sign-in"},
	"staff.security.title":            {"Il mio accesso: codici di recupero", "My sign-in: recovery codes"},
	"staff.security.lead":             {"Se perdi il telefono con l'app di autenticazione, puoi entrare con un codice di recupero al posto del codice di 6 cifre. Ogni codice vale una sola volta.", "If you lose the phone with the authenticator app, you can sign in with a recovery code instead of the 6-digit code. Each code works once."},
	"staff.security.not_enrolled":     {"Il tuo accesso non usa l'app di autenticazione (per esempio entri con SPID o CIE, oppure non l'hai ancora attivata): i codici di recupero non servono.", "Your sign-in does not use the authenticator app (for example you sign in with SPID or CIE, or you have not set it up yet): you do not need recovery codes."},
	"staff.security.left":             {"Codici di recupero ancora validi: %d su 10.", "Recovery codes still valid: %d of 10."},
	"staff.security.none":             {"Non hai codici di recupero: generali ora e conservali in un luogo sicuro, lontano dal telefono.", "You have no recovery codes: make them now and keep them somewhere safe, away from the phone."},
	"staff.security.create_title":     {"Genera i codici di recupero", "Make the recovery codes"},
	"staff.security.renew_title":      {"Genera nuovi codici di recupero", "Make new recovery codes"},
	"staff.security.create_intro":     {"Per sicurezza scrivi la tua password. I nuovi codici sostituiscono quelli generati prima, anche se non usati.", "For your security type your password. The new codes replace those made before, even if unused."},
	"staff.security.password":         {"Password", "Password"},
	"staff.security.create":           {"Genera 10 codici", "Make 10 codes"},
	"staff.security.password_wrong":   {"La password non è corretta.", "The password is wrong."},
	"staff.security.password_missing": {"Scrivi la tua password.", "Type your password."},
	"staff.security.codes_title":      {"I tuoi codici di recupero", "Your recovery codes"},
	"staff.security.codes_once":       {"Scrivili o stampali ora: non saranno più mostrati. Il portale conserva solo una loro impronta cifrata.", "Write them down or print them now: they will not be shown again. The portal keeps only an encrypted fingerprint of them."},
	"staff.code.recovery_summary":     {"Non hai il telefono? Entra con un codice di recupero", "No phone at hand? Sign in with a recovery code"},
	"staff.code.recovery_label":       {"Codice di recupero", "Recovery code"},
	"staff.code.recovery_hint":        {"10 caratteri come abcde-12345, tra quelli che hai generato in «Il mio accesso».", "10 characters like abcde-12345, one of those you made in «My sign-in»."},
	"staff.code.recovery_submit":      {"Entra con il codice di recupero", "Sign in with the recovery code"},
	"staff.code.recovery_wrong":       {"Il codice di recupero non è corretto o è già stato usato.", "The recovery code is wrong or was already used."},
	"staff.code.recovery_used":        {"Sei entrato con un codice di recupero: ne restano %d.", "You signed in with a recovery code: %d left."},
	"staff.code.recovery_low":         {"Sei entrato con un codice di recupero: ne restano solo %d. Genera nuovi codici in «Il mio accesso» o chiedi all'amministratore di azzerare il codice dell'app.", "You signed in with a recovery code: only %d left. Make new codes in «My sign-in» or ask the administrator to reset the app code."},
	"staff.members.state":             {"Stato", "Status"},
	"staff.members.active":            {"Attivo", "Active"},
	"staff.members.disabled":          {"Disattivato", "Disabled"},
	"staff.members.enable":            {"Riattiva", "Re-enable"},
	"staff.members.disable":           {"Disattiva", "Disable"},
	"staff.members.you":               {"tu", "you"},
	"staff.members.role_of":           {"Ruolo di %s", "Role of %s"},
	"staff.members.role_save":         {"Cambia ruolo", "Change role"},
	"staff.members.role_saved":        {"Ruolo dell'operatore cambiato.", "Staff member's role changed."},
	"staff.members.last_admin":        {"Non è possibile: l'installazione deve avere almeno un amministratore attivo.", "Not possible: the installation must keep at least one active administrator."},
	"staff.members.totp_on":           {"Attivo; codici di recupero validi: %d.", "Set up; recovery codes valid: %d."},
	"staff.members.totp_pending":      {"Da attivare al prossimo accesso.", "To be set up at the next sign-in."},
	"staff.members.totp_none":         {"Non attivo (si attiva al primo accesso con password).", "Not set up (set up at the first sign-in with a password)."},
	"staff.members.new_title":         {"Nuovo operatore", "New staff member"},
	"staff.members.new_intro":         {"Il portale genera una password temporanea da consegnare all'operatore: al primo accesso attiverà l'app di autenticazione e sceglierà la sua password.", "The portal makes a temporary password to hand to the staff member: at the first sign-in they set up the authenticator app and choose their password."},
	"staff.members.display_name":      {"Nome e cognome", "Full name"},
	"staff.members.create":            {"Crea l'operatore", "Create the staff member"},
	"staff.members.username_invalid":  {"Il nome utente deve avere da 3 a 64 caratteri: lettere, cifre, punto, trattino, trattino basso o chiocciola.", "The username must have 3 to 64 characters: letters, digits, dot, hyphen, underscore or @."},
	"staff.members.username_taken":    {"Questo nome utente è già usato in questo Comune.", "This username is already used in this municipality."},
	"staff.members.name_missing":      {"Scrivi nome e cognome dell'operatore.", "Type the staff member's full name."},
	"staff.members.name_long":         {"Nome e cognome: al massimo 100 caratteri.", "Full name: at most 100 characters."},
	"staff.members.role_missing":      {"Scegli il ruolo.", "Choose the role."},
	"staff.members.created_title":     {"Operatore %s creato", "Staff member %s created"},
	"staff.members.created_intro":     {"Consegna questi dati all'operatore di persona o per un canale sicuro:", "Hand these details to the staff member in person or over a safe channel:"},
	"staff.members.temp_password":     {"Password temporanea", "Temporary password"},
	"staff.members.created_once":      {"La password temporanea è mostrata solo ora e vale fino al primo accesso, quando l'operatore ne sceglie una sua.", "The temporary password is shown only now and works until the first sign-in, when the staff member chooses their own."},
}

func init() {
	for k, v := range staffAccountMessages {
		catalogue["it"][k] = v[0]
		catalogue["en"][k] = v[1]
	}
}
