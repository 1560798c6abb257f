package domain

import (
	"fmt"
	"testing"

	"github.com/workgate/workgate/shared/errs"
)

// TestLinkUsed: a used link's error is the same errs.Gone to the API (kind
// and message), and only it is told apart, however wrapped.
func TestLinkUsed(t *testing.T) {
	gone := errs.E(errs.Gone, "this link has expired or has already been used")
	used := LinkUsed(gone)
	wrapped := fmt.Errorf("verify: %w", used)
	if !IsLinkUsed(used) || !IsLinkUsed(wrapped) {
		t.Error("a used link's error is not told apart")
	}
	if IsLinkUsed(gone) || IsLinkUsed(nil) || IsLinkUsed(ErrInviteExpired) {
		t.Error("another error is taken for a used link's")
	}
	if e, ok := errs.As(wrapped); !ok || e != gone || errs.KindOf(wrapped) != errs.Gone {
		t.Errorf("the API sees %v, want the errs.Gone it wraps", e)
	}
}
