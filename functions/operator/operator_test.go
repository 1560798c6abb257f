package operator

import "testing"

// TestOperatorKey: only "Bearer <the key>" matches; with no key
// configured nothing does, not even an empty bearer.
func TestOperatorKey(t *testing.T) {
	k := newOperatorKey("s3cret-operator-key")
	for header, want := range map[string]bool{
		"Bearer s3cret-operator-key":  true,
		"Bearer s3cret-operator-ke":   false,
		"Bearer s3cret-operator-keyy": false,
		"bearer s3cret-operator-key":  false,
		"s3cret-operator-key":         false,
		"Bearer ":                     false,
		"":                            false,
		"Basic s3cret-operator-key":   false,
	} {
		if got := k.matches(header); got != want {
			t.Errorf("matches(%q) = %v, want %v", header, got, want)
		}
	}
	none := newOperatorKey("")
	for _, header := range []string{"", "Bearer ", "Bearer x"} {
		if none.matches(header) {
			t.Errorf("an unconfigured key matches %q", header)
		}
	}
}
