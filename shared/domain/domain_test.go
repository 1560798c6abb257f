package domain

import (
	"strings"
	"testing"
	"time"
)

func TestCheckWorkspaceID(t *testing.T) {
	cases := []struct {
		id string
		ok bool
	}{
		{"acme", true}, {"a-1", true}, {strings.Repeat("a", 40), true},
		{"ab", false}, {strings.Repeat("a", 41), false}, {"Acme", false}, {"ac me", false}, {"ac_me", false}, {"", false}, {"한글", false},
	}
	for _, tc := range cases {
		if err := CheckWorkspaceID(tc.id); (err == nil) != tc.ok {
			t.Errorf("CheckWorkspaceID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
	}
}

func TestIsID(t *testing.T) {
	cases := []struct {
		id string
		ok bool
	}{
		{NewID(), true}, {strings.Repeat("0", 32), true}, {"0123456789abcdef0123456789abcdef", true},
		{strings.Repeat("a", 31), false}, {strings.Repeat("a", 33), false}, {strings.Repeat("A", 32), false},
		{strings.Repeat("g", 32), false}, {"0123456789abcdef/123456789abcdef", false}, {"", false},
	}
	for _, tc := range cases {
		if got := IsID(tc.id); got != tc.ok {
			t.Errorf("IsID(%q) = %v, want %v", tc.id, got, tc.ok)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{" Kim@Example.COM ", "kim@example.com", true},
		{"a.b+c@sub.example.co.kr", "a.b+c@sub.example.co.kr", true},
		{"kim", "", false},
		{"kim@localhost", "", false},
		{"kim@[10.0.0.1]", "", false}, // SendGrid does not deliver to address literals
		{"Kim <kim@example.com>", "", false},
		{"kim@@example.com", "", false},
		{"", "", false},
		{strings.Repeat("a", 250) + "@x.com", "", false},
	}
	for _, tc := range cases {
		got, err := NormalizeEmail(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestCheckName(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{" 김워크 ", "김워크", true},
		{strings.Repeat("가", 60), strings.Repeat("가", 60), true},
		{strings.Repeat("가", 61), "", false},
		{"   ", "", false},
		{"a\x00b", "", false},
	}
	for _, tc := range cases {
		got, err := CheckName("name", tc.in, 60)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("CheckName(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestVerificationLive(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := Verification{ExpiresAt: now.Add(time.Hour)}
	if !v.Live(now) || v.Live(now.Add(time.Hour)) {
		t.Fatal("expiry not honoured")
	}
	v.UsedAt = now
	if v.Live(now) {
		t.Fatal("a used verification is live")
	}
}

func TestIsFeedEventID(t *testing.T) {
	cases := []struct {
		id   string
		want bool
	}{
		{"m-0123456789abcdef0123456789abcdef", true},
		{"n-device_approval-0123abcd", true},
		{"r-abc-1796581230168095", true},
		{"", false},
		{"m-", false},
		{"mm-abc", false},
		{"m-abc/def", false},
		{"m-abc def", false},
		{"m-" + strings.Repeat("a", 400), false},
	}
	for _, tc := range cases {
		if got := IsFeedEventID(tc.id); got != tc.want {
			t.Errorf("IsFeedEventID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}
