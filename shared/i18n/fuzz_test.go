package i18n

import (
	"slices"
	"strings"
	"testing"
)

// refQvalue reads a weight as RFC 9110 §12.4.2 writes it: "0" or "1", or
// either with up to three decimals ("1" only with zeros).
func refQvalue(s string) (int, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if (whole != "0" && whole != "1") || len(frac) > 3 || strings.Trim(frac, "0123456789") != "" ||
		(whole == "1" && strings.Trim(frac, "0") != "") {
		return 0, false
	}
	n := int(whole[0]-'0') * 1000
	for i, c := range frac + strings.Repeat("0", 3-len(frac)) {
		n += int(c-'0') * []int{100, 10, 1}[i]
	}
	return n, true
}

// negotiate is Negotiate written from RFC 9110 §12.5.4, as the
// property's reference: the first 32 ranges, each a language tag whose
// primary subtag is ko or en (any case, "_" for "-"), with a weight of 1
// unless a q parameter says otherwise (a malformed weight drops the
// range); the highest weight wins, the earliest of equals; else Korean.
func negotiate(header string) Locale {
	best, bestQ := Default, 0
	for i, part := range strings.Split(header, ",") {
		if i == maxRanges {
			break
		}
		fields := strings.Split(part, ";")
		var loc Locale
		switch primary, _, _ := strings.Cut(strings.ReplaceAll(strings.TrimSpace(fields[0]), "_", "-"), "-"); strings.ToLower(primary) {
		case "ko":
			loc = Korean
		case "en":
			loc = English
		default:
			continue
		}
		q, ok := 1000, true
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				q, ok = refQvalue(strings.TrimSpace(v))
				break
			}
		}
		if ok && q > bestQ {
			best, bestQ = loc, q
		}
	}
	return best
}

// FuzzNegotiate: Accept-Language always yields a supported locale, the
// one RFC 9110's rules pick, and Parse always yields a supported locale.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{
		"", "*", "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "en-US,en;q=0.9", "en;q=0.5, ko;q=0.5", "fr, en;q=0.1",
		"en;q=0", "en;q=1.0", "en;q=1.001", "en;q=0.0001", "en;q=.5", "en;q=NaN, ko;q=0.9", "en;q=0x1p-1, ko;q=0.9",
		"en;q=1e-1, ko;q=0.2", "en;q=+0.5, ko;q=0.4", "en;q=5e-1, ko;q=0.4", "EN_gb", "ko;q=0.5;q=1, en;q=0.6",
		"en; Q=0.3 , ko;q=0.2", "en;q=0.5;level=1", strings.Repeat("fr,", 40) + "en", "en;q=0.5000, ko;q=0.4", "\xffen",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := Negotiate(header)
		if !slices.Contains(Locales(), got) {
			t.Fatalf("Negotiate(%q) = %q, not a supported locale", header, got)
		}
		if want := negotiate(header); got != want {
			t.Fatalf("Negotiate(%q) = %q, want %q", header, got, want)
		}
		if p := Parse(header); !slices.Contains(Locales(), p) {
			t.Fatalf("Parse(%q) = %q, not a supported locale", header, p)
		}
	})
}
