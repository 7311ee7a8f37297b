package i18n

// linkMessages are the catalogue entries of the account linking: the code
// that proves a registry contact ("Collega il profilo") and the office's
// queue of link requests. The manual's words: the codice fiscale is used
// "per collegare l'utenza generata ai profili dei bambini".
var linkMessages = map[string][2]string{
	"link.title":                  {"Collega il profilo ai profili dei bambini", "Link the profile to the children's profiles"},
	"link.why":                    {"Per proteggere i dati dei bambini, il codice fiscale da solo non basta: il profilo viene collegato ai profili dei bambini quando inserisci il codice di verifica che abbiamo inviato ai recapiti registrati dal Comune nell'anagrafica.", "To protect the children's data, the fiscal code alone is not enough: the profile is linked to the children's profiles when you enter the verification code we sent to the contacts the municipality has in its registry."},
	"link.sent_to":                {"Il codice di verifica è stato inviato a: %s. Vale %d minuti e una sola volta.", "The verification code was sent to: %s. It is valid for %d minutes, once."},
	"link.sending":                {"Stiamo inviando il codice di verifica ai recapiti registrati dal Comune: arriverà entro qualche minuto.", "We are sending the verification code to the contacts the municipality has on file: it will arrive within a few minutes."},
	"link.code":                   {"Codice di verifica", "Verification code"},
	"link.code.hint":              {"Le 6 cifre ricevute per e-mail o SMS.", "The 6 digits received by e-mail or text message."},
	"link.submit":                 {"Collega il profilo", "Link the profile"},
	"link.resend.intro":           {"Il codice non è arrivato o è scaduto? Puoi chiederne uno nuovo: sostituisce quelli inviati prima.", "The code did not arrive or has expired? You can ask for a new one: it replaces those sent before."},
	"link.resend":                 {"Invia un nuovo codice", "Send a new code"},
	"link.resent":                 {"Abbiamo inviato un nuovo codice di verifica a: %s.", "We sent a new verification code to: %s."},
	"link.not_yours":              {"Se i recapiti registrati dal Comune non sono più i tuoi, comunicali prima a: %s; quando li avranno aggiornati, chiedi un nuovo codice.", "If the contacts the municipality has on file are no longer yours, first give the right ones to: %s; once they are updated, ask for a new code."},
	"link.office_wait":            {"Il profilo non è ancora collegato ai profili dei bambini: l'anagrafica del Comune non ha recapiti a cui inviare un codice di verifica, quindi il collegamento sarà fatto dall'ufficio (%s) dopo aver verificato i tuoi dati. Fino ad allora non vedrai i dati dei bambini.", "The profile is not linked to the children's profiles yet: the municipal registry has no contact to send a verification code to, so the office (%s) will link it after checking your details. Until then you will not see the children's data."},
	"link.back":                   {"Torna alla pagina della famiglia", "Back to the family page"},
	"link.done":                   {"Il profilo è stato collegato ai profili dei bambini.", "The profile has been linked to the children's profiles."},
	"link.error.format":           {"Scrivi le 6 cifre del codice di verifica ricevuto.", "Type the 6 digits of the verification code you received."},
	"link.error.wrong":            {"Il codice di verifica non è giusto. Tentativi rimasti con questo codice: %d.", "The verification code is not right. Attempts left with this code: %d."},
	"link.error.spent":            {"Troppi codici sbagliati: questo codice non vale più. Chiedi un nuovo codice.", "Too many wrong codes: this code no longer works. Ask for a new code."},
	"link.error.expired":          {"Il codice di verifica è scaduto o è stato sostituito da uno più recente. Chiedi un nuovo codice.", "The verification code has expired or was replaced by a newer one. Ask for a new code."},
	"link.error.none":             {"Il codice di verifica non è ancora stato inviato. Attendi qualche minuto o chiedi un nuovo codice.", "The verification code has not been sent yet. Wait a few minutes or ask for a new code."},
	"link.error.taken":            {"Un altro profilo è già collegato a questo adulto dell'anagrafica. Rivolgiti a: %s.", "Another profile is already linked to this adult of the registry. Contact: %s."},
	"link.error.resend_throttled": {"Hai chiesto troppi codici: potrai chiederne un altro tra %d ore. Se non arrivano, rivolgiti a: %s.", "You asked for too many codes: you can ask for another in %d hours. If they do not arrive, contact: %s."},

	"family.link_code_wait":  {"Il profilo non è ancora collegato ai profili dei bambini: per vederne i dati inserisci il codice di verifica inviato ai recapiti registrati dal Comune.", "The profile is not linked to the children's profiles yet: to see their data, enter the verification code sent to the contacts the municipality has on file."},
	"family.link_enter_code": {"Inserisci il codice di verifica", "Enter the verification code"},

	"register.done.link_code": {"Per vedere i dati dei bambini il profilo va collegato ai loro profili: abbiamo inviato un codice di verifica ai recapiti registrati dal Comune (%s). Accedi e inseriscilo nella pagina «Collega il profilo»; vale %d minuti, e da lì puoi chiederne uno nuovo.", "To see the children's data the profile must be linked to their profiles: we sent a verification code to the contacts the municipality has on file (%s). Sign in and enter it on the page «Link the profile»; it is valid for %d minutes, and there you can ask for a new one."},

	"register.cf.found_locked_password": {"Codice fiscale valido: trovato nell'anagrafica del Comune. La password generata sarà inviata ai recapiti registrati dal Comune.", "Valid fiscal code: found in the municipal registry. The generated password will be sent to the contacts the municipality has on file."},
	"register.contacts.locked_password": {"Risulti già nell'anagrafica del Comune: per sicurezza la password generata sarà inviata solo all'e-mail e al cellulare registrati dal Comune (mostrati in parte), che non puoi cambiare qui. Se sono sbagliati o mancano, comunicali prima a: %s; quando li avranno aggiornati, ripeti la registrazione.", "You are already in the municipal registry: for security the generated password will be sent only to the e-mail and mobile phone the municipality has on file (partly shown), which you cannot change here. If they are wrong or missing, first give the right ones to: %s; once they are updated, register again."},

	"staff.nav.links":              {"Collegamenti da confermare", "Links to confirm"},
	"staff.links.title":            {"Profili da collegare", "Profiles to link"},
	"staff.links.lead":             {"Profili creati con la registrazione che chiedono di essere collegati a un adulto dell'anagrafica e non l'hanno ancora dimostrato con il codice di verifica. Collega solo dopo aver verificato l'identità del genitore (per esempio allo sportello o richiamando il numero in anagrafica).", "Profiles created by self-registration that ask to be linked to an adult of the registry and have not proved it with the verification code yet. Link only after checking the parent's identity (for example at the counter or by calling back the number in the registry)."},
	"staff.links.empty":            {"Nessun profilo in attesa di collegamento.", "No profile waiting to be linked."},
	"staff.links.caption":          {"Richieste di collegamento in attesa, dalla più vecchia", "Link requests waiting, oldest first"},
	"staff.links.when":             {"Richiesta", "Requested"},
	"staff.links.profile":          {"Profilo", "Profile"},
	"staff.links.typed":            {"Dati scritti dal genitore", "Details the parent typed"},
	"staff.links.registry":         {"Adulto dell'anagrafica", "Adult of the registry"},
	"staff.links.decision":         {"Decisione", "Decision"},
	"staff.links.from_ip":          {"da %s", "from %s"},
	"staff.links.source.migration": {"collegamento fatto senza verifica prima dell'aggiornamento", "link made without proof before the update"},
	"staff.links.no_adult":         {"Il codice fiscale non è nell'anagrafica.", "The fiscal code is not in the registry."},
	"staff.links.code_sent":        {"Codice inviato a %s (%d tentativi)", "Code sent to %s (%d attempts)"},
	"staff.links.no_contact":       {"Nessun recapito in anagrafica: solo l'ufficio può collegare.", "No contact in the registry: only the office can link."},
	"staff.links.adult_cf":         {"Codice fiscale dell'adulto da collegare", "Fiscal code of the adult to link"},
	"staff.links.approve":          {"Collega", "Link"},
	"staff.links.refuse":           {"Rifiuta", "Refuse"},
	"staff.links.approved":         {"Il profilo «%s» è stato collegato.", "The profile «%s» has been linked."},
	"staff.links.refused":          {"La richiesta del profilo «%s» è stata rifiutata.", "The request of the profile «%s» has been refused."},
	"staff.links.gone":             {"La richiesta non è più in attesa.", "The request is no longer waiting."},
	"staff.links.adult_unknown":    {"Nessun adulto dell'anagrafica con questo codice fiscale.", "No adult of the registry has this fiscal code."},
	"staff.links.adult_taken":      {"Questo adulto ha già un profilo collegato.", "This adult already has a linked profile."},
	"staff.adult.pending_links":    {"Profili in attesa di collegamento a questo adulto: %d.", "Profiles waiting to be linked to this adult: %d."},
	"staff.account.link_proof":     {"Collegamento dimostrato con", "Link proven by"},
	"link.proof.contact_code":      {"codice di verifica inviato ai recapiti dell'anagrafica", "verification code sent to the registry's contacts"},
	"link.proof.spid":              {"SPID", "SPID"},
	"link.proof.cie":               {"CIE", "CIE"},
	"link.proof.cns":               {"CNS/CRS", "CNS/CRS"},
	"link.proof.cst":               {"Centro Servizi Territoriali", "Territorial Services Centre"},
	"link.proof.identity":          {"SPID, CIE o CNS", "SPID, CIE or CNS"},
	"link.proof.office":            {"conferma dell'ufficio", "the office's confirmation"},
	"link.proof.seed":              {"dati dimostrativi", "demo data"},
	"staff.home.links":             {"Profili in attesa di collegamento: %d.", "Profiles waiting to be linked: %d."},
}

func init() {
	for k, v := range linkMessages {
		catalogue["it"][k] = v[0]
		catalogue["en"][k] = v[1]
	}
}
