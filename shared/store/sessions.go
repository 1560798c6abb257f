package store

import (
	"context"
	"errors"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

// Membership is an account's membership of a workspace together with the
// workspace, read in one round trip.
type Membership struct {
	Member    *domain.Member    // nil if there is none
	Workspace *domain.Workspace // nil if there is none
}

// Membership reads an account's membership of a workspace and the
// workspace.
func (s *Store) Membership(ctx context.Context, workspaceID, accountID string) (*Membership, error) {
	snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{s.member(workspaceID, accountID), s.fs.Collection(colWorkspaces).Doc(workspaceID)})
	if err != nil {
		return nil, wrap("store.Membership", err)
	}
	m, err := membership(snaps[0], snaps[1])
	return m, wrap("store.Membership", err)
}

func membership(member, workspace *firestore.DocumentSnapshot) (*Membership, error) {
	var m Membership
	if member.Exists() {
		m.Member = &domain.Member{}
		if err := member.DataTo(m.Member); err != nil {
			return nil, err
		}
	}
	if workspace.Exists() {
		m.Workspace = &domain.Workspace{}
		if err := workspace.DataTo(m.Workspace); err != nil {
			return nil, err
		}
	}
	return &m, nil
}

// Caller is what every authenticated request checks besides the access
// token's signature: its session, the membership and the workspace, read
// together in one round trip.
type Caller struct {
	Session     *domain.Session
	SessionSeen time.Time
	Membership
	// SeenAt is when the member was last marked present (zero if never).
	SeenAt time.Time
}

// Caller reads a session with the membership and workspace it claims and
// the member's presence; errs.NotFound if the session does not exist.
func (s *Store) Caller(ctx context.Context, sessionID, workspaceID, accountID string) (*Caller, error) {
	snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{
		s.session(sessionID),
		s.member(workspaceID, accountID),
		s.fs.Collection(colWorkspaces).Doc(workspaceID),
		s.presence(workspaceID, accountID),
	})
	if err != nil {
		return nil, wrap("store.Caller", err)
	}
	if !snaps[0].Exists() {
		return nil, errs.E(errs.NotFound, "not found")
	}
	c := &Caller{Session: &domain.Session{}, SessionSeen: snaps[0].UpdateTime}
	if err := snaps[0].DataTo(c.Session); err != nil {
		return nil, wrap("store.Caller", err)
	}
	m, err := membership(snaps[1], snaps[2])
	if err != nil {
		return nil, wrap("store.Caller", err)
	}
	c.Membership = *m
	if snaps[3].Exists() {
		var p domain.Presence
		if err := snaps[3].DataTo(&p); err != nil {
			return nil, wrap("store.Caller", err)
		}
		c.SeenAt = p.LastSeenAt
	}
	return c, nil
}

// NewSession is a login that issues a session: what it consumes and what
// it creates, committed together.
type NewSession struct {
	Session *domain.Session
	// AccountSeen, when set, is the update time of the account as the
	// login read it: the commit records the login on the account
	// (lastLoginAt) on condition that it is unchanged, so a password
	// changed since fails it (ErrRaced).
	AccountSeen time.Time
	// Device, when set, is a device this login makes trusted; the account
	// records it too (lastDeviceTrustedAt, and firstDeviceAt for its
	// first), so of two first logins only one trusts its device.
	Device *domain.TrustedDevice
	// FirstDevice marks the account as having trusted its first device.
	FirstDevice bool
	// Counter, for a login whose password was judged, resets the
	// address's lockout counter on condition that it is as counted
	// (Attempt.Seen): a password change resets it too, so one committed
	// since the count fails the commit.
	Counter *Attempt
	Email   string
	// TicketHash names a login ticket to use up (its document is
	// deleted), if any: the commit fails if it was used since.
	TicketHash string
	// DeviceSeen, for a login on a device trusted before, is the update
	// time of the device as the login read it: the commit fails if the
	// device was revoked since.
	DeviceSeen time.Time
	// Approval and ApprovalSeen name an approved request whose session
	// this is (issued once).
	Approval     string
	ApprovalSeen time.Time
	// RecoveryKeySeen is the update time of the workspace's recovery key
	// that this login uses up, if any.
	RecoveryKeySeen time.Time
	Events          []events.Event
	Now             time.Time
}

// CreateSession commits a login, in one round trip. ErrRaced if the
// account, the counter, the login ticket, the device, the approval or the
// recovery key changed since they were read.
func (s *Store) CreateSession(ctx context.Context, n NewSession) error {
	err := s.commit(ctx, func(w writer) error {
		if n.TicketHash != "" {
			if err := w.Delete(s.loginTicket(n.TicketHash), firestore.Exists); err != nil {
				return err
			}
		}
		if n.Counter != nil {
			cRef, _ := s.counterRefs(CounterPassword, n.Email)
			if err := w.Update(cRef, []firestore.Update{{Path: "count", Value: 0}}, firestore.LastUpdateTime(n.Counter.Seen)); err != nil {
				return err
			}
		}
		if err := s.recordLogin(w, n); err != nil {
			return err
		}
		if !n.DeviceSeen.IsZero() {
			ref := s.device(n.Session.AccountID, n.Session.DeviceID)
			if err := w.Update(ref, []firestore.Update{{Path: "lastSeenAt", Value: n.Now}}, firestore.LastUpdateTime(n.DeviceSeen)); err != nil {
				return err
			}
		}
		if n.Approval != "" {
			if err := w.Update(s.approval(n.Approval), []firestore.Update{{Path: "sessionIssued", Value: true}}, firestore.LastUpdateTime(n.ApprovalSeen)); err != nil {
				return err
			}
		}
		if !n.RecoveryKeySeen.IsZero() {
			ref := s.fs.Collection(colRecoveryKeys).Doc(n.Session.WorkspaceID)
			used := []firestore.Update{{Path: "keyMac", Value: ""}, {Path: "usedAt", Value: n.Now}}
			if err := w.Update(ref, used, firestore.LastUpdateTime(n.RecoveryKeySeen)); err != nil {
				return err
			}
		}
		// A login is a sign of life: the member is online (F9).
		if err := w.Set(s.presence(n.Session.WorkspaceID, n.Session.AccountID), domain.Presence{AccountID: n.Session.AccountID, LastSeenAt: n.Now}); err != nil {
			return err
		}
		if err := w.Create(s.session(n.Session.ID), n.Session); err != nil {
			return err
		}
		return s.addEvents(w, n.Events)
	})
	switch code(err) {
	case codes.OK:
		return nil
	case codes.FailedPrecondition, codes.NotFound, codes.AlreadyExists, codes.Aborted:
		// Something consumed changed (the error does not say what): the
		// caller reads again. Of concurrent commits that consume the same
		// documents, a loser may be told first that the new device the
		// winner created exists.
		return ErrRaced
	}
	return wrap("store.CreateSession", err)
}

// recordLogin records a login on its account, on condition that the
// account is as the login read it (AccountSeen), and creates the device it
// trusts, if any: trusting a device always writes the account.
func (s *Store) recordLogin(w writer, n NewSession) error {
	if !n.AccountSeen.IsZero() || n.Device != nil {
		acc := []firestore.Update{{Path: "lastLoginAt", Value: n.Now}}
		if n.Device != nil {
			acc = append(acc, firestore.Update{Path: "lastDeviceTrustedAt", Value: n.Now})
		}
		if n.FirstDevice {
			acc = append(acc, firestore.Update{Path: "firstDeviceAt", Value: n.Now})
		}
		if err := w.Update(s.fs.Collection(colAccounts).Doc(n.Session.AccountID), acc, firestore.LastUpdateTime(n.AccountSeen)); err != nil {
			return err
		}
	}
	if n.Device == nil {
		return nil
	}
	return w.Create(s.device(n.Device.AccountID, n.Device.ID), n.Device)
}

// Session returns a session and the update time it was read at.
func (s *Store) Session(ctx context.Context, id string) (*domain.Session, time.Time, error) {
	var sess domain.Session
	t, err := s.get(ctx, s.session(id), &sess)
	if err != nil {
		return nil, time.Time{}, wrap("store.Session", err)
	}
	return &sess, t, nil
}

// RotateRefresh replaces a session's refresh secret, if the session is
// unchanged since it was read; errs.Gone if it changed (a concurrent
// rotation or revocation won).
func (s *Store) RotateRefresh(ctx context.Context, sess *domain.Session, seen time.Time) error {
	_, err := s.session(sess.ID).Update(ctx, []firestore.Update{
		{Path: "refreshHash", Value: sess.RefreshHash},
		{Path: "rotated", Value: sess.Rotated},
		{Path: "refreshedAt", Value: sess.RefreshedAt},
		{Path: "expiresAt", Value: sess.ExpiresAt},
		{Path: "purgeAt", Value: sess.PurgeAt},
	}, firestore.LastUpdateTime(seen))
	if code(err) == codes.FailedPrecondition || code(err) == codes.NotFound {
		return errs.E(errs.Gone, "the session changed")
	}
	return wrap("store.RotateRefresh", err)
}

// RevokeSession ends one session (kept until it would have expired, so a
// reused refresh token is still recognised). Revoking a revoked session
// changes nothing.
func (s *Store) RevokeSession(ctx context.Context, id, why string, now time.Time) error {
	_, err := s.session(id).Update(ctx, revoke(why, now))
	if code(err) == codes.NotFound {
		return nil
	}
	return wrap("store.RevokeSession", err)
}

func revoke(why string, now time.Time) []firestore.Update {
	return []firestore.Update{{Path: "revokedAt", Value: now}, {Path: "revokedWhy", Value: why}}
}

// activeSessions returns the references of the account's unrevoked
// sessions, optionally only those in one workspace or on one device.
func (s *Store) activeSessions(ctx context.Context, accountID, field, value string) ([]*firestore.DocumentRef, error) {
	q := s.fs.Collection(colSessions).Where("accountId", "==", accountID).Where("revokedAt", "==", time.Time{})
	if field != "" {
		q = q.Where(field, "==", value)
	}
	it := q.Select().Documents(ctx)
	defer it.Stop()
	var refs []*firestore.DocumentRef
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return refs, nil
		}
		if err != nil {
			return nil, err
		}
		refs = append(refs, snap.Ref)
	}
}

// RevokeSessions ends every session of an account; field and value, if
// set, narrow it to the sessions in one workspace ("workspaceId") or on
// one device ("deviceId").
func (s *Store) RevokeSessions(ctx context.Context, accountID, field, value, why string, now time.Time) error {
	refs, err := s.activeSessions(ctx, accountID, field, value)
	if err != nil {
		return wrap("store.RevokeSessions", err)
	}
	for _, ref := range refs {
		if _, err := ref.Update(ctx, revoke(why, now)); err != nil && code(err) != codes.NotFound {
			return wrap("store.RevokeSessions", err)
		}
	}
	return nil
}

// TrustedDevice returns one of an account's devices and the update time it
// was read at.
func (s *Store) TrustedDevice(ctx context.Context, accountID, deviceID string) (*domain.TrustedDevice, time.Time, error) {
	var d domain.TrustedDevice
	seen, err := s.get(ctx, s.device(accountID, deviceID), &d)
	if err != nil {
		return nil, time.Time{}, wrap("store.TrustedDevice", err)
	}
	return &d, seen, nil
}

func (s *Store) device(accountID, deviceID string) *firestore.DocumentRef {
	return s.fs.Collection(colAccounts).Doc(docID(accountID)).Collection(colDevices).Doc(docID(deviceID))
}

func (s *Store) session(id string) *firestore.DocumentRef {
	return s.fs.Collection(colSessions).Doc(docID(id))
}
