package rooms

import (
	"testing"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/store"
)

// FuzzDecodeCursor: a room list's page token is taken only as a
// position the list could have given (a time from 0 and a room ID), and
// reads back from the token that position makes; every position the list
// gives reads back.
func FuzzDecodeCursor(f *testing.F) {
	id := "0123456789abcdef0123456789abcdef"
	for _, s := range []string{
		encodeCursor(store.RoomCursor{ActiveAt: 1767225600000000, RoomID: id}), encodeCursor(store.RoomCursor{RoomID: id}),
		domain.PageToken("-1", id), domain.PageToken("1e3", id), domain.PageToken(" 1", id), domain.PageToken("+1", id),
		domain.PageToken("9223372036854775808", id), domain.PageToken("kim", id), domain.PageToken("1", "r1"), "", "x",
	} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, token string, at int64) {
		c, err := decodeCursor(token)
		switch {
		case err != nil:
			if err != domain.ErrPageToken { //nolint:errorlint // the one error it returns
				t.Fatalf("decodeCursor(%q) = %v", token, err)
			}
		case c == nil:
			if token != "" {
				t.Fatalf("decodeCursor(%q) = nil", token)
			}
		default:
			if c.ActiveAt < 0 || !domain.IsID(c.RoomID) {
				t.Fatalf("decodeCursor(%q) = %+v", token, c)
			}
			if again, err := decodeCursor(encodeCursor(*c)); err != nil || *again != *c {
				t.Fatalf("decodeCursor(%q) = %+v, which encodes to a token that reads %+v, %v", token, c, again, err)
			}
		}
		if at < 0 {
			return
		}
		made := store.RoomCursor{ActiveAt: at, RoomID: id}
		if got, err := decodeCursor(encodeCursor(made)); err != nil || *got != made {
			t.Fatalf("decodeCursor(encodeCursor(%+v)) = %+v, %v", made, got, err)
		}
	})
}
