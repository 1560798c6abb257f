package rooms

import (
	"context"
	"fmt"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/push"
)

// requestPush asks the push job to push a batch's notifications (F19):
// all of them, created now or by an earlier run, since the run that
// created them may have died before asking. The request's ID derives
// from the fan-out event's (each batch has its own), so a redelivery asks
// with the same event, which the push job handles once.
func (s *Service) requestPush(ctx context.Context, ev events.Event, ns []*domain.Notification) error {
	if err := push.Request(ctx, s.Outbox.Publisher, events.PushID(ev.ID), ns, s.Clock.Now()); err != nil {
		return fmt.Errorf("rooms.FanOut: %w", err)
	}
	return nil
}
