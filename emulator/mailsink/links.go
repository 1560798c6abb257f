package mailsink

import (
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// textURL finds URL candidates in plain text; trimURL then drops the
// punctuation that ends sentences or wraps the URL.
var textURL = regexp.MustCompile(`(?i)https?://[^\s<>"]+`)

// extractLinks returns the absolute http(s) URLs in text and in the href
// attributes of htmlBody, deduplicated, in order of first appearance.
func extractLinks(text, htmlBody string) []string {
	links := []string{}
	seen := map[string]bool{}
	add := func(u string) {
		if !seen[u] && isAbsoluteHTTP(u) {
			seen[u] = true
			links = append(links, u)
		}
	}
	for _, u := range textURL.FindAllString(text, -1) {
		add(trimURL(u))
	}
	for _, u := range hrefs(htmlBody) {
		add(u)
	}
	return links
}

// hrefs returns the values of every href attribute in doc, unescaped, in
// document order. The tokenizer skips comments and script text, which a
// browser would not treat as links either.
func hrefs(doc string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out // io.EOF: the string reader cannot fail otherwise
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range z.Token().Attr {
				if a.Namespace == "" && a.Key == "href" {
					// Browsers strip surrounding whitespace from URL attributes.
					out = append(out, strings.TrimSpace(a.Val))
				}
			}
		}
	}
}

// trimURL drops trailing punctuation that belongs to the sentence around a
// URL, and closing brackets that have no opening one inside it (as in
// "(see https://example.com/a)").
func trimURL(u string) string {
	for u != "" {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?'", last) >= 0:
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
		case last == ']' && strings.Count(u, "[") < strings.Count(u, "]"):
		case last == '}' && strings.Count(u, "{") < strings.Count(u, "}"):
		default:
			return u
		}
		u = u[:len(u)-1]
	}
	return u
}

func isAbsoluteHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
