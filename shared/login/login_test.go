package login

import (
	"context"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/store"
	"github.com/workgate/workgate/test/testenv"
)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// TestUnknownAccountHashes: judging a password for an address without an
// account (or an account without a password yet) runs one argon2id hash,
// as a known account does, and answers the same error.
func TestUnknownAccountHashes(t *testing.T) {
	t.Parallel()
	testenv.RequireEmulators(t)
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.Project(t), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close() }()
	h := auth.NewHasher(1)
	s := &Service{Store: st, Hasher: h, Clock: fixedClock{time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}}

	hash, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []domain.Account{
		{ID: "known", Email: "kim@example.com", PasswordHash: hash},
		{ID: "invited", Email: "lee@example.com"},
	} {
		if _, err := st.Firestore().Collection("accounts").Doc(a.ID).Set(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ name, email, accountID string }{
		{"known account", "kim@example.com", "known"},
		{"unknown address", "nobody@example.com", ""},
		{"vanished account", "gone@example.com", "gone"},
		{"account without a password", "lee@example.com", "invited"},
	}
	var answers []string
	for _, tc := range cases {
		before := h.Hashes()
		_, _, err := s.checkPassword(ctx, tc.email, tc.accountID, "wrong password!", "ko")
		if got := h.Hashes() - before; got != 1 {
			t.Errorf("%s: %d hashes, want 1", tc.name, got)
		}
		if !errs.Is(err, errs.InvalidCredentials) {
			t.Fatalf("%s: %v, want invalid_credentials", tc.name, err)
		}
		answers = append(answers, err.Error())
	}
	for i := range answers {
		if answers[i] != answers[0] {
			t.Fatalf("answers differ: %q", answers)
		}
	}
	if _, _, err := s.checkPassword(ctx, "kim@example.com", "known", "correct horse battery", "ko"); err != nil {
		t.Fatalf("right password: %v", err)
	}
}
