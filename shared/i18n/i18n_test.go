package i18n

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		header string
		want   Locale
	}{
		{"empty", "", Korean},
		{"english first", "en-US,en;q=0.9", English},
		{"korean region", "ko-KR", Korean},
		{"unsupported", "fr", Korean},
		{"unsupported then english", "fr, en;q=0.5", English},
		{"q values beat order", "en;q=0.1, ko;q=0.9", Korean},
		{"q values beat order english", "ko;q=0.2, en-GB;q=0.8", English},
		{"ties keep header order", "en;q=0.5, ko;q=0.5", English},
		{"NaN is no weight", "en;q=NaN, ko;q=0.9", Korean},
		{"a weight has a leading digit and three decimals at most", "en;q=.5, en;q=0.5000, en;q=5e-1, ko;q=0.1", Korean},
		{"q zero refuses", "en;q=0, fr", Korean},
		{"q zero refuses korean", "ko;q=0, en;q=0.1", English},
		{"wildcard ignored", "*, en;q=0.3", English},
		{"case and spaces", "  EN-us ; Q=0.7 ", English},
		{"underscore", "en_US", English},
		{"malformed q skipped", "en;q=abc, ko;q=0.1", Korean},
		{"q above one skipped", "en;q=2", Korean},
		{"garbage", ";;,,=;", Korean},
		{"typical korean browser", "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", Korean},
		{"typical english browser", "en-US,en;q=0.9,ko;q=0.8", English},
		{"prefix is not a match", "eng, ko;q=0.1", Korean},
		{"past the range limit", strings.Repeat("fr,", maxRanges) + "en", Korean},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Negotiate(tc.header); got != tc.want {
				t.Errorf("Negotiate(%q) = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Locale
	}{
		{"en", English},
		{"en-US", English},
		{"EN_gb", English},
		{" en ", English},
		{"ko", Korean},
		{"ko-KR", Korean},
		{"", Korean},
		{"fr", Korean},
		{"english", Korean},
		{"en;q=1", Korean},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := Parse(tc.in); got != tc.want {
				t.Errorf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
