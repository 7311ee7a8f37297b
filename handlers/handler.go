// Package handlers is the HTTP layer: one route table, one Handler with its
// dependencies, one file per action.
package handlers

import (
	"html/template"
	"log/slog"

	"portalegenitori/db"
	"portalegenitori/fragments"
	"portalegenitori/internal/config"
	"portalegenitori/static"
)

// Handler holds what every action needs.
type Handler struct {
	cfg      config.Config
	store    *db.Store
	log      *slog.Logger
	pages    *fragments.Renderer
	assets   *static.Assets
	sessions *SessionStore
}

// New builds the handler and parses every template once.
func New(cfg config.Config, store *db.Store, log *slog.Logger) (*Handler, error) {
	assets, err := static.New("/static")
	if err != nil {
		return nil, err
	}
	pages, err := fragments.New(template.FuncMap{"asset": assets.URL})
	if err != nil {
		return nil, err
	}
	return &Handler{
		cfg:      cfg,
		store:    store,
		log:      log,
		pages:    pages,
		assets:   assets,
		sessions: NewSessionStore(store, cfg),
	}, nil
}
