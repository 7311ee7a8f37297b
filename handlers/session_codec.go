package handlers

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"maps"
)

// Session values are stored as a small typed JSON list: decoding gob's
// self-describing stream on every request cost more CPU than reading the
// session's row (profiled under `genitori bench`). The values the portal
// keeps are strings, int64, uint64, booleans and flash lists of strings.
const sessionCodecPrefix = "j1:"

type sessionValue struct {
	K string   `json:"k"`
	S *string  `json:"s,omitempty"`
	I *int64   `json:"i,omitempty"`
	U *uint64  `json:"u,omitempty"`
	B *bool    `json:"b,omitempty"`
	F []string `json:"f,omitempty"` // a flash list
}

func encodeSessionValues(values map[any]any) ([]byte, error) {
	list := make([]sessionValue, 0, len(values))
	for k, v := range values {
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("session key %v: not a string", k)
		}
		sv := sessionValue{K: key}
		switch v := v.(type) {
		case string:
			sv.S = &v
		case int64:
			sv.I = &v
		case uint64:
			sv.U = &v
		case bool:
			sv.B = &v
		case []any:
			sv.F = make([]string, 0, len(v))
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("session key %s: flash %T is not a string", key, x)
				}
				sv.F = append(sv.F, s)
			}
		default:
			return nil, fmt.Errorf("session key %s: unsupported value %T", key, v)
		}
		list = append(list, sv)
	}
	b, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	return append([]byte(sessionCodecPrefix), b...), nil
}

// decodeSessionValues reads what encodeSessionValues wrote, or the gob
// encoding sessions had before it. values is changed only on success.
func decodeSessionValues(data []byte, values map[any]any) error {
	rest, ok := bytes.CutPrefix(data, []byte(sessionCodecPrefix))
	if !ok {
		read := map[any]any{}
		if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&read); err != nil {
			return err
		}
		maps.Copy(values, read)
		return nil
	}
	var list []sessionValue
	if err := json.Unmarshal(rest, &list); err != nil {
		return err
	}
	read := make(map[any]any, len(list))
	for _, sv := range list {
		switch {
		case sv.S != nil:
			read[sv.K] = *sv.S
		case sv.I != nil:
			read[sv.K] = *sv.I
		case sv.U != nil:
			read[sv.K] = *sv.U
		case sv.B != nil:
			read[sv.K] = *sv.B
		default: // a flash list; an empty one is written without "f"
			flashes := make([]any, len(sv.F))
			for i, s := range sv.F {
				flashes[i] = s
			}
			read[sv.K] = flashes
		}
	}
	maps.Copy(values, read)
	return nil
}
