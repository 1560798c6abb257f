// Package push sends mobile pushes (F19, API.md "Push notifications"): a
// session registers its own device's FCM token; whatever notifies a member
// asks for their notifications to be pushed (Request); and the push job
// (Job.Send) sends each notification of a pushed kind to the member's
// devices that have no live stream open, in the language each device
// registered with, at most once per notification and device.
package push

import (
	"context"
	"fmt"
	"time"

	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// Tokens keeps the devices' push tokens.
type Tokens struct {
	Store *store.Store
	Clock clock.Clock
}

var (
	errNoDevice    = errs.E(errs.NotFound, "There is no such device.")
	errOtherDevice = errs.E(errs.Forbidden, "Only a session on that device may change its push token.")
)

// Register stores the push token of the caller's own device (deviceID
// must be the device of the caller's session), in the session's
// workspace, with the language the device's pushes are written in. It
// replaces the token the device had.
func (t *Tokens) Register(ctx context.Context, p *session.Principal, deviceID, provider, token string, locale i18n.Locale) error {
	if err := t.onDevice(ctx, p, deviceID); err != nil {
		return err
	}
	if err := domain.CheckPushToken(provider, token); err != nil {
		return err
	}
	return t.Store.PutPushToken(ctx, p.AccountID, &domain.PushToken{
		DeviceID: deviceID, WorkspaceID: p.WorkspaceID, Provider: provider, Token: token,
		Locale: string(locale), UpdatedAt: t.Clock.Now(),
	})
}

// Unregister removes the push token of the caller's own device; a device
// without one is no error.
func (t *Tokens) Unregister(ctx context.Context, p *session.Principal, deviceID string) error {
	if err := t.onDevice(ctx, p, deviceID); err != nil {
		return err
	}
	return t.Store.DeletePushToken(ctx, p.AccountID, deviceID)
}

// onDevice allows a session on the device only: another of the caller's
// trusted devices is forbidden; any other ID (another account's device,
// a revoked or unknown one) names nothing.
func (t *Tokens) onDevice(ctx context.Context, p *session.Principal, deviceID string) error {
	if !domain.IsID(deviceID) {
		return errNoDevice
	}
	if deviceID == p.DeviceID {
		return nil
	}
	d, _, err := t.Store.TrustedDevice(ctx, p.AccountID, deviceID)
	switch {
	case errs.Is(err, errs.NotFound):
		return errNoDevice
	case err != nil:
		return err
	case !d.RevokedAt.IsZero():
		return errNoDevice
	}
	return errOtherDevice
}

// Request asks the push job to push notifications (a push-requested
// event), publishing it at once: the jobs that notify call it after the
// notifications are stored, with the notifications they made, created or
// already there, and id derived from their own event (events.PushID), so
// a redelivery of theirs asks again with the same event, and the push
// job pushes nothing twice. A failure is the caller's to retry.
func Request(ctx context.Context, pub bus.Publisher, id string, ns []*domain.Notification, now time.Time) error {
	if len(ns) == 0 {
		return nil
	}
	ev, err := NewRequest(id, ns, now)
	if err != nil {
		return err
	}
	if err := pub.Publish(ctx, ev); err != nil {
		return fmt.Errorf("push.Request: %w", err)
	}
	return nil
}

// NewRequest returns the push-requested event of notifications, with the
// ID id (empty: a new one), for a caller that commits it with its change
// through the outbox.
func NewRequest(id string, ns []*domain.Notification, now time.Time) (events.Event, error) {
	refs := make([]events.NotificationRef, len(ns))
	for i, n := range ns {
		refs[i] = events.NotificationRef{WorkspaceID: n.WorkspaceID, AccountID: n.AccountID, NotificationID: n.ID}
	}
	ev, err := events.NewPushRequested(id, refs, now)
	if err != nil {
		return events.Event{}, fmt.Errorf("push.NewRequest: %w", err)
	}
	return ev, nil
}
