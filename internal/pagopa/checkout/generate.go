// Package checkout is the HTTP client of the pagoPA Checkout API for
// creditors ("checkout/ec") v1, generated from openapi.json (see SOURCE.md).
package checkout

//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.json
