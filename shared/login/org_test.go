package login

import (
	"testing"

	"github.com/workgate/workgate/shared/errs"
)

// TestParseLoginID: a login ID with an "@" is an e-mail address, any other
// a phone number in E.164 (Korean without a country code); anything else
// is 400.
func TestParseLoginID(t *testing.T) {
	for _, tc := range []struct {
		in           string
		email, phone string
	}{
		{"kim@example.com", "kim@example.com", ""},
		{"  Kim@Example.COM ", "kim@example.com", ""},
		{"010-1234-5678", "", "+821012345678"},
		{"01012345678", "", "+821012345678"},
		{"+82 10 1234 5678", "", "+821012345678"},
		{"+82-10-1234-5678", "", "+821012345678"},
		{"(010) 1234.5678", "", "+821012345678"},
		{"1588-1234", "", "+8215881234"},
		{"+1 415 555 0100", "", "+14155550100"},
	} {
		got, err := ParseIdentifier(tc.in)
		if err != nil || got.Email != tc.email || got.Phone != tc.phone {
			t.Errorf("ParseIdentifier(%q) = %+v, %v; want email %q phone %q", tc.in, got, err, tc.email, tc.phone)
		}
	}
	for _, in := range []string{"", "   ", "kim", "kim@", "@example.com", "kim@example", "Kim <kim@example.com>", "12345", "010-1234-567x", "+0 10 1234 5678", "phone:+821012345678"} {
		if got, err := ParseIdentifier(in); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseIdentifier(%q) = %+v, %v; want invalid_request", in, got, err)
		}
	}
}
