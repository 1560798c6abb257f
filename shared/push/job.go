package push

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/store"
)

// Job is the push job (topic push-requested).
type Job struct {
	Store  *store.Store
	Clock  clock.Clock
	Sender Sender
	// Workers bounds the notifications handled at once (a fan-out batch
	// names 250).
	Workers int
}

// DefaultWorkers is the bound of Job.Workers: a batch of 250 in about 16
// rounds of a few Firestore reads and one FCM call each.
const DefaultWorkers = 16

// Send is the push job: for each notification the event names, it pushes
// the notification to the member's devices, unless the notification is
// gone or not of a pushed kind, the member is no longer active, muted
// notifications (messages only) or blocked the sender, or the approval
// request it asks about was decided or expired. The devices are
// those with a push token registered in the notification's workspace,
// less those with a live stream open (they show it already). Each push is
// claimed before it is sent, so a notification goes to a device at most
// once, however often it is named. A token FCM no longer knows is
// removed. A transient failure gives up its claim and fails the event, so
// Pub/Sub redelivers it and the pushes not sent yet are sent then.
func (j *Job) Send(ctx context.Context, ev events.Event) error {
	var req events.PushRequested
	if err := ev.Decode(&req); err != nil {
		logging.From(ctx).Error("dropping an undecodable push request", "error", err.Error())
		return nil
	}
	now := j.Clock.Now()
	var g errgroup.Group
	g.SetLimit(max(j.Workers, 1))
	errsOf := make([]error, len(req.Notifications))
	for i, ref := range req.Notifications {
		g.Go(func() error {
			errsOf[i] = j.pushNotification(ctx, ref, now)
			return nil
		})
	}
	_ = g.Wait() // the goroutines report through errsOf
	if err := errors.Join(errsOf...); err != nil {
		return fmt.Errorf("push.Send: %w", err)
	}
	return nil
}

// pushNotification pushes one notification to the member's devices.
func (j *Job) pushNotification(ctx context.Context, ref events.NotificationRef, now time.Time) error {
	if !named(ref) {
		return nil // names nothing: reading it would fail on every redelivery
	}
	// The tokens first: a member without a device to push to costs one
	// query.
	tokens, err := j.Store.PushTokens(ctx, ref.AccountID, ref.WorkspaceID)
	if err != nil || len(tokens) == 0 {
		return err
	}
	n, m, err := j.Store.NotificationWithMember(ctx, ref.WorkspaceID, ref.AccountID, ref.NotificationID)
	if err != nil || n == nil || !pushable(n, m, now) {
		return err
	}
	if ok, err := j.stillNews(ctx, n, now); err != nil || !ok {
		return err
	}
	live, err := j.Store.LiveDevices(ctx, n.AccountID, now)
	if err != nil {
		return err
	}
	var errAll error
	for _, t := range tokens {
		if !live[t.DeviceID] {
			errAll = errors.Join(errAll, j.pushTo(ctx, n, t, now))
		}
	}
	return errAll
}

// named reports whether a reference can name a notification: an
// account ID, and a workspace and notification ID that are each one
// document-path segment Firestore takes.
func named(ref events.NotificationRef) bool {
	segment := func(s string) bool {
		return s != "" && len(s) <= 256 && !strings.Contains(s, "/") && !strings.HasPrefix(s, "__")
	}
	return domain.IsID(ref.AccountID) && segment(ref.WorkspaceID) && segment(ref.NotificationID)
}

// pushable reports whether a notification is pushed now to its member.
func pushable(n *domain.Notification, m *domain.Member, now time.Time) bool {
	if m == nil || m.Status != domain.MemberActive {
		return false
	}
	switch n.Kind {
	case domain.NotifyMessage:
		return n.Message != nil && !now.Before(m.MutedUntil)
	case domain.NotifyDeviceApproval:
		// An expired request cannot be decided any more.
		return n.Approval != nil && (n.ExpiresAt.IsZero() || now.Before(n.ExpiresAt))
	case domain.NotifyExternalMemberAdded:
		return n.Added != nil
	}
	return false
}

// stillNews reads what may have changed since the notification was made:
// a block of a message's sender (only members of different workspaces
// block each other), the decision of an approval request.
func (j *Job) stillNews(ctx context.Context, n *domain.Notification, now time.Time) (bool, error) {
	switch {
	case n.Kind == domain.NotifyMessage && n.FromWorkspaceID != "" && n.FromWorkspaceID != n.WorkspaceID:
		blocked, err := j.Store.Blocked(ctx, n.WorkspaceID, n.AccountID, n.Message.SenderID)
		return !blocked, err
	case n.Kind == domain.NotifyDeviceApproval:
		a, _, err := j.Store.Approval(ctx, n.Approval.ApprovalID)
		if errs.Is(err, errs.NotFound) {
			return false, nil
		}
		return err == nil && a.StatusAt(now) == domain.ApprovalPending, err
	}
	return true, nil
}

// pushTo claims and sends the push of a notification to one device.
func (j *Job) pushTo(ctx context.Context, n *domain.Notification, t *domain.PushToken, now time.Time) error {
	m, ok := compose(n, i18n.Parse(t.Locale))
	if !ok {
		return nil
	}
	m.Token = t.Token
	claimed, err := j.Store.ClaimPush(ctx, n.WorkspaceID, n.AccountID, n.ID, t.DeviceID, now)
	if err != nil || !claimed {
		return err
	}
	log := logging.From(ctx).With("notificationId", n.ID, "deviceId", t.DeviceID, "kind", n.Kind)
	err = j.Sender.Send(ctx, m)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnregistered):
		log.Info("push token unregistered: removing it")
		if derr := j.Store.DropUnregisteredPushToken(ctx, n.AccountID, t.DeviceID, t.Token); derr != nil {
			// Push again on the retry, and remove the token then.
			return errors.Join(derr, j.release(ctx, n, t))
		}
		return nil
	case errors.Is(err, ErrTransient):
		return errors.Join(err, j.release(ctx, n, t))
	}
	// Refused for good (a malformed token, a payload FCM will not take):
	// sending it again would be refused again.
	log.Error("push refused", "error", err.Error())
	return nil
}

// release gives up a push's claim so a redelivery sends it, with a
// context that outlives a cancelled request.
func (j *Job) release(ctx context.Context, n *domain.Notification, t *domain.PushToken) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return j.Store.ReleasePush(rctx, n.WorkspaceID, n.AccountID, n.ID, t.DeviceID)
}
