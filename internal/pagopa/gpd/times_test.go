package gpd

import (
	"encoding/json"
	"testing"
	"time"
)

func TestZonelessDates(t *testing.T) {
	// As GPD writes a position: LocalDateTime, no zone.
	in := []byte(`{"iupd":"x","paymentDate":"2026-10-31T23:59:59.123","description":"2026-10-31T23:59",` +
		`"paymentOption":[{"installments":[{"dueDate":"2026-11-30T10:15","amount":2000}]}]}`)
	out, err := WithZones(in)
	if err != nil {
		t.Fatal(err)
	}
	var m PaymentPositionModelResponseV3
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	if want := time.Date(2026, 10, 31, 23, 59, 59, 123e6, time.UTC); !m.PaymentDate.Equal(want) {
		t.Errorf("paymentDate = %v, want %v", m.PaymentDate, want)
	}
	inst := (*(*m.PaymentOption)[0].Installments)[0]
	if want := time.Date(2026, 11, 30, 10, 15, 0, 0, time.UTC); !inst.DueDate.Equal(want) || *inst.Amount != 2000 {
		t.Errorf("installment = %v %v", inst.DueDate, *inst.Amount)
	}
	var raw map[string]any
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["description"] != "2026-10-31T23:59" {
		t.Errorf("a non-date field was rewritten: %v", raw["description"])
	}

	back, err := WithoutZones(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(back, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["paymentDate"] != "2026-10-31T23:59:59.123" {
		t.Errorf("paymentDate written as %v", raw["paymentDate"])
	}
	dd := raw["paymentOption"].([]any)[0].(map[string]any)["installments"].([]any)[0].(map[string]any)["dueDate"]
	if dd != "2026-11-30T10:15:00" {
		t.Errorf("dueDate written as %v", dd)
	}
}
