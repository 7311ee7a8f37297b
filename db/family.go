package db

import (
	"context"
	"fmt"
)

// Adult is a person of the Comune's registry.
type Adult struct {
	InstallationID int64  `db:"installation_id"`
	ID             int64  `db:"id"`
	FiscalCode     string `db:"fiscal_code"`
	FirstName      string `db:"first_name"`
	LastName       string `db:"last_name"`
	Email          string `db:"email"`
	Mobile         string `db:"mobile"`
}

// AdultByID loads an adult of the installation.
func (s *Store) AdultByID(ctx context.Context, installationID, id int64) (*Adult, error) {
	var a Adult
	err := s.db.GetContext(ctx, &a,
		`SELECT installation_id, id, fiscal_code, first_name, last_name, email, mobile
		 FROM adults WHERE installation_id = $1 AND id = $2`, installationID, id)
	if err != nil {
		return nil, fmt.Errorf("adult %d: %w", id, notFound(err))
	}
	return &a, nil
}

// ChildSummary is a child as listed on the family home.
type ChildSummary struct {
	ID        int64  `db:"id"`
	FirstName string `db:"first_name"`
	LastName  string `db:"last_name"`
	Role      string `db:"role"`
	School    string `db:"school"`
	ClassName string `db:"class_name"`
}

// ChildrenOfAdult lists the children the adult is a guardian of.
func (s *Store) ChildrenOfAdult(ctx context.Context, installationID, adultID int64) ([]ChildSummary, error) {
	var list []ChildSummary
	err := s.db.SelectContext(ctx, &list, `
		SELECT c.id, c.first_name, c.last_name, g.role, coalesce(s.name, '') AS school, c.class_name
		FROM guardianships g
		JOIN children c ON c.installation_id = g.installation_id AND c.id = g.child_id
		LEFT JOIN schools s ON s.installation_id = c.installation_id AND s.id = c.school_id
		WHERE g.installation_id = $1 AND g.adult_id = $2
		ORDER BY c.birth_date, c.first_name`, installationID, adultID)
	if err != nil {
		return nil, fmt.Errorf("children of adult %d: %w", adultID, err)
	}
	return list, nil
}
