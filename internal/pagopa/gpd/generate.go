// Package gpd is the HTTP client of the pagoPA GPD (Gestione Posizioni
// Debitorie) external API v3, generated from openapi.json (see SOURCE.md).
package gpd

//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.json
