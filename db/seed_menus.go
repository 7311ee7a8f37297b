package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// seedMenusDemo gives the demo Comune a winter menu for both its schools:
// a 4-week rotation from Monday 5 October 2026 to 30 April 2027, approved
// by the ASL, with the variants of the demo diets ("Senza glutine" excludes
// gluten). One dessert of week 3 is left without its gluten-free variant,
// so "Menù — da verificare" has something to show.
func seedMenusDemo(ctx context.Context, tx *sqlx.Tx, inst int64) error {
	dishes := []struct {
		name      string
		allergens []string
	}{
		{"Pasta al pomodoro", []string{"glutine"}},
		{"Risotto alla parmigiana", []string{"latte"}},
		{"Pasta e fagioli", []string{"glutine", "sedano"}},
		{"Passato di verdure con crostini", []string{"glutine", "sedano"}},
		{"Gnocchi al ragù", []string{"glutine", "uova", "sedano"}},
		{"Pasta senza glutine al pomodoro", nil},
		{"Riso in brodo vegetale", []string{"sedano"}},
		{"Polpette di manzo al forno", []string{"glutine", "uova", "latte"}},
		{"Polpette senza glutine", []string{"uova", "latte"}},
		{"Merluzzo gratinato", []string{"pesce", "glutine"}},
		{"Merluzzo al vapore", []string{"pesce"}},
		{"Frittata al forno", []string{"uova", "latte"}},
		{"Petto di pollo al limone", nil},
		{"Formaggio Asiago", []string{"latte"}},
		{"Carote julienne", nil},
		{"Insalata verde", nil},
		{"Patate al forno", nil},
		{"Finocchi gratinati", []string{"latte", "glutine"}},
		{"Pane comune", []string{"glutine"}},
		{"Pane senza glutine", nil},
		{"Frutta di stagione", nil},
		{"Yogurt alla frutta", []string{"latte"}},
		{"Torta di mele", []string{"glutine", "uova", "latte"}},
	}
	ids := map[string]int64{}
	for _, d := range dishes {
		var id int64
		if err := tx.GetContext(ctx, &id, `INSERT INTO dishes (installation_id, name) VALUES ($1, $2) RETURNING id`, inst, d.name); err != nil {
			return fmt.Errorf("seed dish %s: %w", d.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dish_allergens (installation_id, dish_id, allergen) SELECT $1, $2, unnest($3::text[])`,
			inst, id, pq.Array(d.allergens)); err != nil {
			return fmt.Errorf("seed dish allergens: %w", err)
		}
		ids[d.name] = id
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO diet_allergens (installation_id, diet_id, allergen)
		SELECT installation_id, id, 'glutine' FROM diets WHERE installation_id = $1 AND name = 'Senza glutine'`, inst); err != nil {
		return fmt.Errorf("seed diet allergens: %w", err)
	}
	var menu int64
	if err := tx.GetContext(ctx, &menu, `INSERT INTO menus (installation_id, name, valid_from, valid_to, weeks, rotation_start, asl_approved_on)
		VALUES ($1, 'Menù invernale 2026/2027', '2026-10-05', '2027-04-30', 4, '2026-10-05', '2026-09-15') RETURNING id`, inst); err != nil {
		return fmt.Errorf("seed menu: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO menu_schools (installation_id, menu_id, school_id) SELECT $1, $2, id FROM schools WHERE installation_id = $1`,
		inst, menu); err != nil {
		return fmt.Errorf("seed menu schools: %w", err)
	}
	// primo, secondo, contorno for each weekday of the four weeks; bread and fruit every day
	primi := []string{"Pasta al pomodoro", "Risotto alla parmigiana", "Pasta e fagioli", "Passato di verdure con crostini", "Gnocchi al ragù"}
	secondi := []string{"Polpette di manzo al forno", "Formaggio Asiago", "Merluzzo gratinato", "Frittata al forno", "Petto di pollo al limone"}
	contorni := []string{"Carote julienne", "Insalata verde", "Patate al forno", "Finocchi gratinati", "Insalata verde"}
	gf := map[string]string{ // the gluten-free variants
		"Pasta al pomodoro": "Pasta senza glutine al pomodoro", "Pasta e fagioli": "Riso in brodo vegetale",
		"Passato di verdure con crostini": "Riso in brodo vegetale", "Gnocchi al ragù": "Pasta senza glutine al pomodoro",
		"Polpette di manzo al forno": "Polpette senza glutine", "Merluzzo gratinato": "Merluzzo al vapore",
		"Finocchi gratinati": "Carote julienne", "Pane comune": "Pane senza glutine", "Torta di mele": "Frutta di stagione",
	}
	item := func(week, day int, course, dish string) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO menu_items (installation_id, menu_id, week, weekday, course, dish_id) VALUES ($1, $2, $3, $4, $5, $6)`,
			inst, menu, week, day, course, ids[dish]); err != nil {
			return fmt.Errorf("seed menu item: %w", err)
		}
		alt, ok := gf[dish]
		if !ok || (week == 3 && day == 4 && course == "dessert") {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO menu_variants (installation_id, menu_id, week, weekday, course, diet_id, dish_id)
			SELECT $1, $2, $3, $4, $5, id, $6 FROM diets WHERE installation_id = $1 AND name = 'Senza glutine'`,
			inst, menu, week, day, course, ids[alt])
		return wrap("seed menu variant", err)
	}
	for week := 1; week <= 4; week++ {
		for day := 1; day <= 5; day++ {
			k := (day - 1 + week - 1) % 5 // each week moves the dishes by a day
			dessert, fruit := "", "Frutta di stagione"
			if day == 4 {
				dessert = map[bool]string{true: "Torta di mele", false: "Yogurt alla frutta"}[week%2 == 1]
				fruit = ""
			}
			for _, c := range [][2]string{{"primo", primi[k]}, {"secondo", secondi[(k+week)%5]}, {"contorno", contorni[k]},
				{"pane", "Pane comune"}, {"frutta", fruit}, {"dessert", dessert}} {
				if c[1] == "" {
					continue
				}
				if err := item(week, day, c[0], c[1]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
