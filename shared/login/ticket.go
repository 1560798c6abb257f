package login

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/errs"
)

// A login ticket is sealed (auth.Sealer): it carries its expiry, a hash of
// its e-mail and its account, so that a password login knows them without
// a read. What only the store can say, that no session was issued with it
// yet, is its document (stored under the token's hash), which the login's
// count requires and its session deletes (store.LoginKeys.TicketHash). A
// login with a ticket is then two round trips: count and read, commit.
//
// The plaintext is the expiry (Unix seconds, 8 bytes), the first 16 bytes
// of the e-mail's SHA-256, and the account ID padded to ticketIDWidth (an
// account's ID is 32 hex digits): an address without an account (its
// ticket can never yield a session) gets a ticket of the same length as
// any other.
const (
	ticketHashLen = 16
	ticketIDWidth = 32
	ticketLen     = 8 + ticketHashLen + ticketIDWidth
	// maxTicket bounds what is opened: a ticket is some 120 characters.
	maxTicket = 256
)

var errTicket = errs.E(errs.Unauthenticated, "The login ticket is invalid or has expired. Verify your e-mail again.")

// errTicketKey is a ticket sealed with a key this instance does not have
// yet, during a key rotation: another try may reach one that has it.
var errTicketKey = errs.E(errs.Unavailable, "The login ticket cannot be checked right now. Try again.")

// sealTicket returns the login ticket of an address (of the account
// accountID, "" if it has none), valid until expiresAt.
func (s *Service) sealTicket(email, accountID string, expiresAt time.Time) string {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, ticketLen), uint64(expiresAt.Unix())) //nolint:gosec // a time after 1970
	b = append(b, emailHash(email)...)
	b = fmt.Appendf(b, "%-*s", ticketIDWidth, accountID)
	return s.Sealer.Seal(string(b))
}

// openTicket returns the account ID ("" for none) of a login ticket if it
// is for the address email and live at now; errTicket otherwise, whatever
// is wrong with it.
func (s *Service) openTicket(ticket, email string, now time.Time) (string, error) {
	if len(ticket) > maxTicket {
		return "", errTicket
	}
	p, err := s.Sealer.Open(ticket)
	if errors.Is(err, auth.ErrUnknownSealKey) {
		return "", errTicketKey
	}
	if err != nil || len(p) < ticketLen {
		return "", errTicket
	}
	expiresAt := time.Unix(int64(binary.BigEndian.Uint64([]byte(p[:8]))), 0) //nolint:gosec // sealed by sealTicket
	if p[8:8+ticketHashLen] != string(emailHash(email)) || !now.Before(expiresAt) {
		return "", errTicket
	}
	return strings.TrimRight(p[8+ticketHashLen:], " "), nil
}

func emailHash(email string) []byte {
	sum := sha256.Sum256([]byte(email))
	return sum[:ticketHashLen]
}
