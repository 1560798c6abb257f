package store

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
)

// Collections of profiles and contacts (F11–F13).
const (
	colProfileLinks    = "profileLinks"
	colQRLink          = "qrLink"          // under a member: one document, "current"
	colExternalMembers = "externalMembers" // under a member, by account
	colAddedBy         = "addedBy"         // under a member, by account
	colBlocks          = "blocks"          // under a member, by account
)

func (s *Store) profileLink(id string) *firestore.DocumentRef {
	return s.fs.Collection(colProfileLinks).Doc(docID(id))
}

func (s *Store) qrLink(workspaceID, accountID string) *firestore.DocumentRef {
	return s.member(workspaceID, accountID).Collection(colQRLink).Doc("current")
}

// UpdateProfile stores the given profile fields (F11) of a member, named
// by their Firestore names, if the member still exists. Fields not named
// are left as they are, so edits of different fields never undo each other.
func (s *Store) UpdateProfile(ctx context.Context, m *domain.Member, fields []string) error {
	if len(fields) == 0 {
		return nil
	}
	values := map[string]string{
		"nickname": m.Nickname, "title": m.Title, "position": m.Position, "mobile": m.Mobile, "landline": m.Landline,
		"workLocation": m.WorkLocation, "birthday": m.Birthday, "statusMessage": m.StatusMessage, "photoUrl": m.PhotoURL,
	}
	updates := make([]firestore.Update, len(fields))
	for i, f := range fields {
		v, ok := values[f]
		if !ok {
			return fmt.Errorf("store.UpdateProfile: %q is not a profile field", f)
		}
		updates[i] = firestore.Update{Path: f, Value: v}
	}
	_, err := s.member(m.WorkspaceID, m.AccountID).Update(ctx, updates)
	if code(err) == codes.NotFound {
		return errs.E(errs.NotFound, "member not found")
	}
	return wrap("store.UpdateProfile", err)
}

// CreateProfileLink stores a one-time profile link.
func (s *Store) CreateProfileLink(ctx context.Context, l *domain.ProfileLink) error {
	_, err := s.profileLink(l.ID).Create(ctx, l)
	return wrap("store.CreateProfileLink", err)
}

// QRLink returns the ID of a member's current QR link ("" if none) and the
// update time of the record naming it (zero if none).
func (s *Store) QRLink(ctx context.Context, workspaceID, accountID string) (string, time.Time, error) {
	var ref domain.QRLinkRef
	seen, err := s.get(ctx, s.qrLink(workspaceID, accountID), &ref)
	if errs.Is(err, errs.NotFound) {
		return "", time.Time{}, nil
	}
	if err != nil {
		return "", time.Time{}, wrap("store.QRLink", err)
	}
	return ref.LinkID, seen, nil
}

// ReplaceQRLink makes l its owner's QR link, revoking the one named by
// oldID (if any) in the same commit. seen is the update time of the record
// naming the old link as read (zero if there was none): if another
// request replaced the link since, ErrRaced, and the caller reads again.
// So a member has one live QR link at most.
func (s *Store) ReplaceQRLink(ctx context.Context, l *domain.ProfileLink, oldID string, seen time.Time) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		ref := s.qrLink(l.WorkspaceID, l.AccountID)
		var err error
		if seen.IsZero() {
			err = tx.Create(ref, domain.QRLinkRef{LinkID: l.ID})
		} else {
			err = tx.Update(ref, []firestore.Update{{Path: "linkId", Value: l.ID}}, firestore.LastUpdateTime(seen))
		}
		if err != nil {
			return err
		}
		if oldID != "" {
			if err := tx.Update(s.profileLink(oldID), []firestore.Update{{Path: "revokedAt", Value: l.CreatedAt}}); err != nil {
				return err
			}
		}
		return tx.Create(s.profileLink(l.ID), l)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		return nil
	case codes.AlreadyExists, codes.FailedPrecondition:
		return ErrRaced
	}
	return wrap("store.ReplaceQRLink", err)
}

// ProfileLink returns a profile link and the update time it was read at;
// errs.NotFound if there is none.
func (s *Store) ProfileLink(ctx context.Context, id string) (*domain.ProfileLink, time.Time, error) {
	var l domain.ProfileLink
	seen, err := s.get(ctx, s.profileLink(id), &l)
	if err != nil {
		return nil, time.Time{}, wrap("store.ProfileLink", err)
	}
	return &l, seen, nil
}

// ProfileLinks returns a member's profile links, newest first, live or
// not.
func (s *Store) ProfileLinks(ctx context.Context, workspaceID, accountID string) ([]*domain.ProfileLink, error) {
	q := s.fs.Collection(colProfileLinks).Where("accountId", "==", accountID).Where("workspaceId", "==", workspaceID).
		OrderBy("createdAt", firestore.Desc)
	out, err := queried[domain.ProfileLink](ctx, q)
	return out, wrap("store.ProfileLinks", err)
}

// RevokeProfileLink revokes a link at now, if it is unchanged since it was
// read at seen (not used or revoked meanwhile); ErrRaced otherwise.
func (s *Store) RevokeProfileLink(ctx context.Context, id string, seen, now time.Time) error {
	_, err := s.profileLink(id).Update(ctx, []firestore.Update{{Path: "revokedAt", Value: now}}, firestore.LastUpdateTime(seen))
	if code(err) == codes.FailedPrecondition {
		return ErrRaced
	}
	return wrap("store.RevokeProfileLink", err)
}
