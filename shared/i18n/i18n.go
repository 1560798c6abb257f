// Package i18n chooses the language of pages and e-mails. workgate speaks
// Korean and English; Korean is the default whenever the client expresses no
// usable preference.
package i18n

import (
	"slices"
	"strconv"
	"strings"
)

// Locale is a language workgate renders pages and e-mails in.
type Locale string

// The supported locales.
const (
	Korean  Locale = "ko"
	English Locale = "en"
)

// Default is the locale used when nothing else matches.
const Default = Korean

// Locales returns every supported locale, the default first.
func Locales() []Locale { return []Locale{Korean, English} }

// maxRanges bounds the work done on a hostile Accept-Language header.
const maxRanges = 32

// Negotiate picks the locale for an Accept-Language header (RFC 9110
// §12.5.4). Language ranges are tried by descending q-value, ties in header
// order; the first whose primary subtag is "ko" or "en" wins. Ranges with
// q=0, malformed ranges and "*" are skipped. With no match it returns
// Korean.
//
// The header is parsed by hand rather than with
// golang.org/x/text/language.ParseAcceptLanguage because that rejects the
// whole header when one entry is malformed, whereas browsers' and proxies'
// headers are best read entry by entry.
func Negotiate(acceptLanguage string) Locale {
	type choice struct {
		locale Locale
		q      float64
	}
	var choices []choice
	for i, part := range strings.Split(acceptLanguage, ",") {
		if i == maxRanges {
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		loc, ok := match(tag)
		if !ok {
			continue
		}
		q, ok := quality(params)
		if !ok || q == 0 {
			continue
		}
		choices = append(choices, choice{loc, q})
	}
	// Stable, so that equal q-values keep the client's order.
	slices.SortStableFunc(choices, func(a, b choice) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	if len(choices) == 0 {
		return Default
	}
	return choices[0].locale
}

// Parse returns English for "en" and its regional variants ("en-US",
// "en_GB", any case) and Korean for anything else. Use it for a locale that
// was stored or passed explicitly (a query parameter, an event field).
func Parse(s string) Locale {
	if loc, ok := match(s); ok {
		return loc
	}
	return Default
}

// match maps a language tag to a supported locale by its primary subtag.
func match(tag string) (Locale, bool) {
	tag = strings.TrimSpace(tag)
	primary, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	switch strings.ToLower(primary) {
	case string(Korean):
		return Korean, true
	case string(English):
		return English, true
	}
	return "", false
}

// quality reads the q parameter from the parameters after a language range
// (";q=0.8"). A missing q means 1; one that is not an RFC 9110 qvalue
// reports false. (strconv.ParseFloat alone would take "NaN", which sorts
// as equal to every weight, and ".5", "5e-1" or "+0.5".)
func quality(params string) (float64, bool) {
	if strings.TrimSpace(params) == "" {
		return 1, true
	}
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		return qvalue(strings.TrimSpace(v))
	}
	return 1, true
}

// qvalue reads a weight: "0" or "1", or either with up to three decimals
// ("1" only with zeros).
func qvalue(s string) (float64, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if (whole != "0" && whole != "1") || len(frac) > 3 || strings.Trim(frac, "0123456789") != "" ||
		(whole == "1" && strings.Trim(frac, "0") != "") {
		return 0, false
	}
	q, err := strconv.ParseFloat(s, 64)
	return q, err == nil
}
