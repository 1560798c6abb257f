package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCheckBirthday(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{" 1990-02-28 ", "1990-02-28", true},
		{"2024-02-29", "2024-02-29", true},
		{"2026-11-21", "2026-11-21", true},
		{"2023-02-29", "", false},
		{"2026-11-22", "", false},
		{"1899-12-31", "", false},
		{"1990-2-3", "", false},
		{"19900203", "", false},
	}
	for _, tc := range cases {
		got, err := CheckBirthday(tc.in, now)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("CheckBirthday(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for in, ok := range map[string]bool{
		"": true, "https://cdn.example.com/me.png": true, "http://example.com/a?b=c": true,
		"javascript:alert(1)": false, "ftp://example.com/x": false, "not a url": false, "https://": false,
		"https://user:pw@example.com/": false, "https://example.com/a b": false,
		"https://example.com/" + strings.Repeat("a", MaxURL): false,
	} {
		if _, err := CheckURL("photoUrl", in); (err == nil) != ok {
			t.Errorf("CheckURL(%q) err = %v; want ok=%v", in, err, ok)
		}
	}
}

func TestProfileEditApply(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	s := func(v string) *string { return &v }
	m := Member{Nickname: "old", Title: "Lead", Mobile: "+821011112222"}
	fields, err := ProfileEdit{Nickname: s(" Kimmy "), Mobile: s("010-1234-5678"), Title: s("")}.Apply(&m, now)
	if err != nil {
		t.Fatal(err)
	}
	if m.Nickname != "Kimmy" || m.Mobile != "+821012345678" || m.Title != "" {
		t.Errorf("applied = %+v", m)
	}
	if diff := cmp.Diff([]string{"nickname", "title", "mobile"}, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	// A bad field changes nothing, not even the good ones before it.
	before := m
	if _, err := (ProfileEdit{Nickname: s("new"), Birthday: s("2023-02-29")}).Apply(&m, now); err == nil {
		t.Fatal("bad birthday accepted")
	}
	if !cmp.Equal(m, before) {
		t.Errorf("refused edit changed %+v to %+v", before, m)
	}
	if _, err := (ProfileEdit{StatusMessage: s(strings.Repeat("가", MaxStatusMessage+1))}).Apply(&m, now); err == nil {
		t.Error("long status message accepted")
	}
	if _, err := (ProfileEdit{StatusMessage: s(strings.Repeat("가", MaxStatusMessage))}).Apply(&m, now); err != nil {
		t.Errorf("status message at the limit refused: %v", err)
	}
}

func TestShowAndDisplayName(t *testing.T) {
	m := &Member{AccountID: "a1", Name: "Kim Minji", Nickname: "MJ", Email: "mj@example.com", Mobile: "+821012345678", Department: "Sales"}
	cases := []struct {
		name   string
		fields ProfileFields
		want   string
	}{
		{"name only", ProfileFields{Nickname: true, NameDisplay: NameOnly}, "Kim Minji"},
		{"name (nickname)", ProfileFields{Nickname: true, NameDisplay: NameThenNickname}, "Kim Minji (MJ)"},
		{"nickname (name)", ProfileFields{Nickname: true, NameDisplay: NicknameThenName}, "MJ (Kim Minji)"},
		{"nickname hidden", ProfileFields{Nickname: false, NameDisplay: NicknameThenName}, "Kim Minji"},
	}
	for _, tc := range cases {
		if got := tc.fields.DisplayName(m); got != tc.want {
			t.Errorf("%s: DisplayName = %q, want %q", tc.name, got, tc.want)
		}
	}
	noNick := *m
	noNick.Nickname = ""
	if got := (ProfileFields{Nickname: true, NameDisplay: NicknameThenName}).DisplayName(&noNick); got != "Kim Minji" {
		t.Errorf("no nickname: DisplayName = %q", got)
	}

	b, err := json.Marshal(ProfileFields{Email: true, Landline: true, NameDisplay: NameOnly}.Show(m))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"memberId": "a1", "displayName": "Kim Minji", "name": "Kim Minji", "department": "Sales",
		"photoUrl": nil, "statusMessage": nil, "email": "mj@example.com", "landline": nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("shown (-want +got):\n%s", diff)
	}
}

func TestMemberIndex(t *testing.T) {
	m := &Member{Name: "  Kim   MINJI ", Email: "MJ@example.com"}
	MemberIndex(m)
	if m.SortKey != "kim minji" {
		t.Errorf("SortKey = %q", m.SortKey)
	}
	for _, q := range []string{"kim", "minji", "in", "m m", "KIM MINJI"} {
		if !slices.Contains(m.SearchKeys, SearchKey(q)) {
			t.Errorf("%q does not find the member", q)
		}
	}
	if slices.Contains(m.SearchKeys, SearchKey("mj@")) || !slices.Contains(m.AdminSearchKeys, SearchKey("mj@")) {
		t.Error("the address must be searchable by admins only")
	}
	long := &Member{Name: strings.Repeat("가나다라마바사아자차", 3)}
	MemberIndex(long)
	if !slices.Contains(long.SearchKeys, SearchKey(long.Name)) || !slices.Contains(long.SearchKeys, "나다라") {
		t.Error("long names are found by any short part and by how they start")
	}
	if slices.Contains(long.SearchKeys, string([]rune(long.Name)[1:15])) {
		t.Error("parts longer than 10 characters are only prefixes")
	}
}
