package handlers

import (
	"net/http/httptest"
	"testing"
)

// TestLongRequests: only an upload of a certificate, a registry import and
// a run's ZIP get past the server's timeouts (TestSlowUploadOutlivesServerTimeouts
// shows what that means on a real server).
func TestLongRequests(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		long         bool
	}{
		{"POST", "/demo/diete", true},
		{"POST", "/demo/operatori/importa", true},
		{"GET", "/demo/operatori/attestazioni/elaborazioni/7/attestazioni.zip", true},
		{"GET", "/demo/diete", false},
		{"POST", "/demo/operatori/diete", false},
		{"GET", "/demo/operatori/importa", false},
		{"GET", "/demo/attestazioni.zip", false},
		{"POST", "/demo/operatori/attestazioni/elaborazioni/7/attestazioni.zip", false},
		{"POST", "/demo/accesso", false},
		{"GET", "/demo/famiglia", false},
	} {
		if got := longRequest(httptest.NewRequest(tc.method, tc.path, nil)); got != tc.long {
			t.Errorf("%s %s: long %v, want %v", tc.method, tc.path, got, tc.long)
		}
	}
}
