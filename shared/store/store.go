// Package store keeps workgate's state in Firestore. Its methods are named
// for what they mean to the product (CreateWorkspace, ActivateWorkspace) and
// keep each invariant in one atomic commit.
//
// Hot documents are never locked by transactions (the emulator serialises
// contending transactions for seconds, and production Firestore sustains
// about one write per second per document): a single-use document is
// consumed by a write whose precondition is the update time the reader saw,
// so of two concurrent consumers exactly one commits. Transactions here only
// group writes; they read nothing.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"cloud.google.com/go/firestore"
	apiv1 "cloud.google.com/go/firestore/apiv1"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/api/option"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/workgate/workgate/shared/events"
)

// Collections.
const (
	colWorkspaces    = "workspaces"
	colMembers       = "members" // under a workspace
	colAccounts      = "accounts"
	colAccountEmails = "accountEmails"
	colVerifications = "verifications"
	colOutbox        = "outbox"
	colSessions      = "sessions"
	colDevices       = "devices" // under an account
	colLoginTickets  = "loginTickets"
	colLoginCodes    = "loginCodes"
	colCounters      = "attemptCounters"
	colLocks         = "attemptLocks"
	colApprovals     = "deviceApprovals"
	colProcessed     = "processedEvents"
	colDev           = "_dev"
	colInviteLinks   = "inviteLinks" // under a workspace
	colInviteUses    = "uses"        // under an invite link
	colInviteTokens  = "inviteTokens"
)

// Collections of the password reset (F8, resets.go): links by the hash of
// their token, and each address's recent reset mails by its key.
const (
	colPasswordResets = "passwordResets"
	colResetSends     = "passwordResetSends"
)

// Store is workgate's Firestore database.
type Store struct {
	fs *firestore.Client
	// The raw client makes the one call the Go client cannot: a commit
	// whose answer carries a transform's result (a count after its
	// increment), which the Go client's WriteResult drops. It is made on
	// first use, with fs's options (the functions that never count do not
	// pay for it at start-up).
	rawOpts func() ([]option.ClientOption, error)
	rawOnce sync.Once
	rawC    *apiv1.Client
	rawErr  error
}

// Open connects to the project's Firestore (the emulator when
// FIRESTORE_EMULATOR_HOST is set). A non-nil meter counts every operation.
// Connections, if above 1, is how many gRPC connections to Firestore the
// client spreads its calls over (not with the emulator): Google's front
// ends take about 100 concurrent streams per connection, and each live
// stream's listener is one.
func Open(ctx context.Context, project string, meter *Meter, connections int) (*Store, error) {
	opts, err := meterOptions(meter)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	if connections > 1 && os.Getenv("FIRESTORE_EMULATOR_HOST") == "" {
		opts = append(opts, option.WithGRPCConnectionPool(connections))
	}
	fs, err := firestore.NewClient(ctx, project, opts...)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	rawOpts := func() ([]option.ClientOption, error) { return opts, nil }
	if meter == nil && os.Getenv("FIRESTORE_EMULATOR_HOST") != "" {
		rawOpts = emulatorOptions // the Firestore client's own connection is out of reach
	}
	return &Store{fs: fs, rawOpts: rawOpts}, nil
}

// raw returns the raw client, made on first use, the database's path
// ("projects/P/databases/D"), which its requests name, and ctx with the
// header that routes a call to that database.
func (s *Store) raw(ctx context.Context) (context.Context, *apiv1.Client, string, error) {
	s.rawOnce.Do(func() {
		opts, err := s.rawOpts()
		if err != nil {
			s.rawErr = err
			return
		}
		s.rawC, s.rawErr = apiv1.NewClient(context.Background(), opts...)
	})
	db, _, _ := strings.Cut(s.fs.Collection("x").Path, "/documents/")
	return metadata.AppendToOutgoingContext(ctx, "google-cloud-resource-prefix", db), s.rawC, db, s.rawErr
}

// Close closes the connections.
func (s *Store) Close() error {
	err := s.fs.Close()
	s.rawOnce.Do(func() {}) // none is made after this
	if s.rawC != nil {
		_ = s.rawC.Close() // its connection may be fs's, closed already
	}
	return err
}

// Firestore returns the underlying client, for tests and benchmarks that
// inspect documents or measure the raw floor.
func (s *Store) Firestore() *firestore.Client { return s.fs }

// invalidID stands in, in a document path, for an ID that is not one path
// segment. The services check every ID they are given (domain.IsID and
// the like) and answer 404; this is the store's own guard for one that
// was not: "a/b/c" would name a document below the intended one (ServeMux
// decodes %2F in a path value into "/"). Firestore refuses to read or
// write an ID of the reserved form __…__, so such a call fails and touches
// nothing.
const invalidID = "__invalid_id__"

// docID returns id if it is one document-path segment, else invalidID.
// The reference builders (approval, device, member, room, session, …)
// pass every ID they are given through it.
func docID(id string) string {
	if id == "" || strings.Contains(id, "/") {
		return invalidID
	}
	return id
}

// emailKey is the document ID of an address in accountEmails: a hash, so
// addresses never appear in document paths (or in logs of them).
func emailKey(email string) string {
	sum := sha256.Sum256([]byte(email))
	return hex.EncodeToString(sum[:])
}

// addEvents writes events to the outbox inside tx, due for the relay at
// once (see OutboxEvent).
func (s *Store) addEvents(tx writer, evs []events.Event) error {
	for _, ev := range evs {
		if err := tx.Create(s.fs.Collection(colOutbox).Doc(ev.ID), OutboxEvent{Event: ev, DueAt: ev.CreatedAt}); err != nil {
			return err
		}
	}
	return nil
}

// writer is what a commit's writes are made with: a transaction, or a
// batch (commit).
type writer interface {
	Create(ref *firestore.DocumentRef, data any) error
	Set(ref *firestore.DocumentRef, data any, opts ...firestore.SetOption) error
	Update(ref *firestore.DocumentRef, updates []firestore.Update, opts ...firestore.Precondition) error
	Delete(ref *firestore.DocumentRef, opts ...firestore.Precondition) error
}

// commit applies the writes write makes atomically, in one round trip: a
// commit that reads nothing needs no transaction (one more round trip to
// begin it), as its preconditions guard it. Its errors are a
// transaction's: FailedPrecondition, NotFound or AlreadyExists when a
// precondition fails.
func (s *Store) commit(ctx context.Context, write func(w writer) error) error {
	b := batch{s.fs.Batch()} //nolint:staticcheck // SA1019: the one atomic commit without a transaction's extra round trip (the suggested replacement)
	if err := write(b); err != nil {
		return err
	}
	_, err := b.b.Commit(ctx)
	return err
}

// batch is a WriteBatch as a writer: its errors come back from Commit.
type batch struct{ b *firestore.WriteBatch } //nolint:staticcheck // SA1019: as in commit

func (b batch) Create(ref *firestore.DocumentRef, data any) error {
	b.b.Create(ref, data)
	return nil
}

func (b batch) Set(ref *firestore.DocumentRef, data any, opts ...firestore.SetOption) error {
	b.b.Set(ref, data, opts...)
	return nil
}

func (b batch) Update(ref *firestore.DocumentRef, updates []firestore.Update, opts ...firestore.Precondition) error {
	b.b.Update(ref, updates, opts...)
	return nil
}

func (b batch) Delete(ref *firestore.DocumentRef, opts ...firestore.Precondition) error {
	b.b.Delete(ref, opts...)
	return nil
}

func code(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	var st interface{ GRPCStatus() *status.Status }
	if errors.As(err, &st) {
		return st.GRPCStatus().Code()
	}
	return status.Code(err)
}

// EmailKey is the document ID under which an address's state is kept
// (benchmarks plant state with it).
func (s *Store) EmailKey(email string) string { return emailKey(email) }

// existing reads the documents refs name in one round trip and decodes
// those that exist, in order.
func existing[T any](ctx context.Context, s *Store, refs []*firestore.DocumentRef) ([]*T, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, snap := range snaps {
		v, err := decoded[T](snap)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// decoded decodes a document, or returns nil if it does not exist.
func decoded[T any](snap *firestore.DocumentSnapshot) (*T, error) {
	if !snap.Exists() {
		return nil, nil
	}
	v := new(T)
	if err := snap.DataTo(v); err != nil {
		return nil, err
	}
	return v, nil
}

// queried runs a query and decodes every document it returns.
func queried[T any](ctx context.Context, q firestore.Query) ([]*T, error) {
	snaps, err := q.Documents(ctx).GetAll()
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(snaps))
	for i, snap := range snaps {
		out[i] = new(T)
		if err := snap.DataTo(out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// exists reports whether a document exists.
func exists(ctx context.Context, ref *firestore.DocumentRef) (bool, error) {
	_, err := ref.Get(ctx)
	switch code(err) {
	case codes.OK:
		return true, nil
	case codes.NotFound:
		return false, nil
	}
	return false, err
}

// Paths returns the path of every document in the project below the
// root, in one query of all collections (a kindless query, through the
// raw client: the Go client names a collection in every query), for the
// tests and tools that look at the whole database. A document that exists
// only as the parent of others has no path here.
func (s *Store) Paths(ctx context.Context) ([]string, error) {
	ctx, raw, db, err := s.raw(ctx)
	if err != nil {
		return nil, wrap("store.Paths", err)
	}
	stream, err := raw.RunQuery(ctx, &pb.RunQueryRequest{
		Parent: db + "/documents",
		QueryType: &pb.RunQueryRequest_StructuredQuery{StructuredQuery: &pb.StructuredQuery{
			Select: &pb.StructuredQuery_Projection{Fields: []*pb.StructuredQuery_FieldReference{{FieldPath: "__name__"}}},
			From:   []*pb.StructuredQuery_CollectionSelector{{AllDescendants: true}},
		}},
	})
	if err != nil {
		return nil, wrap("store.Paths", err)
	}
	var out []string
	for {
		res, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, wrap("store.Paths", err)
		}
		if d := res.GetDocument(); d != nil {
			_, path, _ := strings.Cut(d.GetName(), "/documents/")
			out = append(out, path)
		}
	}
}
