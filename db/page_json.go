package db

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/lib/pq"
)

// A page statement returns one row whose columns are the page's parts:
// row_to_json of a single row, json_agg of a list. scanJSON fills the
// existing structs from them by their db tags, converting the values as
// lib/pq would scan the same columns.

// scanJSON fills dest, a pointer to a struct or to a slice of structs. A
// JSON null leaves it untouched (nil pointer or slice for the caller).
func scanJSON(raw []byte, dest any) error {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("page json: %w", err)
	}
	rv := reflect.ValueOf(dest).Elem()
	if rv.Kind() == reflect.Slice {
		list, ok := v.([]any)
		if !ok {
			return fmt.Errorf("page json: want an array for %s", rv.Type())
		}
		out := reflect.MakeSlice(rv.Type(), len(list), len(list))
		for i, item := range list {
			if err := fillStruct(out.Index(i), item); err != nil {
				return err
			}
		}
		rv.Set(out)
		return nil
	}
	return fillStruct(rv, v)
}

// scanJSONOne is scanJSON into a new T; nil for a JSON null.
func scanJSONOne[T any](raw []byte) (*T, error) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var t T
	if err := scanJSON(raw, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

func fillStruct(sv reflect.Value, v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("page json: want an object for %s", sv.Type())
	}
	for key, val := range obj {
		f, ok := fieldByTag(sv, key)
		if !ok {
			return fmt.Errorf("page json: no field for column %q in %s", key, sv.Type())
		}
		if err := setJSONValue(f, val); err != nil {
			return fmt.Errorf("page json: %s.%s: %w", sv.Type(), key, err)
		}
	}
	return nil
}

// fieldByTag finds the field tagged db:"tag", in embedded structs too.
func fieldByTag(sv reflect.Value, tag string) (reflect.Value, bool) {
	t := sv.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if name, _, _ := strings.Cut(sf.Tag.Get("db"), ","); name == tag {
			return sv.Field(i), true
		}
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			if f, ok := fieldByTag(sv.Field(i), tag); ok {
				return f, true
			}
		}
	}
	return reflect.Value{}, false
}

func setJSONValue(f reflect.Value, v any) error {
	switch p := f.Addr().Interface().(type) {
	case *string:
		if v != nil {
			s, ok := v.(string)
			if !ok {
				return fmt.Errorf("not a string: %v", v)
			}
			*p = s
		}
	case *bool:
		if v != nil {
			b, ok := v.(bool)
			if !ok {
				return fmt.Errorf("not a boolean: %v", v)
			}
			*p = b
		}
	case *int64:
		if v != nil {
			n, err := jsonInt(v)
			*p = n
			return err
		}
	case *int:
		if v != nil {
			n, err := jsonInt(v)
			*p = int(n)
			return err
		}
	case *time.Time:
		if v != nil {
			t, err := jsonTime(v)
			*p = t
			return err
		}
	case *sql.NullInt64:
		*p = sql.NullInt64{}
		if v != nil {
			n, err := jsonInt(v)
			*p = sql.NullInt64{Int64: n, Valid: err == nil}
			return err
		}
	case *sql.NullString:
		*p = sql.NullString{}
		if s, ok := v.(string); ok {
			*p = sql.NullString{String: s, Valid: true}
		}
	case *sql.NullTime:
		*p = sql.NullTime{}
		if v != nil {
			t, err := jsonTime(v)
			*p = sql.NullTime{Time: t, Valid: err == nil}
			return err
		}
	case *pq.Int64Array:
		*p = nil
		list, _ := v.([]any)
		for _, x := range list {
			n, err := jsonInt(x)
			if err != nil {
				return err
			}
			*p = append(*p, n)
		}
	default:
		return fmt.Errorf("unsupported type %s", f.Type())
	}
	return nil
}

func jsonInt(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number: %v", v)
	}
	return n.Int64()
}

// jsonTime reads a date ("2026-10-14", as lib/pq scans a date column) or a
// timestamp with time zone (RFC 3339, as row_to_json writes it).
func jsonTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("not a time: %v", v)
	}
	if len(s) == len(time.DateOnly) {
		return pq.ParseTimestamp(nil, s)
	}
	return time.Parse(time.RFC3339Nano, s)
}
