package login

import (
	"regexp"
	"strings"
	"testing"

	"github.com/workgate/workgate/shared/domain"
)

// FuzzParseIdentifier: a login ID on the organisation screen is taken
// as exactly one of a normalised e-mail address (when it has an "@") or
// an E.164 phone number, the same one NormalizeEmail or NormalizePhone
// makes of it; a refusal is the one invalid_request that quotes nothing.
func FuzzParseIdentifier(f *testing.F) {
	for _, s := range []string{
		"kim@example.com", "  Kim@Example.COM ", "010-1234-5678", "+82 10 1234 5678", "+82 (0)10-1234-5678",
		"1588-1234", "kim", "", " ", "@", "010@1234", "kim@example.com\x00", "+", "01012345678@example.com",
	} {
		f.Add(s)
	}
	e164 := regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIdentifier(s)
		if err != nil {
			if err != errLoginID { //nolint:errorlint // the one error it returns
				t.Fatalf("ParseIdentifier(%q) = %v", s, err)
			}
			return
		}
		if (id.Email == "") == (id.Phone == "") {
			t.Fatalf("ParseIdentifier(%q) = %+v, want one of an address and a number", s, id)
		}
		if id.Email != "" {
			if want, err := domain.NormalizeEmail(s); err != nil || want != id.Email || !strings.Contains(s, "@") {
				t.Fatalf("ParseIdentifier(%q) = %+v", s, id)
			}
			return
		}
		if want, err := domain.NormalizePhone("loginId", s); err != nil || want != id.Phone || !e164.MatchString(id.Phone) || strings.Contains(s, "@") {
			t.Fatalf("ParseIdentifier(%q) = %+v", s, id)
		}
	})
}
