package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestInviteLinkCheckUsable(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	live := InviteLink{ExpiresAt: now.Add(time.Second), MaxUses: 3, Uses: 2}
	cases := []struct {
		name string
		mod  func(*InviteLink)
		want error
	}{
		{"live", func(*InviteLink) {}, nil},
		{"unlimited", func(l *InviteLink) { l.MaxUses, l.Uses = 0, 1_000_000 }, nil},
		{"revoked", func(l *InviteLink) { l.RevokedAt = now }, ErrInviteRevoked},
		{"expired at the second", func(l *InviteLink) { l.ExpiresAt = now }, ErrInviteExpired},
		{"used up", func(l *InviteLink) { l.Uses = 3 }, ErrInviteUsedUp},
		{"revoked and used up", func(l *InviteLink) { l.RevokedAt, l.Uses = now, 3 }, ErrInviteRevoked},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := live
			tc.mod(&l)
			if got := l.CheckUsable(now); !errors.Is(got, tc.want) {
				t.Fatalf("CheckUsable = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"  ", "", true},
		{" 010-1234-5678 ", "+821012345678", true},
		{"+82 (10) 1234.5678", "+821012345678", true},
		{"02-123-4567", "+8221234567", true},
		{"1588-1234", "+8215881234", true},
		{"+1 415 555 0100", "+14155550100", true},
		{"12", "", false},
		{"010+1234", "", false},
		{"call me", "", false},
		{"+0 123 4567 89", "", false},
		{"1234-5678-9", "", false},
		{"+1234567890123456", "", false},
		{strings.Repeat("1", 33), "", false},
	}
	for _, tc := range cases {
		got, err := NormalizePhone("mobile", tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestCheckProfileText(t *testing.T) {
	if got, err := CheckProfileText("title", "  ", 10); err != nil || got != "" {
		t.Errorf("blank = %q, %v", got, err)
	}
	if got, err := CheckProfileText("title", " 팀장 ", 10); err != nil || got != "팀장" {
		t.Errorf("trimmed = %q, %v", got, err)
	}
	if _, err := CheckProfileText("title", strings.Repeat("가", 11), 10); err == nil {
		t.Error("11 characters accepted")
	}
}
