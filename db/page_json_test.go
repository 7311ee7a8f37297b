package db

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
)

type jsonInner struct {
	Note  string        `db:"note"`
	Count int           `db:"count"`
	Opt   sql.NullInt64 `db:"opt"`
}

type jsonRow struct {
	jsonInner
	ID      int64          `db:"id"`
	Name    string         `db:"name"`
	On      time.Time      `db:"on"`
	At      time.Time      `db:"at"`
	Done    bool           `db:"done"`
	Payer   sql.NullInt64  `db:"payer"`
	Label   sql.NullString `db:"label"`
	Until   sql.NullTime   `db:"until"`
	IDs     pq.Int64Array  `db:"ids"`
	Ignored string         `db:"-"`
}

// TestScanJSONMatchesEncodingJSON holds the page statements' JSON reader to
// what the encoding/json-based reader it replaced gave, value for value and
// error for error, on the shapes PostgreSQL writes and on hostile ones.
func TestScanJSONMatchesEncodingJSON(t *testing.T) {
	full := `{"id":7,"name":"Luca \"Lu\" Rossi \u00e8 \ud83d\ude00","on":"2026-10-14","at":"2026-10-14T07:59:59.123456+02:00",
		"done":true,"payer":null,"label":"x","until":"2026-12-31","ids":[1,-2,3],"note":"n","count":-4,"opt":9}`
	objects := []string{
		full,
		`{}`,
		` { "id" : 1 , "name" : "" } `,
		`{"payer":12,"label":null,"until":null,"ids":null}`,
		`{"payer":12,"label":5,"ids":[]}`,
		`{"name":null,"done":null,"on":null,"id":null}`,
		`{"name":"àèìòù €","note":"tab\tnewline\n"}`,
		// errors
		`{"id":1.5}`,
		`{"id":"1"}`,
		`{"id":1e3}`,
		`{"done":"true"}`,
		`{"on":"yesterday"}`,
		`{"unknown":1}`,
		`{"ids":[1,"2"]}`,
		`{"id":99999999999999999999}`,
		`{"id":01}`,
		`{"id":+1}`,
		`{"id":-}`,
		`{"id":1`,
		`{"id":1,}`,
		`{"name":"a}`,
		`[{"id":1}]`,
	}
	for _, in := range objects {
		t.Run(in, func(t *testing.T) {
			var got, want jsonRow
			gotErr := scanJSON([]byte(in), &got)
			wantErr := refScanJSON([]byte(in), &want)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("error: got %v, the encoding/json reader %v", gotErr, wantErr)
			}
			if gotErr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("got\n%+v\nthe encoding/json reader\n%+v", got, want)
			}
		})
	}
	lists := []string{`[]`, `null`, ``, `[` + full + `,{"id":2}]`, `[{"id":1},]`, `{"id":1}`, `[{"id":1} {"id":2}]`, `[{"name":"a"},{"name":"b","unknown":0}]`}
	for _, in := range lists {
		t.Run("list "+in, func(t *testing.T) {
			var got, want []jsonRow
			gotErr := scanJSON([]byte(in), &got)
			wantErr := refScanJSON([]byte(in), &want)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("error: got %v, the encoding/json reader %v", gotErr, wantErr)
			}
			if gotErr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("got\n%+v\nthe encoding/json reader\n%+v", got, want)
			}
		})
	}
	// stricter than encoding/json's Decoder, which stopped after one value
	var row jsonRow
	if err := scanJSON([]byte(`{"id":1} {"id":2}`), &row); err == nil {
		t.Fatal("two values: no error")
	}
	if r, err := scanJSONOne[jsonRow]([]byte("null")); r != nil || err != nil {
		t.Fatalf("null: got %v, %v; want nil, nil", r, err)
	}
}

// The reader scanJSON replaced (encoding/json into map[string]any, then
// reflection), kept as the reference.
func refScanJSON(raw []byte, dest any) error {
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
			if err := refFillStruct(out.Index(i), item); err != nil {
				return err
			}
		}
		rv.Set(out)
		return nil
	}
	return refFillStruct(rv, v)
}

func refFillStruct(sv reflect.Value, v any) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("page json: want an object for %s", sv.Type())
	}
	for key, val := range obj {
		f, ok := refFieldByTag(sv, key)
		if !ok {
			return fmt.Errorf("page json: no field for column %q in %s", key, sv.Type())
		}
		if err := refSetJSONValue(f, val); err != nil {
			return fmt.Errorf("page json: %s.%s: %w", sv.Type(), key, err)
		}
	}
	return nil
}

// fieldByTag finds the field tagged db:"tag", in embedded structs too.
func refFieldByTag(sv reflect.Value, tag string) (reflect.Value, bool) {
	t := sv.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if name, _, _ := strings.Cut(sf.Tag.Get("db"), ","); name == tag {
			return sv.Field(i), true
		}
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			if f, ok := refFieldByTag(sv.Field(i), tag); ok {
				return f, true
			}
		}
	}
	return reflect.Value{}, false
}

func refSetJSONValue(f reflect.Value, v any) error {
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
			n, err := refJSONInt(v)
			*p = n
			return err
		}
	case *int:
		if v != nil {
			n, err := refJSONInt(v)
			*p = int(n)
			return err
		}
	case *time.Time:
		if v != nil {
			t, err := refJSONTime(v)
			*p = t
			return err
		}
	case *sql.NullInt64:
		*p = sql.NullInt64{}
		if v != nil {
			n, err := refJSONInt(v)
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
			t, err := refJSONTime(v)
			*p = sql.NullTime{Time: t, Valid: err == nil}
			return err
		}
	case *pq.Int64Array:
		*p = nil
		list, _ := v.([]any)
		for _, x := range list {
			n, err := refJSONInt(x)
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

func refJSONInt(v any) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number: %v", v)
	}
	return n.Int64()
}

// jsonTime reads a date ("2026-10-14", as lib/pq scans a date column) or a
// timestamp with time zone (RFC 3339, as row_to_json writes it).
func refJSONTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("not a time: %v", v)
	}
	if len(s) == len(time.DateOnly) {
		return pq.ParseTimestamp(nil, s)
	}
	return time.Parse(time.RFC3339Nano, s)
}

// FuzzScanJSON: on any input, scanJSON agrees with the encoding/json reader
// it replaced (value for value when both read it), or refuses what that
// reader took only where the JSON is not what PostgreSQL writes. `go test`
// runs the seeds; `go test -fuzz FuzzScanJSON ./db/` explores.
func FuzzScanJSON(f *testing.F) {
	for _, seed := range []string{
		`{"id":7,"name":"Luca \"Lu\" \u00e8 \ud83d\ude00","on":"2026-10-14","at":"2026-10-14T07:59:59.123456+02:00","done":true}`,
		`[{"payer":12,"label":null,"until":"2026-12-31","ids":[1,-2,3]},{"count":-4,"opt":9,"note":"n"}]`,
		`{"id":-9223372036854775808}`, `{"id":9223372036854775807}`, `{"ids":[]}`, `[]`, `null`, `{"label":"\t\n\\/"}`,
	} {
		f.Add(seed)
	}
	// the old reader panicked on some keys PostgreSQL never writes (""):
	// that counts as a refusal
	ref := func(raw []byte, dest any) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return refScanJSON(raw, dest)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if strings.HasPrefix(strings.TrimSpace(in), "[") {
			var got, want []jsonRow
			gotErr, wantErr := scanJSON([]byte(in), &got), ref([]byte(in), &want)
			if gotErr == nil && (wantErr != nil || !reflect.DeepEqual(got, want)) {
				t.Fatalf("%q: got %+v, the encoding/json reader %+v (%v)", in, got, want, wantErr)
			}
			return
		}
		var got, want jsonRow
		gotErr, wantErr := scanJSON([]byte(in), &got), ref([]byte(in), &want)
		if gotErr == nil && (wantErr != nil || !reflect.DeepEqual(got, want)) {
			t.Fatalf("%q: got %+v, the encoding/json reader %+v (%v)", in, got, want, wantErr)
		}
	})
}

func BenchmarkScanJSON(b *testing.B) {
	var parts []string
	for i := range 40 {
		parts = append(parts, fmt.Sprintf(`{"id":%d,"name":"Pasto %d","on":"2026-10-%02d","done":true,"payer":12,"label":null,"note":"n","count":3}`, i, i, 1+i%28))
	}
	raw := []byte("[" + strings.Join(parts, ",") + "]")
	b.Run("scanJSON", func(b *testing.B) {
		for b.Loop() {
			var rows []jsonRow
			if err := scanJSON(raw, &rows); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding/json reference", func(b *testing.B) {
		for b.Loop() {
			var rows []jsonRow
			if err := refScanJSON(raw, &rows); err != nil {
				b.Fatal(err)
			}
		}
	})
}
