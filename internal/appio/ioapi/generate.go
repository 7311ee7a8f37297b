// Package ioapi is the client of the IO services API generated from
// services-messages.yaml (see SOURCE.md); do not edit client.gen.go.
package ioapi

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml services-messages.yaml
