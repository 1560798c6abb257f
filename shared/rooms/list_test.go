package rooms

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/store"
)

func TestPageSize(t *testing.T) {
	cases := []struct {
		in   string
		want int
		ok   bool
	}{
		{"", DefaultPageSize, true}, {"1", 1, true}, {"50", 50, true},
		{"0", 0, false}, {"51", 0, false}, {"-1", 0, false}, {"1.5", 0, false}, {"x", 0, false}, {" 5", 0, false},
	}
	for _, tc := range cases {
		got, err := parsePageSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parsePageSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestCursor(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	c := store.RoomCursor{ActiveAt: 1796551267970950, RoomID: id}
	token := encodeCursor(c)
	got, err := decodeCursor(token)
	if err != nil || got == nil {
		t.Fatalf("decodeCursor(%q) = %v, %v", token, got, err)
	}
	if diff := cmp.Diff(c, *got); diff != "" {
		t.Errorf("the cursor back (-want +got):\n%s", diff)
	}
	if got, err := decodeCursor(""); got != nil || err != nil {
		t.Errorf("no token: %v, %v; want none", got, err)
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, bad := range []string{
		"!", token + "x", b64(`["5"]`), b64(`["5","` + id + `0"]`), b64(`["-5","` + id + `"]`), b64(`["soon","` + id + `"]`),
		b64(`["5","../rooms"]`), b64(`["5","` + strings.ToUpper(id) + `"]`), b64("5." + id), strings.Repeat("A", 2000),
	} {
		if got, err := decodeCursor(bad); err == nil {
			t.Errorf("decodeCursor(%q) = %v, want an error", bad, got)
		}
	}
}
