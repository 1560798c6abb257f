package store

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
)

// Collections of mobile push (F19). A device's push token is kept under
// its account, apart from the device's own document, which logins change
// with preconditions. Each push of a notification to a device is claimed
// under the member, by Create, before it is sent: a notification named
// again (a redelivery, a job that runs twice) is pushed to no device
// twice.
const (
	colPushTokens = "pushTokens" // under an account, by device ID
	colPushes     = "pushes"     // under a member, by "<notificationId>_<deviceId>"
)

// pushRetention is how long a push claim is kept: longer than Pub/Sub
// redelivers an event (7 days at most), so no redelivery finds it gone.
const pushRetention = 8 * 24 * time.Hour

func (s *Store) pushToken(accountID, deviceID string) *firestore.DocumentRef {
	return s.fs.Collection(colAccounts).Doc(docID(accountID)).Collection(colPushTokens).Doc(docID(deviceID))
}

// PutPushToken stores the push token of one of an account's devices,
// replacing the one it had.
func (s *Store) PutPushToken(ctx context.Context, accountID string, t *domain.PushToken) error {
	t.AccountID = accountID
	_, err := s.pushToken(accountID, t.DeviceID).Set(ctx, t)
	return wrap("store.PutPushToken", err)
}

// DeletePushToken removes a device's push token; none is no error.
func (s *Store) DeletePushToken(ctx context.Context, accountID, deviceID string) error {
	_, err := s.pushToken(accountID, deviceID).Delete(ctx)
	return wrap("store.DeletePushToken", err)
}

// DropWorkspacePushToken removes a device's push token if it was
// registered in a workspace (a logout there): a token the device
// registered from its session in another workspace stays.
func (s *Store) DropWorkspacePushToken(ctx context.Context, accountID, deviceID, workspaceID string) error {
	err := s.dropPushTokenIf(ctx, accountID, deviceID, func(t *domain.PushToken) bool { return t.WorkspaceID == workspaceID })
	return wrap("store.DropWorkspacePushToken", err)
}

// DropUnregisteredPushToken removes a device's push token if it is still
// token (FCM said its app is gone): a token the device registered since
// stays.
func (s *Store) DropUnregisteredPushToken(ctx context.Context, accountID, deviceID, token string) error {
	err := s.dropPushTokenIf(ctx, accountID, deviceID, func(t *domain.PushToken) bool { return t.Token == token })
	return wrap("store.DropUnregisteredPushToken", err)
}

// dropPushTokenIf deletes a device's push token if match holds for it,
// with a precondition on the update time it was read at, so that a token
// registered in between is kept.
func (s *Store) dropPushTokenIf(ctx context.Context, accountID, deviceID string, match func(*domain.PushToken) bool) error {
	ref := s.pushToken(accountID, deviceID)
	snap, err := ref.Get(ctx)
	if code(err) == codes.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	t, err := decoded[domain.PushToken](snap)
	if err != nil || !match(t) {
		return err
	}
	_, err = ref.Delete(ctx, firestore.LastUpdateTime(snap.UpdateTime))
	switch code(err) {
	case codes.FailedPrecondition, codes.NotFound:
		return nil // registered again, or removed, since
	}
	return err
}

// PushToken returns a device's push token, nil if it has none.
func (s *Store) PushToken(ctx context.Context, accountID, deviceID string) (*domain.PushToken, error) {
	snap, err := s.pushToken(accountID, deviceID).Get(ctx)
	if code(err) == codes.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("store.PushToken", err)
	}
	t, err := decoded[domain.PushToken](snap)
	return t, wrap("store.PushToken", err)
}

// PushTokens returns the push tokens an account's devices registered in
// a workspace.
func (s *Store) PushTokens(ctx context.Context, accountID, workspaceID string) ([]*domain.PushToken, error) {
	q := s.fs.Collection(colAccounts).Doc(docID(accountID)).Collection(colPushTokens).Where("workspaceId", "==", workspaceID)
	out, err := queried[domain.PushToken](ctx, q)
	return out, wrap("store.PushTokens", err)
}

// NotificationWithMember reads, in one round trip, a member's
// notification and membership; nil for either that does not exist.
func (s *Store) NotificationWithMember(ctx context.Context, workspaceID, accountID, id string) (*domain.Notification, *domain.Member, error) {
	snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{s.notification(workspaceID, accountID, id), s.member(workspaceID, accountID)})
	if err != nil {
		return nil, nil, wrap("store.NotificationWithMember", err)
	}
	n, err := decoded[domain.Notification](snaps[0])
	if err != nil {
		return nil, nil, wrap("store.NotificationWithMember", err)
	}
	m, err := decoded[domain.Member](snaps[1])
	return n, m, wrap("store.NotificationWithMember", err)
}

// pushClaim records that a notification was pushed, or is being pushed,
// to a device.
type pushClaim struct {
	NotificationID string    `firestore:"notificationId"`
	DeviceID       string    `firestore:"deviceId"`
	ClaimedAt      time.Time `firestore:"claimedAt"`
	PurgeAt        time.Time `firestore:"purgeAt"`
}

func (s *Store) push(workspaceID, accountID, notificationID, deviceID string) *firestore.DocumentRef {
	return s.member(workspaceID, accountID).Collection(colPushes).Doc(docID(notificationID + "_" + deviceID))
}

// ClaimPush claims the push of a member's notification to one of their
// devices, with Create: true if this call claimed it, false if it was
// claimed before (pushed, or being pushed).
func (s *Store) ClaimPush(ctx context.Context, workspaceID, accountID, notificationID, deviceID string, now time.Time) (bool, error) {
	c := pushClaim{NotificationID: notificationID, DeviceID: deviceID, ClaimedAt: now, PurgeAt: now.Add(pushRetention)}
	_, err := s.push(workspaceID, accountID, notificationID, deviceID).Create(ctx, c)
	switch code(err) {
	case codes.OK:
		return true, nil
	case codes.AlreadyExists:
		return false, nil
	}
	return false, wrap("store.ClaimPush", err)
}

// ReleasePush gives up a claim whose push failed for a reason a retry may
// cure, so the retry can push.
func (s *Store) ReleasePush(ctx context.Context, workspaceID, accountID, notificationID, deviceID string) error {
	_, err := s.push(workspaceID, accountID, notificationID, deviceID).Delete(ctx)
	return wrap("store.ReleasePush", err)
}
