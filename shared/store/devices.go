package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

// Collections of device approval (F9).
const (
	colPresence      = "presence"      // under a workspace, by account
	colNotifications = "notifications" // under a member
	colNudges        = "nudges"        // under an approval, by member
	colRecoveryKeys  = "recoveryKeys"  // by workspace
	colApprovalGate  = "approvalGate"  // under an account: one document, "current"
)

// ErrExists reports that what a call would create exists already.
var ErrExists = errs.E(errs.Conflict, "it exists already")

func (s *Store) presence(workspaceID, accountID string) *firestore.DocumentRef {
	return s.fs.Collection(colWorkspaces).Doc(docID(workspaceID)).Collection(colPresence).Doc(docID(accountID))
}

func (s *Store) notification(workspaceID, accountID, id string) *firestore.DocumentRef {
	return s.member(workspaceID, accountID).Collection(colNotifications).Doc(docID(id))
}

func (s *Store) approval(id string) *firestore.DocumentRef {
	return s.fs.Collection(colApprovals).Doc(docID(id))
}

// MarkPresent records that a member was seen at now.
func (s *Store) MarkPresent(ctx context.Context, workspaceID, accountID string, now time.Time) error {
	_, err := s.presence(workspaceID, accountID).Set(ctx, domain.Presence{AccountID: accountID, LastSeenAt: now})
	return wrap("store.MarkPresent", err)
}

// Online returns the accounts seen in a workspace since `since`. It reads
// one document per member online, however large the workspace.
func (s *Store) Online(ctx context.Context, workspaceID string, since time.Time) ([]string, error) {
	snaps, err := s.fs.Collection(colWorkspaces).Doc(workspaceID).Collection(colPresence).
		Where("lastSeenAt", ">=", since).Select().Documents(ctx).GetAll()
	if err != nil {
		return nil, wrap("store.Online", err)
	}
	ids := make([]string, len(snaps))
	for i, snap := range snaps {
		ids[i] = snap.Ref.ID
	}
	return ids, nil
}

// ActiveMembers returns those of the accounts that are active members of
// the workspace.
func (s *Store) ActiveMembers(ctx context.Context, workspaceID string, accountIDs []string) ([]*domain.Member, error) {
	refs := make([]*firestore.DocumentRef, len(accountIDs))
	for i, id := range accountIDs {
		refs[i] = s.member(workspaceID, id)
	}
	members, err := existing[domain.Member](ctx, s, refs)
	if err != nil {
		return nil, wrap("store.ActiveMembers", err)
	}
	return slices.DeleteFunc(members, func(m *domain.Member) bool { return m.Status != domain.MemberActive }), nil
}

// Notify creates notifications, each with its event in its member's live
// feed. One that exists already is left as it is, so a job that runs
// again notifies nobody twice. It returns how many it created.
func (s *Store) Notify(ctx context.Context, ns []*domain.Notification) (int, error) {
	if len(ns) == 0 {
		return 0, nil
	}
	bw := s.fs.BulkWriter(ctx)
	jobs := make([]*firestore.BulkWriterJob, 0, len(ns))
	feed := make([]FeedTo, len(ns))
	var errAll error
	for i, n := range ns {
		feed[i] = FeedTo{n.WorkspaceID, n.AccountID, domain.NotificationEvent(n)}
		j, err := bw.Create(s.notification(n.WorkspaceID, n.AccountID, n.ID), n)
		if err != nil {
			errAll = errors.Join(errAll, err)
			continue
		}
		jobs = append(jobs, j)
	}
	feedJobs, err := s.bulkFeed(bw, feed)
	errAll = errors.Join(errAll, err)
	bw.End()
	errAll = errors.Join(errAll, createdOrExisting(feedJobs))
	created := 0
	for _, j := range jobs {
		_, err := j.Results()
		switch code(err) {
		case codes.OK:
			created++
		case codes.AlreadyExists:
		default:
			errAll = errors.Join(errAll, err)
		}
	}
	return created, wrap("store.Notify", errAll)
}

// HasNotification reports whether a member has a notification.
func (s *Store) HasNotification(ctx context.Context, workspaceID, accountID, id string) (bool, error) {
	ok, err := exists(ctx, s.notification(workspaceID, accountID, id))
	return ok, wrap("store.HasNotification", err)
}

// Notifications returns a member's newest notifications, newest first.
func (s *Store) Notifications(ctx context.Context, workspaceID, accountID string, limit int) ([]*domain.Notification, error) {
	q := s.member(workspaceID, accountID).Collection(colNotifications).OrderBy("createdAt", firestore.Desc).Limit(limit)
	return s.notifications(ctx, q)
}

func (s *Store) notifications(ctx context.Context, q firestore.Query) ([]*domain.Notification, error) {
	out, err := queried[domain.Notification](ctx, q)
	return out, wrap("store.Notifications", err)
}

// approvalGate is the document every approval request of an account
// changes in the commit that creates it, so that requests judged against
// the same count of pending ones cannot all be created: the cap on pending
// requests holds under concurrent logins.
func (s *Store) approvalGate(accountID string) *firestore.DocumentRef {
	return s.fs.Collection(colAccounts).Doc(accountID).Collection(colApprovalGate).Doc("current")
}

// ApprovalGate returns the update time of an account's approval gate
// (zero if it never requested an approval): read it before counting the
// account's pending requests, and pass it to CreateApproval.
func (s *Store) ApprovalGate(ctx context.Context, accountID string) (time.Time, error) {
	snap, err := s.approvalGate(accountID).Get(ctx)
	if code(err) == codes.NotFound {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrap("store.ApprovalGate", err)
	}
	return snap.UpdateTime, nil
}

// CreateApproval stores a pending device approval and its events, if no
// other request of the account was created since its gate was read at
// gateSeen (zero: it did not exist); ErrRaced otherwise, and the caller
// counts again.
func (s *Store) CreateApproval(ctx context.Context, a *domain.Approval, gateSeen time.Time, evs []events.Event) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		// The request's ID changes the gate (a write that changes nothing
		// would keep its update time, and the precondition of a
		// concurrent request would hold).
		var err error
		if gateSeen.IsZero() {
			err = tx.Create(s.approvalGate(a.AccountID), map[string]any{"accountId": a.AccountID, "lastApprovalId": a.ID})
		} else {
			err = tx.Update(s.approvalGate(a.AccountID), []firestore.Update{{Path: "lastApprovalId", Value: a.ID}}, firestore.LastUpdateTime(gateSeen))
		}
		if err != nil {
			return err
		}
		if err := tx.Create(s.approval(a.ID), a); err != nil {
			return err
		}
		return s.addEvents(tx, evs)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.AlreadyExists, codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.CreateApproval", err)
}

// PendingApprovalsOf returns an account's own pending requests that have
// not expired at now, in any workspace.
func (s *Store) PendingApprovalsOf(ctx context.Context, accountID string, now time.Time) ([]*domain.Approval, error) {
	q := s.fs.Collection(colApprovals).Where("accountId", "==", accountID).
		Where("status", "==", domain.ApprovalPending).Where("expiresAt", ">", now)
	out, err := queried[domain.Approval](ctx, q)
	return out, wrap("store.PendingApprovalsOf", err)
}

// PendingApprovalsIn returns a workspace's pending requests that have not
// expired at now. A decided request leaves the query's results with its
// status, an undecided one with time: the list of requests a member may
// decide reads neither, however many were decided in the last
// domain.ApprovalTTL.
func (s *Store) PendingApprovalsIn(ctx context.Context, workspaceID string, now time.Time) ([]*domain.Approval, error) {
	q := s.fs.Collection(colApprovals).Where("workspaceId", "==", workspaceID).
		Where("status", "==", domain.ApprovalPending).Where("expiresAt", ">", now)
	out, err := queried[domain.Approval](ctx, q)
	return out, wrap("store.PendingApprovalsIn", err)
}

// AskedOf returns which of the given requests a member of a workspace was
// asked to decide: those they have the notification of (the approvals
// job's or a nudge's). It reads one document per request.
func (s *Store) AskedOf(ctx context.Context, workspaceID, accountID string, approvalIDs []string) (map[string]bool, error) {
	asked := make(map[string]bool, len(approvalIDs))
	if len(approvalIDs) == 0 {
		return asked, nil
	}
	refs := make([]*firestore.DocumentRef, len(approvalIDs))
	for i, id := range approvalIDs {
		refs[i] = s.notification(workspaceID, accountID, domain.NotificationID(domain.NotifyDeviceApproval, id))
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, wrap("store.AskedOf", err)
	}
	for i, snap := range snaps { // in the order of refs
		asked[approvalIDs[i]] = snap.Exists()
	}
	return asked, nil
}

// Approval returns an approval request and the update time it was read at.
func (s *Store) Approval(ctx context.Context, id string) (*domain.Approval, time.Time, error) {
	var a domain.Approval
	seen, err := s.get(ctx, s.approval(id), &a)
	if err != nil {
		return nil, time.Time{}, wrap("store.Approval", err)
	}
	return &a, seen, nil
}

// approvalState is what a decision changes on a request.
func approvalState(a *domain.Approval) []firestore.Update {
	return []firestore.Update{
		{Path: "status", Value: a.Status}, {Path: "wrongCodes", Value: a.WrongCodes}, {Path: "nudges", Value: a.Nudges},
		{Path: "decidedAt", Value: a.DecidedAt}, {Path: "decidedBy", Value: a.DecidedBy},
	}
}

// SaveApproval stores a request's new state (a decision or a wrong code)
// with its events, if the request is unchanged since it was read at seen;
// ErrRaced otherwise.
func (s *Store) SaveApproval(ctx context.Context, a *domain.Approval, seen time.Time, evs []events.Event) error {
	return wrap("store.SaveApproval", s.updateUnchanged(ctx, s.approval(a.ID), approvalState(a), seen, evs))
}

// Nudge records that a request's new device asked one member by e-mail:
// the member is asked (n, their notification, with its live event),
// mailed and pushed (evs). ErrRaced
// if the request changed since it was read at seen; ErrExists if that
// member was nudged already.
func (s *Store) Nudge(ctx context.Context, a *domain.Approval, seen time.Time, n *domain.Notification, evs []events.Event) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(s.approval(a.ID), approvalState(a), firestore.LastUpdateTime(seen)); err != nil {
			return err
		}
		if err := tx.Create(s.approval(a.ID).Collection(colNudges).Doc(n.AccountID), map[string]any{"at": n.CreatedAt, "purgeAt": a.PurgeAt}); err != nil {
			return err
		}
		if err := tx.Set(s.notification(n.WorkspaceID, n.AccountID, n.ID), n); err != nil {
			return err
		}
		return s.addEvents(tx, evs)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.OK:
		// The member's live feed gets the notification after: if the
		// approvals job asked them already, its event is there.
		return s.Feed(ctx, []FeedTo{{n.WorkspaceID, n.AccountID, domain.NotificationEvent(n)}})
	case codes.AlreadyExists:
		return ErrExists
	case codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.Nudge", err)
}

// Nudged reports whether a request's new device has nudged a member.
func (s *Store) Nudged(ctx context.Context, approvalID, accountID string) (bool, error) {
	ok, err := exists(ctx, s.approval(approvalID).Collection(colNudges).Doc(accountID))
	return ok, wrap("store.Nudged", err)
}

// HasTrustedDevice reports whether an account trusts any device (not
// revoked).
func (s *Store) HasTrustedDevice(ctx context.Context, accountID string) (bool, error) {
	snaps, err := s.fs.Collection(colAccounts).Doc(accountID).Collection(colDevices).
		Where("revokedAt", "==", time.Time{}).Select().Limit(1).Documents(ctx).GetAll()
	if err != nil {
		return false, wrap("store.HasTrustedDevice", err)
	}
	return len(snaps) > 0, nil
}

// TrustedDevices returns the devices an account trusts (not revoked), in
// the order they were trusted.
func (s *Store) TrustedDevices(ctx context.Context, accountID string) ([]*domain.TrustedDevice, error) {
	q := s.fs.Collection(colAccounts).Doc(accountID).Collection(colDevices).Where("revokedAt", "==", time.Time{})
	out, err := queried[domain.TrustedDevice](ctx, q)
	if err != nil {
		return nil, wrap("store.TrustedDevices", err)
	}
	slices.SortFunc(out, func(a, b *domain.TrustedDevice) int { return a.TrustedAt.Compare(b.TrustedAt) })
	return out, nil
}

// RevokeDevice stops trusting a device and ends its sessions: its token
// needs an approval again. The device is revoked first, so a login racing
// the revocation either commits before it (and its session is found and
// ended) or fails its precondition on the device. The device's push token
// goes in the same commit (F19): a revoked device gets no pushes.
// errs.NotFound if the account has no such trusted device.
func (s *Store) RevokeDevice(ctx context.Context, accountID, deviceID string, now time.Time) error {
	for range 5 {
		d, seen, err := s.TrustedDevice(ctx, accountID, deviceID)
		if err != nil {
			return err
		}
		if !d.RevokedAt.IsZero() {
			return errs.E(errs.NotFound, "not found")
		}
		err = s.fs.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
			if err := tx.Update(s.device(accountID, deviceID), []firestore.Update{{Path: "revokedAt", Value: now}}, firestore.LastUpdateTime(seen)); err != nil {
				return err
			}
			return tx.Delete(s.pushToken(accountID, deviceID))
		}, firestore.MaxAttempts(1))
		if code(err) == codes.FailedPrecondition {
			continue // a login touched it: read again
		}
		if err != nil {
			return wrap("store.RevokeDevice", err)
		}
		return s.RevokeSessions(ctx, accountID, "deviceId", deviceID, domain.RevokedDevice, now)
	}
	return ErrRaced
}

// RecoveryKey returns a workspace's recovery key and the update time it was
// read at; errs.NotFound if it never had one.
func (s *Store) RecoveryKey(ctx context.Context, workspaceID string) (*domain.RecoveryKey, time.Time, error) {
	var k domain.RecoveryKey
	seen, err := s.get(ctx, s.fs.Collection(colRecoveryKeys).Doc(workspaceID), &k)
	if err != nil {
		return nil, time.Time{}, wrap("store.RecoveryKey", err)
	}
	return &k, seen, nil
}

// PutRecoveryKey stores a workspace's new recovery key, replacing the old.
func (s *Store) PutRecoveryKey(ctx context.Context, k *domain.RecoveryKey) error {
	_, err := s.fs.Collection(colRecoveryKeys).Doc(k.WorkspaceID).Set(ctx, k)
	return wrap("store.PutRecoveryKey", err)
}
