package contacts

import (
	"context"
	"fmt"
	"time"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/push"
)

// keepNotes is how long an external_member_added notification is kept.
const keepNotes = 90 * 24 * time.Hour

// Introduce is the introductions job (topic external-member-added): it
// notifies the member added with the adder's profile, as the adder's
// workspace shows it, so they can add the adder back (F12). The
// notification's ID derives from the addition, so a redelivered event
// notifies nobody twice. Nobody is notified of an adder they blocked, or
// who is no longer an active member by the time the job runs. The
// notification is pushed to the member's devices (F19), also when a
// redelivery finds it there already (the run that made it may have died
// before asking).
func (s *Service) Introduce(ctx context.Context, ev events.Event) error {
	var a events.MemberAdded
	if err := ev.Decode(&a); err != nil || a.AdditionID == "" || a.MemberID == "" || a.AdderID == "" {
		logging.From(ctx).Error("dropping a malformed external-member-added event")
		return nil
	}
	blocked, err := s.Store.Blocked(ctx, a.WorkspaceID, a.MemberID, a.AdderID)
	if err != nil {
		return fmt.Errorf("contacts.Introduce: %w", err)
	}
	if blocked {
		return nil
	}
	adder, err := s.Store.Counterpart(ctx, a.AdderWorkspaceID, a.AdderID, "")
	if err != nil {
		return fmt.Errorf("contacts.Introduce: %w", err)
	}
	if !adder.Active() {
		return nil
	}
	now := s.Clock.Now()
	n := &domain.Notification{
		ID: domain.NotificationID(domain.NotifyExternalMemberAdded, a.AdditionID), Kind: domain.NotifyExternalMemberAdded,
		WorkspaceID: a.WorkspaceID, AccountID: a.MemberID, FromWorkspaceID: a.AdderWorkspaceID,
		CreatedAt: now, PurgeAt: now.Add(keepNotes),
		Added: &domain.AddedNote{
			Profile:     *adder.Workspace.ProfileFields.Show(adder.Member),
			WorkspaceID: adder.Workspace.ID, WorkspaceName: adder.Workspace.Name,
		},
	}
	if _, err := s.Store.Notify(ctx, []*domain.Notification{n}); err != nil {
		return fmt.Errorf("contacts.Introduce: %w", err)
	}
	if err := push.Request(ctx, s.Outbox.Publisher, events.PushID(ev.ID), []*domain.Notification{n}, now); err != nil {
		return fmt.Errorf("contacts.Introduce: %w", err)
	}
	return nil
}
