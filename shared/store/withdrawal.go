package store

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
)

// colWithdrawals holds the records of withdrawals (F18) by withdrawal ID.
const colWithdrawals = "withdrawals"

func (s *Store) withdrawal(id string) *firestore.DocumentRef {
	return s.fs.Collection(colWithdrawals).Doc(docID(id))
}

// Withdrawal is what withdrawing a workspace commits: the workspace turns
// deleting and names its withdrawal, whose record is created, with the
// events that start the deletion job and mail the super admin.
type Withdrawal struct {
	WorkspaceID string
	// WorkspaceSeen is the update time of the workspace as read.
	WorkspaceSeen time.Time
	Record        *domain.Withdrawal
	Events        []events.Event
}

// Withdraw commits a withdrawal, if the workspace is unchanged since it was
// read; ErrRaced otherwise (the caller reads again: a concurrent withdrawal
// may have won).
func (s *Store) Withdraw(ctx context.Context, w Withdrawal) error {
	err := s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(s.fs.Collection(colWorkspaces).Doc(w.WorkspaceID), []firestore.Update{
			{Path: "status", Value: domain.WorkspaceDeleting},
			{Path: "withdrawalId", Value: w.Record.ID},
		}, firestore.LastUpdateTime(w.WorkspaceSeen)); err != nil {
			return err
		}
		if err := tx.Create(s.withdrawal(w.Record.ID), w.Record); err != nil {
			return err
		}
		return s.addEvents(tx, w.Events)
	}, firestore.MaxAttempts(1))
	switch code(err) {
	case codes.AlreadyExists, codes.FailedPrecondition, codes.NotFound:
		return ErrRaced
	}
	return wrap("store.Withdraw", err)
}

// WithdrawalRecord returns the record of a withdrawal; errs.NotFound if
// there is none.
func (s *Store) WithdrawalRecord(ctx context.Context, id string) (*domain.Withdrawal, error) {
	var w domain.Withdrawal
	if _, err := s.get(ctx, s.withdrawal(id), &w); err != nil {
		return nil, wrap("store.WithdrawalRecord", err)
	}
	return &w, nil
}

// FinishWithdrawal deletes a withdrawn workspace's document, the last of
// its documents, if it still names the withdrawal, and in the same commit
// records the end: the record counts the document, its runs (run is the
// number of the run finishing, from 0) and when it finished. A workspace
// already gone, or withdrawn again under another ID, is left as it is.
func (s *Store) FinishWithdrawal(ctx context.Context, workspaceID, withdrawalID string, run int, now time.Time) error {
	ref := s.fs.Collection(colWorkspaces).Doc(workspaceID)
	for range 5 {
		ws, seen, err := s.Workspace(ctx, workspaceID)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return wrap("store.FinishWithdrawal", err)
		}
		if ws.WithdrawalID != withdrawalID {
			return nil
		}
		err = s.fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			if err := tx.Delete(ref, firestore.LastUpdateTime(seen)); err != nil {
				return err
			}
			return tx.Update(s.withdrawal(withdrawalID), []firestore.Update{
				{Path: "deleted", Value: firestore.Increment(1)},
				{Path: "runs", Value: firestore.FieldTransformMaximum(run + 1)},
				{Path: "finishedAt", Value: now},
			})
		}, firestore.MaxAttempts(1))
		switch code(err) {
		case codes.OK:
			return nil
		case codes.FailedPrecondition, codes.NotFound, codes.Aborted:
			continue // the workspace changed, or a concurrent run finished it: read again
		}
		return wrap("store.FinishWithdrawal", err)
	}
	return ErrRaced
}
