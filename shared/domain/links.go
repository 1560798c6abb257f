package domain

import (
	"errors"

	"github.com/workgate/workgate/shared/errs"
)

// usedLink is the errs.Gone error of a one-time link that was used (not
// merely expired, replaced or unknown). The API answers it like any other
// errs.Gone, with the same message; the pages a link opens tell it apart,
// to say what was done with the link ("already verified") rather than
// "start again". Only a link holder ever learns it, and only of their own
// link, which they could have used themselves.
type usedLink struct{ gone *errs.Error }

func (u *usedLink) Error() string { return u.gone.Error() }
func (u *usedLink) Unwrap() error { return u.gone }

// LinkUsed returns gone (an errs.Gone error) marked as the error of a link
// that was already used.
func LinkUsed(gone *errs.Error) error { return &usedLink{gone: gone} }

// IsLinkUsed reports whether err says that a one-time link was already
// used (LinkUsed).
func IsLinkUsed(err error) bool {
	var u *usedLink
	return errors.As(err, &u)
}
