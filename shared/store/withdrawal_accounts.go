package store

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"cloud.google.com/go/firestore"
	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/shared/domain"
)

// What a withdrawal (F18) finds of a workspace's members and of their
// accounts, listed for deletion.

// inMax is how many values one "in" query takes.
const inMax = 30

// FoundMember is a member of a withdrawn workspace, as a listing found it.
type FoundMember struct {
	AccountID, Email string
	ref              *firestore.DocumentRef
}

// Delete is the member's deletion.
func (m FoundMember) Delete() Op { return deleteOp(m.ref) }

// MembersLeft returns up to limit members of a workspace.
func (s *Store) MembersLeft(ctx context.Context, workspaceID string, limit int) ([]FoundMember, error) {
	snaps, err := s.fs.Collection(colWorkspaces).Doc(workspaceID).Collection(colMembers).
		OrderBy(firestore.DocumentID, firestore.Asc).Select("email").Limit(limit).Documents(ctx).GetAll()
	if err != nil {
		return nil, wrap("store.MembersLeft", err)
	}
	members := make([]FoundMember, len(snaps))
	for i, snap := range snaps {
		email, _ := snap.DataAt("email")
		members[i] = FoundMember{AccountID: snap.Ref.ID, Email: stringOf(email), ref: snap.Ref}
	}
	return members, nil
}

// FormerMembership is an account's deleted membership of a workspace.
type FormerMembership struct {
	WorkspaceID, AccountID string
	ref                    *firestore.DocumentRef
}

// Key is the membership's member key.
func (m FormerMembership) Key() string { return domain.MemberKey(m.WorkspaceID, m.AccountID) }

// OtherMemberships returns the memberships of accounts in workspaces but
// one: the accounts that are an active (or invited, or registered) member
// of one, and the deleted memberships of each account.
func (s *Store) OtherMemberships(ctx context.Context, workspaceID string, accountIDs []string) (member map[string]bool, former map[string][]FormerMembership, err error) {
	member, former = map[string]bool{}, map[string][]FormerMembership{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	for ids := range slices.Chunk(accountIDs, inMax) {
		g.Go(func() error {
			snaps, err := s.fs.CollectionGroup(colMembers).Where("accountId", "in", ids).
				OrderBy("status", firestore.Asc).Select("status").Documents(gctx).GetAll()
			mu.Lock()
			defer mu.Unlock()
			for _, snap := range snaps {
				ws := snap.Ref.Parent.Parent.ID
				if status, _ := snap.DataAt("status"); ws == workspaceID {
					continue
				} else if status != domain.MemberDeleted {
					member[snap.Ref.ID] = true
				} else {
					former[snap.Ref.ID] = append(former[snap.Ref.ID], FormerMembership{ws, snap.Ref.ID, snap.Ref})
				}
			}
			return err
		})
	}
	return member, former, wrap("store.OtherMemberships", g.Wait())
}

// Remains lists what a deleted membership left: its subtree and its
// presence, and (if all of that was listed) the membership as the
// anchor.
func (s *Store) Remains(ctx context.Context, m FormerMembership, limit int) (Unit, error) {
	u, err := s.withTree(ctx, m.ref, limit)
	if err != nil {
		return u, wrap("store.Remains", err)
	}
	snaps, err := s.fs.GetAll(ctx, []*firestore.DocumentRef{s.presence(m.WorkspaceID, m.AccountID), m.ref})
	if err != nil {
		return u, wrap("store.Remains", err)
	}
	if snaps[0].Exists() {
		u.Ops = append(u.Ops, deleteOp(snaps[0].Ref))
	}
	if !snaps[1].Exists() {
		u.Anchors = nil
	}
	return u, nil
}

// Holdings is what a listing found of an account that goes: the account's
// document, if it exists, and the documents of it, to delete first.
type Holdings struct {
	Account *Op
	// Units are its documents, some (device approval requests) with what
	// is under them.
	Units []Unit
	// Complete reports that every document of the account was listed.
	Complete bool
}

// holdings gathers the Holdings of accounts from concurrent queries.
type holdings struct {
	mu    sync.Mutex
	of    map[string]*Holdings // by account ID
	owner map[string]string    // account ID by address
	limit int
}

func (h *holdings) add(accountID string, units ...Unit) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a := h.of[accountID]; a != nil {
		a.Units = append(a.Units, units...)
	}
}

// incomplete notes that an account's documents were not all listed.
func (h *holdings) incomplete(accountID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if a := h.of[accountID]; a != nil {
		a.Complete = false
	}
}

// listed notes that a query listed n documents for every account: as
// many as it asked for means there may be more.
func (h *holdings) listed(n int) {
	if n < h.limit {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range h.of {
		a.Complete = false
	}
}

// AccountHoldings lists, for members whose accounts go, up to about limit
// documents of each kind of their accounts' (by account ID): the account,
// its devices, live devices, push tokens and approval gate, its sessions,
// password resets, login tickets, profile links and device approval
// requests (with their nudges), the profile links of others it used
// (which forget who used them), its rate counters, and of its addresses
// the index, the login codes, attempt counters and locks, reset sends,
// login tickets and the verifications of other workspaces that are used
// or expired at now (one still to be followed creates an account of its
// own).
func (s *Store) AccountHoldings(ctx context.Context, members []FoundMember, now time.Time, limit int) (map[string]*Holdings, error) {
	h := &holdings{of: map[string]*Holdings{}, owner: map[string]string{}, limit: limit}
	refs := make([]*firestore.DocumentRef, len(members))
	for i, m := range members {
		refs[i] = s.fs.Collection(colAccounts).Doc(m.AccountID)
	}
	accs, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return nil, wrap("store.AccountHoldings", err)
	}
	for i, m := range members {
		a := &Holdings{Complete: true}
		if accs[i].Exists() {
			a.Account = &Op{ref: accs[i].Ref}
		}
		h.of[m.AccountID] = a
		email, _ := accs[i].DataAt("email")
		for _, e := range []string{m.Email, stringOf(email)} {
			if e != "" {
				h.owner[e] = m.AccountID
			}
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	ids := slices.Sorted(maps.Keys(h.of))
	s.byAccount(gctx, g, h, ids)
	s.byAddress(gctx, g, h, slices.Sorted(maps.Keys(h.owner)), now)
	s.rateCounters(gctx, g, h, ids)
	s.accountTrees(gctx, g, h, ids)
	return h.of, wrap("store.AccountHoldings", g.Wait())
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}

// byAccount lists the documents that name the accounts by ID.
func (s *Store) byAccount(ctx context.Context, g *errgroup.Group, h *holdings, ids []string) {
	for chunk := range slices.Chunk(ids, inMax) {
		for _, col := range []string{colSessions, colPasswordResets, colLoginTickets, colProfileLinks} {
			g.Go(func() error { return s.named(ctx, h, col, "accountId", chunk, func(id string) string { return id }) })
		}
		g.Go(func() error { return s.approvalsOf(ctx, h, chunk) })
		g.Go(func() error {
			snaps, err := s.fs.Collection(colProfileLinks).Where("usedBy", "in", chunk).Select("usedBy").Limit(h.limit).Documents(ctx).GetAll()
			h.listed(len(snaps))
			for _, snap := range snaps {
				id, _ := snap.DataAt("usedBy")
				h.add(stringOf(id), Unit{Ops: []Op{updateOp(snap, firestore.Update{Path: "usedBy", Value: ""})}})
			}
			return err
		})
	}
}

// named lists the documents of col whose field is one of values, each a
// document of the account owner names for its value.
func (s *Store) named(ctx context.Context, h *holdings, col, field string, values []string, owner func(string) string) error {
	snaps, err := s.fs.Collection(col).Where(field, "in", values).Select(field).Limit(h.limit).Documents(ctx).GetAll()
	h.listed(len(snaps))
	for _, snap := range snaps {
		v, _ := snap.DataAt(field)
		h.add(owner(stringOf(v)), Unit{Ops: []Op{deleteOp(snap.Ref)}})
	}
	return err
}

// approvalsOf lists the accounts' device approval requests, each with its
// nudges.
func (s *Store) approvalsOf(ctx context.Context, h *holdings, ids []string) error {
	snaps, err := s.fs.Collection(colApprovals).Where("accountId", "in", ids).Select("accountId").Limit(h.limit).Documents(ctx).GetAll()
	if err != nil {
		return err
	}
	h.listed(len(snaps))
	for _, snap := range snaps {
		u, err := s.withTree(ctx, snap.Ref, h.limit)
		if err != nil {
			return err
		}
		id, _ := snap.DataAt("accountId")
		if u.Anchors == nil {
			h.incomplete(stringOf(id))
		}
		h.add(stringOf(id), u)
	}
	return nil
}

// byAddress lists the documents kept by the accounts' addresses.
func (s *Store) byAddress(ctx context.Context, g *errgroup.Group, h *holdings, emails []string, now time.Time) {
	for chunk := range slices.Chunk(emails, inMax) {
		g.Go(func() error {
			return s.named(ctx, h, colLoginTickets, "email", chunk, func(e string) string { return h.owner[e] })
		})
		g.Go(func() error { return s.spentVerifications(ctx, h, chunk, now) })
	}
	g.Go(func() error { return s.keyed(ctx, h, emails) })
}

// spentVerifications lists the addresses' verifications that are used or
// expired at now.
func (s *Store) spentVerifications(ctx context.Context, h *holdings, emails []string, now time.Time) error {
	snaps, err := s.fs.Collection(colVerifications).Where("email", "in", emails).
		Select("email", "usedAt", "expiresAt").Limit(h.limit).Documents(ctx).GetAll()
	if err != nil {
		return err
	}
	h.listed(len(snaps))
	for _, snap := range snaps {
		var v struct {
			Email     string    `firestore:"email"`
			UsedAt    time.Time `firestore:"usedAt"`
			ExpiresAt time.Time `firestore:"expiresAt"`
		}
		if err := snap.DataTo(&v); err != nil {
			return err
		}
		if !v.UsedAt.IsZero() || !now.Before(v.ExpiresAt) {
			h.add(h.owner[v.Email], Unit{Ops: []Op{deleteOp(snap.Ref)}})
		}
	}
	return nil
}

// keyed lists the documents kept under the key of an address: the index
// (if it still leads to the account), login codes, reset sends, attempt
// counters and locks.
func (s *Store) keyed(ctx context.Context, h *holdings, emails []string) error {
	var refs []*firestore.DocumentRef
	var owners []string
	for _, e := range emails {
		key := emailKey(e)
		refs = append(refs, s.fs.Collection(colAccountEmails).Doc(key), s.fs.Collection(colLoginCodes).Doc(key), s.fs.Collection(colResetSends).Doc(key))
		for _, kind := range []string{CounterPassword, CounterCode} {
			c, l := s.counterRefs(kind, e)
			refs = append(refs, c, l)
		}
		for len(owners) < len(refs) {
			owners = append(owners, h.owner[e])
		}
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	if err != nil {
		return err
	}
	for i, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		if id, _ := snap.DataAt("accountId"); snap.Ref.Parent.ID == colAccountEmails && id != owners[i] {
			continue // the address's index leads to another account now
		}
		h.add(owners[i], Unit{Ops: []Op{deleteOp(snap.Ref)}})
	}
	return nil
}

// rateCounters lists the rate counters (ratelimit) of the accounts' IDs
// and addresses, found by the hashed key each counter holds: in whichever
// windows they are, whatever the rule.
func (s *Store) rateCounters(ctx context.Context, g *errgroup.Group, h *holdings, ids []string) {
	byKey := map[string]string{}
	for _, id := range ids {
		byKey[emailKey(id)] = id
	}
	for e, id := range h.owner {
		byKey[emailKey(e)] = id
	}
	for chunk := range slices.Chunk(slices.Sorted(maps.Keys(byKey)), inMax) {
		g.Go(func() error {
			return s.named(ctx, h, colRateCounters, "key", chunk, func(k string) string { return byKey[k] })
		})
	}
}

// accountTrees lists what is under the accounts' documents: their
// devices, live devices and push tokens by the account they name (a
// collection-group query of each kind for up to inMax accounts, not one
// per account), those of the devices found by name too (written before
// they named it), and their approval gate by name.
func (s *Store) accountTrees(ctx context.Context, g *errgroup.Group, h *holdings, ids []string) {
	gates := make([]*firestore.DocumentRef, len(ids))
	for i, id := range ids {
		gates[i] = s.approvalGate(id)
	}
	g.Go(func() error { return s.existing(ctx, h, ids, gates) })
	for chunk := range slices.Chunk(ids, inMax) {
		for _, col := range []string{colLiveDevices, colPushTokens} {
			g.Go(func() error {
				_, err := s.ofAccounts(ctx, h, col, chunk)
				return err
			})
		}
		g.Go(func() error {
			devices, err := s.ofAccounts(ctx, h, colDevices, chunk)
			if err != nil {
				return err
			}
			var owners []string
			var refs []*firestore.DocumentRef
			for _, d := range devices {
				account := d.Ref.Parent.Parent.ID
				owners = append(owners, account, account)
				refs = append(refs, s.liveDevice(account, d.Ref.ID), s.pushToken(account, d.Ref.ID))
			}
			return s.existing(ctx, h, owners, refs)
		})
	}
}

// ofAccounts lists the documents of a collection group under the
// accounts' documents that name them.
func (s *Store) ofAccounts(ctx context.Context, h *holdings, col string, ids []string) ([]*firestore.DocumentSnapshot, error) {
	snaps, err := s.fs.CollectionGroup(col).Where("accountId", "in", ids).OrderBy("deviceId", firestore.Asc).
		Select().Limit(h.limit).Documents(ctx).GetAll()
	h.listed(len(snaps))
	for _, snap := range snaps {
		h.add(snap.Ref.Parent.Parent.ID, Unit{Ops: []Op{deleteOp(snap.Ref)}})
	}
	return snaps, err
}

// existing lists the documents of refs that exist, each of the account
// of the same index in owners.
func (s *Store) existing(ctx context.Context, h *holdings, owners []string, refs []*firestore.DocumentRef) error {
	if len(refs) == 0 {
		return nil
	}
	snaps, err := s.fs.GetAll(ctx, refs)
	for i, snap := range snaps {
		if snap.Exists() {
			h.add(owners[i], Unit{Ops: []Op{deleteOp(snap.Ref)}})
		}
	}
	return err
}
