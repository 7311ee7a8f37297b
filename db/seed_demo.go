package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/calendar"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/password"
)

// DemoAccount is printed after seeding so a newcomer can sign in.
type DemoAccount struct {
	Installation, Username, Password, Note string
}

// demoAccounts are the demo credentials (also in README.md). They are demo
// data: the database keeps only their argon2id hashes.
var DemoAccounts = []DemoAccount{
	{"demo", "mario.rossi", "Mensa-Scuola-2026", "genitore, adulto pagante di Luca e Sofia"},
	{"demo", "laura.rossi", "Diario-Scuola-2026", "genitrice (tutore) di Luca e Sofia"},
	{"demo", "giulia.bianchi", "Primo-Accesso-2026", "deve cambiare la password al primo accesso"},
	{"demo", "paolo.neri", "Profilo-Vecchio-2026", "codice fiscale cambiato in anagrafica: profilo da rigenerare"},
	{"demo", "operatore", "Ufficio-Scuola-2026", "operatore del Comune"},
	{"valle", "anna.valle", "Valle-Serena-2026", "genitrice del secondo Comune, adulta pagante di Tommaso (accesso solo CST)"},
}

type person struct {
	first, last string
	birth       string
	female      bool
	place       string
}

func (p person) cf() string {
	t, err := time.Parse("2006-01-02", p.birth)
	if err != nil {
		panic(err)
	}
	return codicefiscale.Compute(p.last, p.first, t, p.female, p.place)
}

// SeedDemo loads the demo installations once; a second run changes nothing.
// The demo school year is lived up to today's date in Italy.
func (s *Store) SeedDemo(ctx context.Context) error {
	return s.SeedDemoAt(ctx, time.Now().In(calendar.Rome))
}

// SeedDemoAt is SeedDemo with an explicit "today".
func (s *Store) SeedDemoAt(ctx context.Context, today time.Time) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var exists bool
		if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM installations WHERE code = 'demo')`); err != nil {
			return fmt.Errorf("check demo: %w", err)
		}
		if exists {
			return errors.Join(seedSAMLDemo(ctx, tx), seedPagoPADemo(ctx, tx)) // idempotent: adds what an older demo database lacks
		}
		demo, err := insertInstallation(ctx, tx, `
			INSERT INTO installations (code, name, region_label, login_local, self_registration, login_spid, login_cie,
				login_cns, captcha, privacy_checkbox, delivery_channel, email_required, lock_registry_contacts,
				controller_name, controller_address, controller_email, controller_pec, controller_phone, controller_website,
				dpo_email, processor_name, processor_address, processor_email, office_name, office_hours, ipa_code,
				accessibility_feedback_email, accessibility_reviewed_on)
			VALUES ('demo', 'Comune di Esempio', 'Regione Lombardia', true, true, true, true,
				true, true, true, 'both', true, true,
				'Comune di Esempio', 'Piazza del Municipio 1, 20100 Esempio (MI)', 'scuola@comune.esempio.it',
				'protocollo@pec.comune.esempio.it', '+39 02 0000000', 'https://www.comune.esempio.it',
				'dpo@comune.esempio.it', 'Servizi Digitali Esempio S.r.l.', 'Via dei Servizi 2, 20100 Esempio (MI)',
				'privacy@servizi.esempio.it', 'Ufficio Servizi Scolastici, tel. 02 0000000', 'lun-ven 9-12',
				'c_x000', 'accessibilita@comune.esempio.it', '2026-09-01')
			RETURNING id`)
		if err != nil {
			return err
		}
		// CNS/CRS: where the demo Comune tells parents to download the card software
		if _, err := tx.ExecContext(ctx, `UPDATE installations SET cns_software_url = 'https://www.comune.esempio.it/servizi/software-carta-cns' WHERE id = $1`, demo); err != nil {
			return fmt.Errorf("seed cns software url: %w", err)
		}
		valle, err := insertInstallation(ctx, tx, `
			INSERT INTO installations (code, name, region_label, login_local, self_registration, login_spid, login_cns,
				cst_mode, cst_login_url, cst_registration_url, cst_instructions, privacy_checkbox,
				controller_name, controller_email, office_name)
			VALUES ('valle', 'Comune di Valle Serena', 'Regione Lombardia', true, true, true, true,
				true, 'https://cst.valleserena.example/accesso', 'https://cst.valleserena.example/registrazione',
				'In questo Comune si accede con le credenziali del Centro Servizi Territoriali (CST). Premi il pulsante qui sotto: dopo l''accesso sul sito del CST tornerai automaticamente al portale.',
				true, 'Comune di Valle Serena', 'scuola@comune.valleserena.example', 'Ufficio Scuola, tel. 0341 000000')
			RETURNING id`)
		if err != nil {
			return err
		}

		if err := seedLago(ctx, tx); err != nil {
			return err
		}
		if err := seedSAMLDemo(ctx, tx); err != nil { // db/seed_saml.go
			return err
		}
		if err := seedPagoPADemo(ctx, tx); err != nil { // db/seed_pagopa.go
			return err
		}

		// registry of the demo Comune
		mario := person{"Mario", "Rossi", "1982-04-12", false, "F205"}
		laura := person{"Laura", "Rossi", "1984-09-30", true, "F205"}
		giulia := person{"Giulia", "Bianchi", "1990-01-15", true, "H501"}
		anna := person{"Anna", "Verdi", "1987-06-03", true, "L219"}
		paolo := person{"Paolo", "Neri", "1979-11-21", false, "D612"}
		luca := person{"Luca", "Rossi", "2017-03-08", false, "F205"}
		sofia := person{"Sofia", "Rossi", "2020-07-22", true, "F205"}
		marco := person{"Marco", "Verdi", "2018-02-14", false, "L219"}
		elena := person{"Elena", "Bianchi", "2019-05-05", true, "H501"}
		pietro := person{"Pietro", "Neri", "2016-10-10", false, "D612"}

		adults := map[string]int64{}
		for key, a := range map[string]struct {
			p             person
			email, mobile string
		}{
			"mario":  {mario, "mario.rossi@example.it", "+393331234567"},
			"laura":  {laura, "laura.rossi@example.it", "+393337654321"},
			"giulia": {giulia, "giulia.bianchi@example.it", ""},
			"anna":   {anna, "anna.verdi@example.it", "+393401112233"},
			"paolo":  {paolo, "paolo.neri@example.it", ""},
		} {
			var id int64
			if err := tx.GetContext(ctx, &id, `
				INSERT INTO adults (installation_id, fiscal_code, first_name, last_name, email, mobile)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
				demo, a.p.cf(), a.p.first, a.p.last, a.email, a.mobile); err != nil {
				return fmt.Errorf("seed adult %s: %w", key, err)
			}
			adults[key] = id
		}
		var primaria, infanzia int64
		if err := tx.GetContext(ctx, &primaria, `INSERT INTO schools (installation_id, name) VALUES ($1, 'Scuola primaria "Gianni Rodari"') RETURNING id`, demo); err != nil {
			return fmt.Errorf("seed school: %w", err)
		}
		if err := tx.GetContext(ctx, &infanzia, `INSERT INTO schools (installation_id, name) VALUES ($1, 'Scuola dell''infanzia "Arcobaleno"') RETURNING id`, demo); err != nil {
			return fmt.Errorf("seed school: %w", err)
		}
		children := map[string]int64{}
		for key, ch := range map[string]struct {
			p      person
			school int64
			class  string
		}{
			"luca": {luca, primaria, "3ª B"}, "sofia": {sofia, infanzia, "Sezione Gialla"},
			"marco": {marco, primaria, "2ª A"}, "elena": {elena, infanzia, "Sezione Verde"},
			"pietro": {pietro, primaria, "4ª A"},
		} {
			var id int64
			if err := tx.GetContext(ctx, &id, `
				INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date, school_id, class_name)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
				demo, ch.p.cf(), ch.p.first, ch.p.last, ch.p.birth, ch.school, ch.class); err != nil {
				return fmt.Errorf("seed child %s: %w", key, err)
			}
			children[key] = id
		}
		for _, g := range []struct{ child, adult, role string }{
			{"luca", "mario", "payer"}, {"luca", "laura", "guardian"},
			{"sofia", "mario", "payer"}, {"sofia", "laura", "guardian"},
			{"marco", "anna", "payer"}, {"elena", "giulia", "payer"}, {"pietro", "paolo", "payer"},
		} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO guardianships (installation_id, child_id, adult_id, role) VALUES ($1, $2, $3, $4)`,
				demo, children[g.child], adults[g.adult], g.role); err != nil {
				return fmt.Errorf("seed guardianship: %w", err)
			}
		}
		services := map[string]int64{}
		for _, s := range []struct{ kind, name string }{
			{"mensa", "Mensa scolastica"}, {"trasporto", "Trasporto scolastico"}, {"pre-scuola", "Pre-scuola"},
			{"post-scuola", "Post-scuola"}, {"nido", "Asilo nido"},
		} {
			var id int64
			if err := tx.GetContext(ctx, &id, `INSERT INTO services (installation_id, kind, name) VALUES ($1, $2, $3) RETURNING id`, demo, s.kind, s.name); err != nil {
				return fmt.Errorf("seed service: %w", err)
			}
			services[s.kind] = id
		}
		var glutenFree int64
		if err := tx.GetContext(ctx, &glutenFree, `INSERT INTO diets (installation_id, name) VALUES ($1, 'Senza glutine') RETURNING id`, demo); err != nil {
			return fmt.Errorf("seed diet: %w", err)
		}
		for _, e := range []struct {
			child, service string
			diet           *int64
			tariff         string
			cents          int64
			billing        string
		}{
			{"luca", "mensa", &glutenFree, "Tariffa intera", 480, "daily"},
			{"luca", "trasporto", nil, "Abbonamento mensile", 3500, "monthly"},
			{"sofia", "mensa", nil, "Tariffa ridotta (ISEE)", 320, "daily"},
			{"sofia", "pre-scuola", nil, "Pre-scuola giornaliero", 150, "daily"},
			{"marco", "mensa", nil, "Tariffa intera", 480, "daily"},
			{"elena", "mensa", nil, "Tariffa intera", 480, "daily"},
			{"pietro", "mensa", nil, "Tariffa intera", 480, "daily"},
		} {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, diet_id,
					tariff_name, tariff_cents, billing)
				VALUES ($1, $2, $3, 2026, '2026-09-07', '2027-06-30', $4, $5, $6, $7)`,
				demo, children[e.child], services[e.service], e.diet, e.tariff, e.cents, e.billing); err != nil {
				return fmt.Errorf("seed enrollment: %w", err)
			}
		}

		if err := seedMenusDemo(ctx, tx, demo); err != nil { // db/seed_menus.go
			return err
		}
		valleAdult, err := seedValleFamily(ctx, tx, valle) // db/seed_demo_valle.go
		if err != nil {
			return err
		}

		// accounts
		type acct struct {
			inst                 int64
			username, role, name string
			adult                *int64
			linkedCF             string
			mustChange           bool
		}
		ptr := func(v int64) *int64 { return &v }
		paoloOldCF := person{"Paolo", "Neri", "1979-11-12", false, "D612"}.cf() // registry corrected later
		list := []acct{
			{demo, "mario.rossi", "parent", "", ptr(adults["mario"]), mario.cf(), false},
			{demo, "laura.rossi", "parent", "", ptr(adults["laura"]), laura.cf(), false},
			{demo, "giulia.bianchi", "parent", "", ptr(adults["giulia"]), giulia.cf(), true},
			{demo, "paolo.neri", "parent", "", ptr(adults["paolo"]), paoloOldCF, false},
			{demo, "operatore", "staff", "Ufficio Servizi Scolastici", nil, "", false},
			{valle, "anna.valle", "parent", "Anna Colombo", ptr(valleAdult), ValleParent.cf(), false},
		}
		accountIDs := map[string]int64{}
		for i, a := range list {
			hash, err := password.Hash(DemoAccounts[i].Password)
			if err != nil {
				return err
			}
			var linked any
			if a.linkedCF != "" {
				linked = a.linkedCF
			}
			var id int64
			if err := tx.GetContext(ctx, &id, `
				INSERT INTO accounts (installation_id, username, password_hash, must_change_password, role, adult_id,
					linked_fiscal_code, display_name, link_proof, password_changed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $6::bigint IS NOT NULL THEN 'seed' END, now()) RETURNING id`,
				a.inst, a.username, hash, a.mustChange, a.role, a.adult, linked, a.name); err != nil {
				return fmt.Errorf("seed account %s: %w", a.username, err)
			}
			if a.inst == demo {
				accountIDs[a.username] = id
			}
		}
		if err := seedStaffDemo(ctx, tx, demo, accountIDs["operatore"]); err != nil { // db/seed_staff.go
			return err
		}
		if err := seedRecoveryDemo(ctx, tx, demo); err != nil { // db/seed_recovery.go
			return err
		}
		if err := seedDocumentsDemo(ctx, tx, demo, accountIDs["operatore"], today); err != nil { // db/seed_documents.go
			return err
		}
		if err := seedISEEDemo(ctx, tx, demo, services["mensa"]); err != nil { // db/seed_isee.go
			return err
		}
		if err := seedDemoActivity(ctx, tx, demo, today, children, services, accountIDs); err != nil {
			return err
		}
		if err := seedEnrolDemo(ctx, tx, demo, today, services, accountIDs); err != nil { // db/seed_enrol.go
			return err
		}
		if err := seedDietsDemo(ctx, tx, demo, children, accountIDs); err != nil { // db/seed_diets.go
			return err
		}
		return seedDemoBooking(ctx, tx, demo, today, children, services, accountIDs) // db/seed_booking.go
	})
}

func insertInstallation(ctx context.Context, tx *sqlx.Tx, query string) (int64, error) {
	var id int64
	if err := tx.GetContext(ctx, &id, query); err != nil {
		return 0, fmt.Errorf("seed installation: %w", err)
	}
	return id, nil
}
