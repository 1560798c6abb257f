package operator

import "testing"

// FuzzOperatorKey: an Authorization header matches only as "Bearer "
// and the configured key, exactly; with no key configured, nothing does.
func FuzzOperatorKey(f *testing.F) {
	for _, s := range []struct{ key, header string }{
		{"s3cret-operator-key", "Bearer s3cret-operator-key"}, {"s3cret-operator-key", "bearer s3cret-operator-key"},
		{"s3cret-operator-key", "Bearer  s3cret-operator-key"}, {"s3cret-operator-key", "Bearer s3cret-operator-key "},
		{"k", "Bearer k\x00"}, {"", "Bearer "}, {"", ""}, {" ", "Bearer  "},
	} {
		f.Add(s.key, s.header)
	}
	f.Fuzz(func(t *testing.T, key, header string) {
		want := key != "" && header == "Bearer "+key
		if got := newOperatorKey(key).matches(header); got != want {
			t.Fatalf("key %q: matches(%q) = %v, want %v", key, header, got, want)
		}
	})
}
