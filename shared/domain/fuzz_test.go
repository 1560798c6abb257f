package domain

import (
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/workgate/workgate/shared/errs"
)

// FuzzParsePageToken: a page token is taken only as a sort key and an
// ID that NewID could make, from at most 1,024 bytes; what is taken
// makes a token that reads back the same; and every token PageToken
// makes of a sort key of up to 60 characters (a name) reads back.
func FuzzParsePageToken(f *testing.F) {
	id := "0123456789abcdef0123456789abcdef"
	for _, s := range []struct{ token, key string }{
		{PageToken("kim workgate", id), "kim workgate"},
		{PageToken("1767225600000000", id), "김워크"},
		{PageToken("", id), ""},
		{"WyJhIiwiMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYiXQ", "<>&\u2028"},
		{"WyJhIiwiMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYiXQ==", strings.Repeat("😀", 60)},
		{"WyJhIiwiMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWYiXR", "\xff"},
		{"WyJhIiwiMDEyMzQ1Njc4OWFi\nY2RlZjAxMjM0NTY3ODlhYmNkZWYiXQ", ""},
		{"W251bGwsIjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIl0", ""}, // [null,"…"]
		{"WyJhIiwiYi9jIl0", ""}, {"WyJhIl0", ""}, {"WyJhIiwiYiIsImMiXQ", ""}, {"e30", ""}, {"", ""}, {"!!!", ""},
	} {
		f.Add(s.token, s.key)
	}
	f.Fuzz(func(t *testing.T, token, key string) {
		k, id, err := ParsePageToken(token)
		if err != nil {
			if err != ErrPageToken { //nolint:errorlint // the one error it returns
				t.Fatalf("ParsePageToken(%q) = %v", token, err)
			}
		} else {
			if len(token) > maxPageToken || !IsID(id) {
				t.Fatalf("ParsePageToken(%q) = %q, %q", token, k, id)
			}
			if k2, id2, err := ParsePageToken(PageToken(k, id)); err != nil || k2 != k || id2 != id {
				t.Fatalf("ParsePageToken(PageToken(%q, %q)) = %q, %q, %v", k, id, k2, id2, err)
			}
		}
		if !utf8.ValidString(key) || utf8.RuneCountInString(key) > 60 {
			return
		}
		id = "fedcba9876543210fedcba9876543210"
		if k2, id2, err := ParsePageToken(PageToken(key, id)); err != nil || k2 != key || id2 != id {
			t.Fatalf("ParsePageToken(PageToken(%q, %q)) = %q, %q, %v", key, id, k2, id2, err)
		}
	})
}

// docIDSegment is what an ID from a path, a header or a token may be
// before it names a Firestore document: letters, digits, - and _ (so no
// "/", no "." or "..", no __reserved__ name), at most 1,000 bytes (of
// Firestore's 1,500).
var docIDSegment = regexp.MustCompile(`^[A-Za-z0-9_-]{1,1000}$`)

// FuzzIDs: each check of an ID that comes from outside (a path, a
// header, a token) takes only IDs of its documented form, each one safe
// as a Firestore document ID; and the feed takes the IDs of every event
// its constructors make.
func FuzzIDs(f *testing.F) {
	for _, s := range []string{
		"0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcdef\n",
		"acme", "acme-corp", "ac", "a/b", "..", "__id__", "m-0123456789abcdef0123456789abcdef",
		"r-0123456789abcdef0123456789abcdef-1767225600000000", "n-device_approval-0123456789abcdef0123456789abcdef",
		"c-0123456789abcdef0123456789abcdef-renamed", "m-", "x-../y", "m-é", "acme\n", "-" + strings.Repeat("a", 39),
	} {
		f.Add(s)
	}
	id := "0123456789abcdef0123456789abcdef"
	now := time.Date(2031, 5, 4, 3, 2, 1, 0, time.UTC)
	for _, e := range []*FeedEvent{
		MessageEvent(MessageData{RoomID: id, MessageID: id}, "acme", now), ReadEvent(id, 1767225600000000, now),
		RoomCreatedEvent(id, now), RoomChangedEvent(id, "renamed", now),
		NotificationEvent(&Notification{ID: NotificationID(NotifyDeviceApproval, id), CreatedAt: now}),
	} {
		f.Add(e.ID)
	}
	var (
		idForm          = regexp.MustCompile(`^[0-9a-f]{32}$`)
		workspaceIDForm = regexp.MustCompile(`^[a-z0-9-]{3,40}$`)
		feedIDForm      = regexp.MustCompile(`^[a-z]-[A-Za-z0-9_-]{1,298}$`)
	)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			name string
			ok   bool
			form *regexp.Regexp
		}{
			{"IsID", IsID(s), idForm},
			{"CheckWorkspaceID", CheckWorkspaceID(s) == nil, workspaceIDForm},
			{"CheckOrgID", CheckOrgID(s) == nil, workspaceIDForm},
			{"IsFeedEventID", IsFeedEventID(s), feedIDForm},
		} {
			if c.ok != c.form.MatchString(s) {
				t.Fatalf("%s(%q) = %v, unlike its documented form %s", c.name, s, c.ok, c.form)
			}
			if c.ok && !docIDSegment.MatchString(s) {
				t.Fatalf("%s took %q, which is no safe document ID", c.name, s)
			}
		}
		// The events the feed makes of such IDs are ones it can resume from.
		if IsID(s) {
			for _, e := range []*FeedEvent{
				MessageEvent(MessageData{RoomID: s, MessageID: s}, "acme", now), ReadEvent(s, int64(len(s)), now),
				RoomCreatedEvent(s, now), RoomChangedEvent(s, "members", now),
				NotificationEvent(&Notification{ID: NotificationID(NotifyMessage, s), CreatedAt: now}),
			} {
				if !IsFeedEventID(e.ID) {
					t.Fatalf("IsFeedEventID refuses %q, an event ID the feed makes", e.ID)
				}
			}
		}
	})
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

// FuzzNormalizePhone: a phone number is taken only as one that reads in
// E.164 ("+821012345678"), the same however it is written: with or
// without separators, as a Korean number with its trunk 0 or after +82
// (with the 0 some write after it, too); normalizing again changes
// nothing; and a refusal does not quote the number.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"010-1234-5678", "+82 10 1234 5678", "+82 (0)10-1234-5678", "+82 010 1234 5678", "1588-1234", "02-123-4567",
		"+1 (415) 555-0100", "(010) 1234.5678", "+0101234567", "+", "++8210", "0", "010-1234-567８", "010 1234 5678 ext 9",
		"0101234567890123", " +8210 ", "--010--1234--5678--", "+12345678901234567", "٠١٠١٢٣٤٥٦٧٨",
	} {
		f.Add(s)
	}
	_, refusal := NormalizePhone("mobile", "x")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePhone("mobile", s)
		if err != nil {
			if errs.KindOf(err) != errs.Invalid || err.Error() != refusal.Error() {
				t.Fatalf("NormalizePhone(%q) = %v, not the one refusal that quotes nothing", s, err)
			}
			return
		}
		if got == "" {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("NormalizePhone(%q) = \"\"", s)
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("NormalizePhone(%q) = %q, not E.164", s, got)
		}
		if again, err := NormalizePhone("mobile", got); err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, and again %q, %v", s, got, again, err)
		}
		bare := strings.Map(func(r rune) rune {
			if strings.ContainsRune(" -.()", r) {
				return -1
			}
			return r
		}, s)
		if again, err := NormalizePhone("mobile", bare); err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, but without separators %q, %v", s, got, again, err)
		}
		// A Korean number reads the same in each way it is written.
		if national, ok := strings.CutPrefix(got, "+82"); ok && len(national) >= 8 && len(national) <= 10 {
			for _, form := range []string{"0" + national, "+82" + national, "+82 0" + national, "+82 (0)" + national} {
				if again, err := NormalizePhone("mobile", form); err != nil || again != got {
					t.Fatalf("NormalizePhone(%q) = %q, but NormalizePhone(%q) = %q, %v", s, got, form, again, err)
				}
			}
		}
	})
}

// businessCheckDigit is the check digit of a business registration
// number's first nine digits, by the National Tax Service's rule.
func businessCheckDigit(d []int) int {
	sum := 0
	for i, w := range []int{1, 3, 7, 1, 3, 7, 1, 3, 5} {
		sum += d[i] * w
	}
	sum += d[8] * 5 / 10
	return (10 - sum%10) % 10
}

// FuzzCheckBusinessNumber: a business registration number is taken only
// as ten ASCII digits whose last is the check digit of the first nine;
// exactly one last digit completes any nine; a refusal does not quote the
// number.
func FuzzCheckBusinessNumber(f *testing.F) {
	for _, s := range []string{"1234567891", "2208162517", "1208147521", "0000000000", "123-45-67891", "12345678901", "123456789", "１２３４５６７８９１", "123456789\x00", ""} {
		f.Add(s)
	}
	refusal := CheckBusinessNumber("x")
	f.Fuzz(func(t *testing.T, n string) {
		err := CheckBusinessNumber(n)
		valid := len(n) == 10 && strings.Trim(n, "0123456789") == ""
		if valid {
			d := make([]int, 10)
			for i := range d {
				d[i] = int(n[i] - '0')
			}
			valid = businessCheckDigit(d) == d[9]
		}
		if (err == nil) != valid {
			t.Fatalf("CheckBusinessNumber(%q) = %v, want valid %v", n, err, valid)
		}
		if err != nil && err.Error() != refusal.Error() {
			t.Fatalf("CheckBusinessNumber(%q) = %v, not the one refusal that quotes nothing", n, err)
		}
		if len(n) >= 9 && strings.Trim(n[:9], "0123456789") == "" {
			ok := 0
			for c := '0'; c <= '9'; c++ {
				if CheckBusinessNumber(n[:9]+string(c)) == nil {
					ok++
				}
			}
			if ok != 1 {
				t.Fatalf("%d check digits complete %q", ok, n[:9])
			}
		}
	})
}

// FuzzNormalizeEmail: an address is taken only as a bare address (no
// display name) of at most 254 bytes, at a dotted host name (as SendGrid
// delivers to: no address literal), and is returned trimmed and in lower
// case; normalizing again changes nothing.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"kim@example.com", " Kim@Example.COM ", "kim+tag@mail.example.co.kr", "Kim <kim@example.com>", "kim@localhost",
		"kim@[10.0.0.1]", "kim@[IPv6:::1]", `"kim lee"@example.com`, "kim@example.com.", "kim@.example.com", "kim@example..com",
		"kim@exam_ple.com", "김@예시.한국", "kim@example.com,lee@example.com", "kim@example.com\n", "KIM@EXAMPLE.COM",
		"kim@example.com (comment)", strings.Repeat("a", 250) + "@b.co",
	} {
		f.Add(s)
	}
	_, refusal := NormalizeEmail("x")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeEmail(s)
		if err != nil {
			if err.Error() != refusal.Error() {
				t.Fatalf("NormalizeEmail(%q) = %v, not the one refusal that quotes nothing", s, err)
			}
			return
		}
		if got != strings.ToLower(strings.TrimSpace(s)) || len(got) > 254 {
			t.Fatalf("NormalizeEmail(%q) = %q", s, got)
		}
		a, err := mail.ParseAddress(got)
		if err != nil || a.Name != "" || a.Address != got {
			t.Fatalf("NormalizeEmail(%q) = %q, not a bare address", s, got)
		}
		host := got[strings.LastIndexByte(got, '@')+1:]
		if !strings.Contains(host, ".") || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") ||
			strings.Contains(host, "..") || strings.ContainsAny(host, "[]") {
			t.Fatalf("NormalizeEmail(%q) = %q, not at a dotted host name", s, got)
		}
		if again, err := NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("NormalizeEmail(%q) = %q, and again %q, %v", s, got, again, err)
		}
	})
}
