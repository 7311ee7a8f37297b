package gpd

import (
	"bytes"
	"encoding/json"
	"regexp"
	"time"
)

// GPD is a Java service whose date-time fields are LocalDateTime in UTC:
// it writes them without a zone ("2026-10-31T23:59:59.123") and reads them
// with or without a trailing "Z". Go's time.Time wants RFC 3339, so JSON
// goes through these two functions on the way in and out.

// dateKeys are the date-time properties of the models in openapi.json.
var dateKeys = map[string]bool{
	"dueDate": true, "validityDate": true, "retentionDate": true, "paymentDate": true, "reportingDate": true,
	"insertedDate": true, "publishDate": true, "lastUpdatedDate": true,
}

var zoneless = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$`)

// WithZones rewrites GPD's zone-less date-times as RFC 3339 UTC, so that
// the generated models can decode them. Other JSON is left as it is.
func WithZones(body []byte) ([]byte, error) {
	return rewriteDates(body, func(s string) string {
		if !zoneless.MatchString(s) {
			return s
		}
		if len(s) == len("2006-01-02T15:04") {
			s += ":00"
		}
		return s + "Z"
	})
}

// WithoutZones writes RFC 3339 date-times as GPD does: UTC, no zone,
// seconds always, the fraction only when not zero.
func WithoutZones(body []byte) ([]byte, error) {
	return rewriteDates(body, func(s string) string {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return s
		}
		return t.UTC().Format("2006-01-02T15:04:05.999999999")
	})
}

func rewriteDates(body []byte, f func(string) string) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && dateKeys[k] {
					x[k] = f(s)
				} else {
					x[k] = walk(e)
				}
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		}
		return v
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(walk(v)); err != nil {
		return nil, err
	}
	return bytes.TrimRight(out.Bytes(), "\n"), nil
}
