package domain

import (
	"strings"
	"testing"
	"time"
)

func TestNextSeq(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 123456789, time.UTC)
	micros := now.UnixMicro()
	for _, c := range []struct {
		name          string
		latest, tried int64
		want          int64
	}{
		{"the time, in an empty room", 0, 0, micros},
		{"the time, after older messages", micros - 5, 0, micros},
		{"above the latest, when a clock is behind", micros + 7, 0, micros + 8},
		{"above a lost try", micros, micros + 1, micros + 2},
	} {
		if got := NextSeq(now, c.latest, c.tried); got != c.want {
			t.Errorf("%s: NextSeq = %d, want %d", c.name, got, c.want)
		}
	}
	if far := NextSeq(time.Date(2255, 1, 1, 0, 0, 0, 0, time.UTC), 0, 0); far > MaxSeq {
		t.Errorf("a seq of 2255 is %d, above 2^53-1", far)
	}
}

func TestCheckMessage(t *testing.T) {
	ok := []struct{ text, id string }{
		{"a", "c"},
		{strings.Repeat("가", MaxMessageText), strings.Repeat("x", MaxClientMessageID)},
		{"line\nbreak\ttab", "550e8400-e29b-41d4-a716-446655440000"},
	}
	for _, c := range ok {
		if err := CheckMessage(c.text, c.id); err != nil {
			t.Errorf("CheckMessage(%.20q, %q) = %v", c.text, c.id, err)
		}
	}
	bad := []struct{ text, id string }{
		{"", "c"},
		{" \n\t", "c"},
		{strings.Repeat("가", MaxMessageText+1), "c"},
		{"a", ""},
		{"a", strings.Repeat("x", MaxClientMessageID+1)},
		{"a", "c\x00"},
	}
	for _, c := range bad {
		if err := CheckMessage(c.text, c.id); err == nil {
			t.Errorf("CheckMessage(%.20q, %.20q) accepted", c.text, c.id)
		}
	}
}

func TestMutedUntil(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	for _, m := range []int{30, 60, 120, 240} {
		got, err := MutedUntil(m, now)
		if err != nil || !got.Equal(now.Add(time.Duration(m)*time.Minute)) {
			t.Errorf("MutedUntil(%d) = %v, %v", m, got, err)
		}
	}
	if got, err := MutedUntil(0, now); err != nil || !got.IsZero() {
		t.Errorf("MutedUntil(0) = %v, %v; want zero", got, err)
	}
	for _, m := range []int{-30, 15, 45, 480} {
		if _, err := MutedUntil(m, now); err == nil {
			t.Errorf("MutedUntil(%d) accepted", m)
		}
	}
}

func TestPreviewAndRoomName(t *testing.T) {
	long := strings.Repeat("메", NotePreview+5)
	if got := Preview(long); got != strings.Repeat("메", NotePreview) {
		t.Errorf("Preview cut to %d characters", len([]rune(got)))
	}
	if got := Preview("short"); got != "short" {
		t.Errorf("Preview(short) = %q", got)
	}
	if n, err := CheckRoomName("  "); n != "" || err != nil {
		t.Errorf("blank name = %q, %v; want none", n, err)
	}
	if n, err := CheckRoomName(" Team "); n != "Team" || err != nil {
		t.Errorf("name = %q, %v", n, err)
	}
	if _, err := CheckRoomName(strings.Repeat("a", MaxRoomName+1)); err == nil {
		t.Error("a 51-character name was accepted")
	}
}

func TestMemberKeyAndRoom(t *testing.T) {
	k := MemberKey("acme", "0123")
	if ws, acc := SplitMemberKey(k); ws != "acme" || acc != "0123" {
		t.Errorf("SplitMemberKey(%q) = %q, %q", k, ws, acc)
	}
	r := Room{MemberKeys: []string{"acme:a", "other:b"}}
	if !r.Has("other:b") || r.Has("acme:b") || r.Other("acme:a") != "other:b" {
		t.Errorf("room membership is wrong: %+v", r)
	}
	if ids := r.MemberIDs(); len(ids) != 2 || ids[0] != "a" || ids[1] != "b" {
		t.Errorf("MemberIDs = %v", ids)
	}
}

func TestNullIfZero(t *testing.T) {
	if NullIfZero(time.Time{}) != nil {
		t.Error("a zero time is not null")
	}
	seoul := time.FixedZone("KST", 9*3600)
	at := time.Date(2026, 11, 22, 9, 0, 0, 0, seoul)
	if got := NullIfZero(at); got == nil || !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("NullIfZero(%v) = %v, want the same instant in UTC", at, got)
	}
}
