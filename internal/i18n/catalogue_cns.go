package i18n

// cnsConfirmMessages are the catalogue entries of the confirmation of a
// CNS/CRS card used for the first time (handlers/cns_confirm.go).
var cnsConfirmMessages = map[string][2]string{
	"cns.confirm.title":       {"Dati letti dalla CNS/CRS", "Data read from the CNS/CRS"},
	"cns.confirm.lead":        {"È la prima volta che entri nel portale con questa carta. Questi sono i dati letti dalla CNS/CRS.", "This is the first time you sign in to the portal with this card. These are the data read from the CNS/CRS."},
	"cns.confirm.name":        {"Nome e cognome", "Name"},
	"cns.confirm.fiscal_code": {"Codice fiscale", "Tax code"},
	"cns.confirm.issuer":      {"Carta emessa da", "Card issued by"},
	"cns.confirm.expiry":      {"Scadenza del certificato", "Certificate expires on"},
	"cns.confirm.question":    {"I dati sono tuoi? Clicca sul pulsante Sì per proseguire ed entrare nel portale.", "Are these your data? Click Yes to go on and sign in to the portal."},
	"cns.confirm.yes":         {"Sì", "Yes"},
	"cns.confirm.no":          {"No", "No"},
	"cns.confirm.note":        {"Se i dati non sono tuoi, clicca No: non entrerai nel portale. Le volte successive, con questa carta entrerai senza questa domanda.", "If these are not your data, click No: you will not be signed in. Next time, with this card you will sign in without this question."},
}

func init() {
	for k, v := range cnsConfirmMessages {
		catalogue["it"][k] = v[0]
		catalogue["en"][k] = v[1]
	}
}
