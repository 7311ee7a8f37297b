package db

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"
)

// A page statement returns one row whose columns are the page's parts:
// row_to_json of a single row, json_agg of a list. scanJSON fills the
// existing structs from them by their db tags, converting the values as
// lib/pq would scan the same columns.
//
// It parses the JSON itself, straight into the fields: the parts are flat
// objects of scalars (and integer arrays) written by PostgreSQL, and going
// through encoding/json's map[string]any cost more CPU than the rest of the
// handler (profiled under `genitori bench`). A field plan per struct type is
// built once.

// scanJSON fills dest, a pointer to a struct or to a slice of structs. A
// JSON null leaves it untouched (nil pointer or slice for the caller).
func scanJSON(raw []byte, dest any) error {
	if isJSONNull(raw) {
		return nil
	}
	p := jsonParser{b: raw}
	rv := reflect.ValueOf(dest).Elem()
	var err error
	if rv.Kind() == reflect.Slice {
		err = p.slice(rv)
	} else {
		err = p.object(rv, planOf(rv.Type()))
	}
	if err == nil {
		p.space()
		if p.i != len(p.b) {
			err = p.fail("trailing data")
		}
	}
	if err != nil {
		return fmt.Errorf("page json: %s: %w", rv.Type(), err)
	}
	return nil
}

// scanJSONOne is scanJSON into a new T; nil for a JSON null.
func scanJSONOne[T any](raw []byte) (*T, error) {
	if isJSONNull(raw) {
		return nil, nil
	}
	var t T
	if err := scanJSON(raw, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// isJSONNull: SQL NULL (no bytes) or a JSON null, as PostgreSQL writes it.
func isJSONNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

type fieldKind uint8

const (
	kindString fieldKind = iota + 1
	kindBool
	kindInt
	kindTime
	kindNullInt64
	kindNullString
	kindNullTime
	kindInt64Array
)

type jsonField struct {
	index []int
	kind  fieldKind
}

var (
	plans sync.Map // reflect.Type -> map[string]jsonField

	timeType       = reflect.TypeFor[time.Time]()
	nullInt64Type  = reflect.TypeFor[sql.NullInt64]()
	nullStringType = reflect.TypeFor[sql.NullString]()
	nullTimeType   = reflect.TypeFor[sql.NullTime]()
	int64ArrayType = reflect.TypeFor[pq.Int64Array]()
)

// planOf maps each db tag of t (embedded structs included, the outer field
// winning) to the field's index and how to set it.
func planOf(t reflect.Type) map[string]jsonField {
	if p, ok := plans.Load(t); ok {
		return p.(map[string]jsonField)
	}
	plan := map[string]jsonField{}
	addFields(plan, t, nil)
	plans.Store(t, plan)
	return plan
}

func addFields(plan map[string]jsonField, t reflect.Type, prefix []int) {
	var embedded []reflect.StructField
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct {
			sf.Index = index
			embedded = append(embedded, sf)
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("db"), ",")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		if _, taken := plan[name]; taken {
			continue
		}
		plan[name] = jsonField{index: index, kind: kindOf(sf.Type)}
	}
	for _, sf := range embedded {
		sub := map[string]jsonField{}
		addFields(sub, sf.Type, sf.Index)
		for k, v := range sub {
			if _, taken := plan[k]; !taken {
				plan[k] = v
			}
		}
	}
}

func kindOf(t reflect.Type) fieldKind {
	switch t {
	case timeType:
		return kindTime
	case nullInt64Type:
		return kindNullInt64
	case nullStringType:
		return kindNullString
	case nullTimeType:
		return kindNullTime
	case int64ArrayType:
		return kindInt64Array
	}
	switch t.Kind() {
	case reflect.String:
		return kindString
	case reflect.Bool:
		return kindBool
	case reflect.Int, reflect.Int64, reflect.Int32:
		return kindInt
	}
	return 0 // an error when the JSON has the column
}

// jsonParser reads the JSON PostgreSQL writes; it accepts any valid JSON
// text for the shapes above and refuses anything else.
type jsonParser struct {
	b []byte
	i int
}

var errJSONSyntax = errors.New("syntax error")

func (p *jsonParser) fail(what string) error {
	return fmt.Errorf("%w at offset %d: %s", errJSONSyntax, p.i, what)
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// literal consumes word (null, true, false) when it is next.
func (p *jsonParser) literal(word string) bool {
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

func (p *jsonParser) expect(c byte) error {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return nil
	}
	return p.fail("want " + string(c))
}

// next reports whether a list goes on after an element (",") or ends (end).
func (p *jsonParser) next(end byte) (bool, error) {
	p.space()
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case ',':
			p.i++
			return true, nil
		case end:
			p.i++
			return false, nil
		}
	}
	return false, p.fail("want , or " + string(end))
}

// empty consumes end when the list is empty.
func (p *jsonParser) empty(end byte) bool {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == end {
		p.i++
		return true
	}
	return false
}

func (p *jsonParser) slice(rv reflect.Value) error {
	if err := p.expect('['); err != nil {
		return err
	}
	plan := planOf(rv.Type().Elem())
	out := reflect.New(rv.Type()).Elem()
	out.Grow(8)
	if !p.empty(']') {
		for {
			n := out.Len()
			if n == out.Cap() {
				out.Grow(1)
			}
			out.SetLen(n + 1)
			if err := p.object(out.Index(n), plan); err != nil {
				return err
			}
			more, err := p.next(']')
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
	}
	rv.Set(out)
	return nil
}

func (p *jsonParser) object(sv reflect.Value, plan map[string]jsonField) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.empty('}') {
		return nil
	}
	for {
		p.space()
		key, escaped, err := p.rawStr()
		if err != nil {
			return err
		}
		if escaped {
			s, err := unescape(key)
			if err != nil {
				return err
			}
			key = []byte(s)
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		f, ok := plan[string(key)]
		if !ok {
			return fmt.Errorf("no field for column %q", key)
		}
		if err := p.value(sv.FieldByIndex(f.index), f.kind); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		more, err := p.next('}')
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}

// value sets f from the next JSON value; null leaves strings, booleans,
// numbers and times as they are and makes the Null types invalid.
func (p *jsonParser) value(f reflect.Value, kind fieldKind) error {
	p.space()
	if p.literal("null") {
		switch kind {
		case kindNullInt64, kindNullString, kindNullTime, kindInt64Array:
			f.SetZero()
		case 0:
			return fmt.Errorf("unsupported type %s", f.Type())
		}
		return nil
	}
	switch kind {
	case kindString:
		s, err := p.str()
		f.SetString(s)
		return err
	case kindNullString:
		if p.i < len(p.b) && p.b[p.i] != '"' {
			return p.skip() // a non-string leaves it invalid, as before
		}
		s, err := p.str()
		*f.Addr().Interface().(*sql.NullString) = sql.NullString{String: s, Valid: err == nil}
		return err
	case kindBool:
		switch {
		case p.literal("true"):
			f.SetBool(true)
		case p.literal("false"):
			f.SetBool(false)
		default:
			return p.fail("not a boolean")
		}
		return nil
	case kindInt:
		n, err := p.int()
		f.SetInt(n)
		return err
	case kindNullInt64:
		n, err := p.int()
		*f.Addr().Interface().(*sql.NullInt64) = sql.NullInt64{Int64: n, Valid: err == nil}
		return err
	case kindTime, kindNullTime:
		s, err := p.str()
		if err != nil {
			return err
		}
		t, err := parseJSONTime(s)
		if err != nil {
			return err
		}
		if kind == kindTime {
			*f.Addr().Interface().(*time.Time) = t
		} else {
			*f.Addr().Interface().(*sql.NullTime) = sql.NullTime{Time: t, Valid: true}
		}
		return nil
	case kindInt64Array:
		if err := p.expect('['); err != nil {
			return err
		}
		var list pq.Int64Array
		if !p.empty(']') {
			for {
				p.space()
				n, err := p.int()
				if err != nil {
					return err
				}
				list = append(list, n)
				more, err := p.next(']')
				if err != nil {
					return err
				}
				if !more {
					break
				}
			}
		}
		*f.Addr().Interface().(*pq.Int64Array) = list
		return nil
	}
	return fmt.Errorf("unsupported type %s", f.Type())
}

// str reads a JSON string; only one with escapes goes through encoding/json.
func (p *jsonParser) str() (string, error) {
	raw, escaped, err := p.rawStr()
	if err != nil || !escaped {
		return string(raw), err
	}
	return unescape(raw)
}

// rawStr returns a JSON string as written, with its quotes when it needs
// unescape, without them otherwise.
func (p *jsonParser) rawStr() (raw []byte, escaped bool, err error) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false, p.fail("not a string")
	}
	start := p.i
	nonASCII := false
	for j := start + 1; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '\\':
			escaped = true
			j++
		case c == '"':
			p.i = j + 1
			// invalid UTF-8 (PostgreSQL writes none) is replaced as encoding/json does
			if escaped || nonASCII && !utf8.Valid(p.b[start+1:j]) {
				return p.b[start : j+1], true, nil
			}
			return p.b[start+1 : j], false, nil
		case c >= 0x80:
			nonASCII = true
		case c < 0x20:
			return nil, false, p.fail("control character in string")
		}
	}
	return nil, false, p.fail("unterminated string")
}

func unescape(quoted []byte) (string, error) {
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return "", fmt.Errorf("string: %w", err)
	}
	return s, nil
}

// int reads a JSON number that must be an integer: -?(0|[1-9][0-9]*).
// A JSON number with a fraction or an exponent is refused, as is what is
// not a JSON number at all ("01", "+1").
func (p *jsonParser) int() (int64, error) {
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	switch {
	case p.i == digits:
		return 0, p.fail("not a number")
	case p.b[digits] == '0' && p.i-digits > 1:
		return 0, p.fail("a number with a leading zero")
	case p.i < len(p.b) && (p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E'):
		return 0, fmt.Errorf("not an integer at offset %d", start)
	}
	n, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("not an integer: %s", p.b[start:p.i])
	}
	return n, nil
}

// skip passes over one scalar value.
func (p *jsonParser) skip() error {
	switch {
	case p.i < len(p.b) && p.b[p.i] == '"':
		_, err := p.str()
		return err
	case p.literal("true"), p.literal("false"):
		return nil
	}
	_, err := p.int()
	return err
}

// parseJSONTime reads a date ("2026-10-14", as lib/pq scans a date column)
// or a timestamp with time zone (RFC 3339, as row_to_json writes it).
func parseJSONTime(s string) (time.Time, error) {
	if len(s) == len(time.DateOnly) {
		return pq.ParseTimestamp(nil, s)
	}
	return time.Parse(time.RFC3339Nano, s)
}
