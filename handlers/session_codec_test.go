package handlers

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"testing"
)

func TestSessionValuesRoundTrip(t *testing.T) {
	in := map[any]any{keyAccount: int64(42), keyInstallation: int64(-1), keyWriteLSN: uint64(1 << 63),
		keySecondFactor: true, keyRenew: false, keySAMLNameID: "spid-code\"è", "_flash": []any{"Salvato.", ""}, "empty": ""}
	data, err := encodeSessionValues(in)
	if err != nil {
		t.Fatal(err)
	}
	out := map[any]any{}
	if err := decodeSessionValues(data, out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("got %#v, want %#v", out, in)
	}
	// a session written before this codec (gob) is still read
	var old bytes.Buffer
	if err := gob.NewEncoder(&old).Encode(map[any]any{keyAccount: int64(7), keySAMLIdP: "demo"}); err != nil {
		t.Fatal(err)
	}
	out = map[any]any{}
	if err := decodeSessionValues(old.Bytes(), out); err != nil || out[keyAccount] != int64(7) || out[keySAMLIdP] != "demo" {
		t.Fatalf("gob session: got %#v, %v", out, err)
	}
	for _, bad := range []map[any]any{{1: "x"}, {"k": 1.5}, {"k": []any{1}}} {
		if _, err := encodeSessionValues(bad); err == nil {
			t.Errorf("%#v: encoded, want an error", bad)
		}
	}
	// an empty flash list survives
	data, err = encodeSessionValues(map[any]any{"_flash": []any{}})
	if err != nil {
		t.Fatal(err)
	}
	out = map[any]any{}
	if err := decodeSessionValues(data, out); err != nil || len(out["_flash"].([]any)) != 0 {
		t.Fatalf("empty flash list: got %#v, %v", out, err)
	}
	// unreadable data leaves the values as they were
	out = map[any]any{"keep": "me"}
	if err := decodeSessionValues([]byte(`j1:[{"k":"x","s":"a"},`), out); err == nil || len(out) != 1 {
		t.Fatalf("broken data: got %#v, %v", out, err)
	}
}
