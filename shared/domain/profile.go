package domain

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/workgate/workgate/shared/errs"
)

// Profile limits (F11), in characters.
const (
	MaxNickname      = 30
	MaxWorkLocation  = 100
	MaxStatusMessage = 60
	MaxURL           = 2048
)

// Name display formats (F11).
const (
	NameOnly         = "name"
	NameThenNickname = "name_nickname"
	NicknameThenName = "nickname_name"
)

// NameDisplays lists the name display formats.
var NameDisplays = []string{NameOnly, NameThenNickname, NicknameThenName}

// NormalizePhone checks a phone number and returns it in E.164 form
// ("+821012345678"), so that the same number always reads the same (and
// a login by phone number, F6, finds it). Spaces, dashes, dots and
// parentheses between digits are dropped. A number without a country code
// is Korean: a leading 0 is the trunk prefix ("010-1234-5678"; 00 is
// the international prefix, and starts no Korean number), and a
// nationwide 8-digit number starts with 1 ("1588-1234"); the trunk 0
// written after +82 ("+82 (0)10-1234-5678") is dropped too, as E.164 has
// none. An empty number is "".
func NormalizePhone(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	bad := errs.Errorf(errs.Invalid, "%s must be a phone number, such as 010-1234-5678 or +82 10 1234 5678", field)
	if utf8.RuneCountInString(s) > 32 {
		return "", bad
	}
	international := strings.HasPrefix(s, "+")
	var digits strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
		case strings.ContainsRune(" -.()", r):
		default:
			return "", bad
		}
	}
	d := digits.String()
	switch {
	case international:
		if rest, ok := strings.CutPrefix(d, "820"); ok {
			if strings.HasPrefix(rest, "0") {
				return "", bad // 00 opens an international number, no Korean one
			}
			d = "82" + rest // the trunk 0 some write after +82: "+82 (0)10-…"
		}
		if len(d) < 8 || len(d) > 15 || d[0] == '0' {
			return "", bad
		}
		return "+" + d, nil
	case strings.HasPrefix(d, "0") && !strings.HasPrefix(d, "00") && len(d) >= 9 && len(d) <= 11:
		return "+82" + d[1:], nil
	case strings.HasPrefix(d, "1") && len(d) == 8:
		return "+82" + d, nil
	}
	return "", bad
}

// CheckBirthday checks a birthday: a real calendar date YYYY-MM-DD,
// from 1900 and not after today. An empty birthday is "".
func CheckBirthday(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.Year() < 1900 || d.After(now) {
		return "", errs.E(errs.Invalid, "birthday must be a real date, YYYY-MM-DD, not in the future")
	}
	return d.Format(time.DateOnly), nil
}

// CheckURL checks an optional link to an image (a photo or a logo): an
// absolute http or https URL of at most MaxURL characters. It is only
// stored and shown, never fetched. An empty URL is "".
func CheckURL(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || len(s) > MaxURL || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", errs.Errorf(errs.Invalid, "%s must be an http or https URL of at most %d characters", field, MaxURL)
	}
	return s, nil
}

// ProfileEdit is a change to a member's own profile: nil leaves a field
// as it is; an empty string (or JSON null, which the handler turns into
// one) clears it.
type ProfileEdit struct {
	Nickname, Title, Position, Mobile, Landline, WorkLocation, Birthday, StatusMessage, PhotoURL *string
}

// Apply checks each field the edit sets, normalises it and sets it on m.
// It returns the Firestore names of the fields set. Nothing is set unless
// every field is valid.
func (e ProfileEdit) Apply(m *Member, now time.Time) ([]string, error) {
	out := *m
	var fields []string
	text := []struct {
		field  string
		in     *string
		out    *string
		maxLen int
	}{
		{"nickname", e.Nickname, &out.Nickname, MaxNickname},
		{"title", e.Title, &out.Title, MaxProfileText},
		{"position", e.Position, &out.Position, MaxProfileText},
		{"workLocation", e.WorkLocation, &out.WorkLocation, MaxWorkLocation},
		{"statusMessage", e.StatusMessage, &out.StatusMessage, MaxStatusMessage},
	}
	var err error
	for _, f := range text {
		if f.in == nil {
			continue
		}
		if *f.out, err = CheckProfileText(f.field, *f.in, f.maxLen); err != nil {
			return nil, err
		}
		fields = append(fields, f.field)
	}
	checked := []struct {
		field string
		in    *string
		out   *string
		check func(string) (string, error)
	}{
		{"mobile", e.Mobile, &out.Mobile, func(v string) (string, error) { return NormalizePhone("mobile", v) }},
		{"landline", e.Landline, &out.Landline, func(v string) (string, error) { return NormalizePhone("landline", v) }},
		{"birthday", e.Birthday, &out.Birthday, func(v string) (string, error) { return CheckBirthday(v, now) }},
		{"photoUrl", e.PhotoURL, &out.PhotoURL, func(v string) (string, error) { return CheckURL("photoUrl", v) }},
	}
	for _, f := range checked {
		if f.in == nil {
			continue
		}
		if *f.out, err = f.check(*f.in); err != nil {
			return nil, err
		}
		fields = append(fields, f.field)
	}
	*m = out
	return fields, nil
}

// VisibleProfile is a member's profile as other members see it: the fields
// always shown, and those the member's workspace shows (nil when hidden;
// a pointer to "" when shown but empty). Notifications keep a copy.
type VisibleProfile struct {
	MemberID      string  `firestore:"memberId"`
	DisplayName   string  `firestore:"displayName"`
	Name          string  `firestore:"name"`
	PhotoURL      string  `firestore:"photoUrl"`
	Department    string  `firestore:"department"`
	StatusMessage string  `firestore:"statusMessage"`
	Nickname      *string `firestore:"nickname,omitempty"`
	Title         *string `firestore:"title,omitempty"`
	Position      *string `firestore:"position,omitempty"`
	Mobile        *string `firestore:"mobile,omitempty"`
	Landline      *string `firestore:"landline,omitempty"`
	Email         *string `firestore:"email,omitempty"`
	WorkLocation  *string `firestore:"workLocation,omitempty"`
	Birthday      *string `firestore:"birthday,omitempty"`
}

// Show returns m's profile as the settings f of m's workspace let others
// see it.
func (f ProfileFields) Show(m *Member) *VisibleProfile {
	shown := func(on bool, v string) *string {
		if !on {
			return nil
		}
		return &v
	}
	return &VisibleProfile{
		MemberID: m.AccountID, DisplayName: f.DisplayName(m), Name: m.Name,
		PhotoURL: m.PhotoURL, Department: m.Department, StatusMessage: m.StatusMessage,
		Nickname: shown(f.Nickname, m.Nickname), Title: shown(f.Title, m.Title), Position: shown(f.Position, m.Position),
		Mobile: shown(f.Mobile, m.Mobile), Landline: shown(f.Landline, m.Landline), Email: shown(f.Email, m.Email),
		WorkLocation: shown(f.WorkLocation, m.WorkLocation), Birthday: shown(f.Birthday, m.Birthday),
	}
}

// DisplayName is m's name in the workspace's name display format. The
// nickname takes part only when the workspace shows nicknames and m has
// one: a hidden nickname never leaks through the name.
func (f ProfileFields) DisplayName(m *Member) string {
	if !f.Nickname || m.Nickname == "" {
		return m.Name
	}
	switch f.NameDisplay {
	case NameThenNickname:
		return m.Name + " (" + m.Nickname + ")"
	case NicknameThenName:
		return m.Nickname + " (" + m.Name + ")"
	}
	return m.Name
}

// Search keys (F15): a member is found by any part of their name of up to
// maxSearchPart characters, or by how it starts; those who may see e-mail
// addresses also find a member by how their address starts.
const (
	maxSearchPart   = 10
	maxSearchPrefix = 64
)

// NormalizeSearch is the form in which names and queries are compared:
// lower-case, spaces collapsed.
func NormalizeSearch(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// MemberIndex sets the fields the member list sorts and searches by from
// m's name and e-mail address.
func MemberIndex(m *Member) {
	name := NormalizeSearch(m.Name)
	m.SortKey = name
	keys := map[string]bool{}
	r := []rune(name)
	for i := range r {
		for j := i + 1; j <= len(r) && j-i <= maxSearchPart; j++ {
			keys[string(r[i:j])] = true
		}
	}
	for j := maxSearchPart + 1; j <= len(r) && j <= maxSearchPrefix; j++ {
		keys[string(r[:j])] = true
	}
	m.SearchKeys = sortedKeys(keys)
	email := []rune(NormalizeSearch(m.Email))
	for j := 1; j <= len(email) && j <= maxSearchPrefix; j++ {
		keys[string(email[:j])] = true
	}
	m.AdminSearchKeys = sortedKeys(keys)
}

// SearchKey is the key a query q looks up: what a member's keys hold for
// every q that should find them (q normalised, cut to the longest key).
func SearchKey(q string) string {
	r := []rune(NormalizeSearch(q))
	if len(r) > maxSearchPrefix {
		r = r[:maxSearchPrefix]
	}
	return string(r)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// MarshalJSON writes the profile as the API shows it: hidden fields are
// absent, and fields shown but empty are null.
func (v VisibleProfile) MarshalJSON() ([]byte, error) {
	out := map[string]any{"memberId": v.MemberID, "displayName": v.DisplayName, "name": v.Name}
	for k, s := range map[string]string{"photoUrl": v.PhotoURL, "department": v.Department, "statusMessage": v.StatusMessage} {
		out[k] = NullIfEmpty(s)
	}
	for k, p := range map[string]*string{
		"nickname": v.Nickname, "title": v.Title, "position": v.Position, "mobile": v.Mobile,
		"landline": v.Landline, "email": v.Email, "workLocation": v.WorkLocation, "birthday": v.Birthday,
	} {
		if p != nil {
			out[k] = NullIfEmpty(*p)
		}
	}
	return json.Marshal(out)
}

// NullIfEmpty is s, or nil (JSON null) if s is empty.
func NullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// NullIfZero is t in UTC, or nil (JSON null) if t is zero.
func NullIfZero(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
