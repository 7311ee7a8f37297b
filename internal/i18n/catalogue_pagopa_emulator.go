package i18n

// pagopaEmulatorMessages are the pages of the demo pagoPA emulator
// (internal/pagopa/emulator, only with GENITORI_DEMO_PAGOPA=true): the
// fake Checkout payment page and the switches page.
var pagopaEmulatorMessages = map[string][2]string{
	"pagopaemu.name":               {"pagoPA dimostrativo", "Demo pagoPA"},
	"pagopaemu.banner":             {"Ambiente di prova: nessun pagamento è reale e nessun dato lascia questo computer.", "Test environment: no payment is real and no data leaves this computer."},
	"pagopaemu.cart.missing.title": {"Carrello non trovato", "Cart not found"},
	"pagopaemu.cart.missing":       {"Questo carrello di pagamento non esiste o è stato rimosso. Torna al portale e ricomincia il pagamento.", "This payment cart does not exist or was removed. Go back to the portal and start the payment again."},
	"pagopaemu.error.title":        {"Servizio non disponibile", "Service unavailable"},
	"pagopaemu.error":              {"Il servizio di pagamento dimostrativo non risponde. Riprova tra qualche minuto.", "The demo payment service is not answering. Try again in a few minutes."},
	"pagopaemu.pay.title":          {"Paga con pagoPA", "Pay with pagoPA"},
	"pagopaemu.pay.lead":           {"Controlla gli avvisi da pagare, poi paga con la carta di prova oppure annulla: in entrambi i casi tornerai al portale.", "Check the notices to pay, then pay with the test card or cancel: either way you will go back to the portal."},
	"pagopaemu.pay.cart":           {"Avvisi nel carrello", "Notices in the cart"},
	"pagopaemu.pay.total":          {"Totale", "Total"},
	"pagopaemu.pay.card":           {"Numero della carta", "Card number"},
	"pagopaemu.pay.card.hint":      {"Carta di prova: va bene qualsiasi numero da 13 a 19 cifre, nessun addebito.", "Test card: any number of 13 to 19 digits will do, nothing is charged."},
	"pagopaemu.pay.card.error":     {"Scrivi il numero della carta: da 13 a 19 cifre, senza lettere.", "Type the card number: 13 to 19 digits, no letters."},
	"pagopaemu.pay.submit":         {"Paga %s", "Pay %s"},
	"pagopaemu.pay.cancel":         {"Annulla e torna al portale", "Cancel and go back to the portal"},
	"pagopaemu.pay.closed":         {"Questo pagamento è già concluso.", "This payment is already over."},
	"pagopaemu.pay.back":           {"Torna al portale", "Back to the portal"},
	"pagopaemu.col.creditor":       {"Ente creditore", "Payee"},
	"pagopaemu.col.description":    {"Oggetto del pagamento", "Payment description"},
	"pagopaemu.col.notice":         {"Codice avviso", "Notice code"},
	"pagopaemu.col.amount":         {"Importo", "Amount"},
	"pagopaemu.col.payer":          {"Debitore", "Debtor"},
	"pagopaemu.col.status":         {"Stato", "Status"},
	"pagopaemu.col.attempts":       {"Tentativi di pagamento", "Payment attempts"},
	"pagopaemu.col.actions":        {"Azioni", "Actions"},
	"pagopaemu.admin.title":        {"Interruttori di pagoPA dimostrativo", "Demo pagoPA switches"},
	"pagopaemu.admin.lead":         {"Cambia il comportamento di pagoPA dimostrativo per provare i casi difficili. Gli interruttori valgono per le chiamate del portale a GPD e Checkout.", "Change how the demo pagoPA behaves to try the hard cases. The switches apply to the portal's calls to GPD and Checkout."},
	"pagopaemu.admin.switches":     {"Interruttori", "Switches"},
	"pagopaemu.admin.delay":        {"Ritardo di ogni risposta (millisecondi)", "Delay of every answer (milliseconds)"},
	"pagopaemu.admin.fail_next":    {"Rispondi con un errore 500 alle prossime N chiamate", "Answer the next N calls with a 500 error"},
	"pagopaemu.admin.fail_every":   {"Rispondi con un errore 500 a una chiamata ogni N (0: mai)", "Answer one call in N with a 500 error (0: never)"},
	"pagopaemu.admin.lose_next":    {"Esegui le prossime N chiamate ma rispondi con un errore 500 (risposta persa)", "Carry out the next N calls but answer with a 500 error (answer lost)"},
	"pagopaemu.admin.hang":         {"Non rispondere (il portale va in timeout)", "Do not answer (the portal times out)"},
	"pagopaemu.admin.pay_twice":    {"Il PSP invia ogni pagamento due volte", "The PSP sends every payment twice"},
	"pagopaemu.admin.save":         {"Salva gli interruttori", "Save the switches"},
	"pagopaemu.admin.saved":        {"Interruttori salvati.", "Switches saved."},
	"pagopaemu.admin.positions":    {"Posizioni debitorie (le 50 più recenti)", "Debt positions (the 50 most recent)"},
	"pagopaemu.admin.none":         {"Nessuna posizione debitoria.", "No debt positions."},
	"pagopaemu.admin.pay":          {"Paga come in tabaccheria", "Pay as at a tobacconist"},
	"pagopaemu.admin.expire":       {"Fai scadere", "Make it expire"},
	"pagopaemu.admin.paid":         {"Avviso pagato.", "Notice paid."},
	"pagopaemu.admin.expired":      {"Posizione scaduta.", "Position expired."},
	"pagopaemu.admin.not_payable":  {"Operazione non possibile: l'avviso è già pagato, scaduto o cancellato.", "Not possible: the notice is already paid, expired or cancelled."},
}

func init() {
	for k, v := range pagopaEmulatorMessages {
		catalogue["it"][k] = v[0]
		catalogue["en"][k] = v[1]
	}
}
