package login

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/errs"
)

func testSealer(t *testing.T, fill byte) *auth.Sealer {
	t.Helper()
	s, err := auth.NewSealer(bytes.Repeat([]byte{fill}, auth.SealKeyBytes))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTicket: a sealed login ticket says its account to its own address
// until it expires, and nothing to any other address, after its expiry,
// changed, or sealed with an unknown key (a rotation: unavailable, to be
// tried again); an address without an account gets a ticket of the same
// length.
func TestTicket(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	s := &Service{Sealer: testSealer(t, 1)}
	const kim = "kim@example.com"
	ticket := s.sealTicket(kim, "0123456789abcdef0123456789abcdef", now.Add(TicketTTL))
	if id, err := s.openTicket(ticket, kim, now.Add(TicketTTL-time.Second)); err != nil || id != "0123456789abcdef0123456789abcdef" {
		t.Fatalf("open = %q, %v", id, err)
	}
	none := s.sealTicket(kim, "", now.Add(TicketTTL))
	if id, err := s.openTicket(none, kim, now); err != nil || id != "" || len(none) != len(ticket) {
		t.Fatalf("no account: %q, %v; length %d, an account's %d", id, err, len(none), len(ticket))
	}
	long := strings.Repeat("a", ticketIDWidth+8) // no account has one, but it must not lock anyone out
	if id, err := s.openTicket(s.sealTicket(kim, long, now.Add(TicketTTL)), kim, now); err != nil || id != long {
		t.Fatalf("a longer account ID: %q, %v", id, err)
	}
	if len(ticket) > 128 {
		t.Fatalf("a ticket of %d characters", len(ticket))
	}
	changed := []byte(ticket)
	changed[len(changed)-5] ^= 'A' ^ 'B'
	other := &Service{Sealer: testSealer(t, 2)}
	for _, c := range []struct {
		name, ticket, email string
		at                  time.Time
		want                errs.Kind
	}{
		{"expired", ticket, kim, now.Add(TicketTTL), errs.Unauthenticated},
		{"another address", ticket, "lee@example.com", now, errs.Unauthenticated},
		{"the address in other letters", ticket, strings.ToUpper(kim), now, errs.Unauthenticated},
		{"changed", string(changed), kim, now, errs.Unauthenticated},
		{"not sealed", auth.NewToken(), kim, now, errs.Unauthenticated},
		{"too long", ticket + strings.Repeat("A", maxTicket), kim, now, errs.Unauthenticated},
		{"an unknown key", other.sealTicket(kim, "a1", now.Add(TicketTTL)), kim, now, errs.Unavailable},
	} {
		if id, err := s.openTicket(c.ticket, c.email, c.at); errs.KindOf(err) != c.want || id != "" {
			t.Errorf("%s: %q, %v; want %s", c.name, id, err, c.want)
		}
	}
}
