package main

import (
	"github.com/workgate/workgate/test/bench/results"

	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"cloud.google.com/go/firestore"
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"

	"github.com/workgate/workgate/shared/domain"
)

// only runs one part of the bench, after the floors:
// `go run ./test/bench -only withdrawal`, `-only login` for F1, the login
// (F5, F7, F10) and device approval (F9), `-only rooms` for F14,
// `-only live` for F19's live events and push, or `-only app` for the web
// app's first load (F20).
var only = flag.String("only", "", "run only this part, after the floors: core (F1 to F15), withdrawal, login (F1, F5, F7, F10, F9), rooms (F14), live (F19), app (F20) or coldstart (the image and the functions' cold starts, beside a floor of their own)")

// Sizes of F18's figures: a workspace of nWdMembers members (its super
// admin, made through the API, and the rest written straight to
// Firestore, each with an account and its e-mail index) and one group
// room of all of them holding nWdMessages messages, each with its seq
// document.
const (
	nWdMembers  = 1000
	nWdMessages = 10000
	// wdCommit is the writes per commit of the raw floor, Firestore's
	// limit and the job's.
	wdCommit = 500
	// wdMemberPage is the members listed at once by the raw floor: with
	// their accounts and e-mail index, one commit of 498 deletions.
	wdMemberPage = wdCommit / 3
	// wdPollEvery is the pause between the polls of the workspace and of
	// the withdrawal record; wdTimeout bounds the whole withdrawal.
	wdPollEvery = 50 * time.Millisecond
	wdTimeout   = 15 * time.Minute
)

// The request log's routes of the withdrawal request and of its job.
const (
	routeWithdraw      = "POST /v1/workspaces/{ws}/withdrawal"
	routeWithdrawalJob = "/_push/withdrawal"
)

// f18 prints F18's part.
func (b *bench) f18(ctx context.Context) error {
	report.section(fmt.Sprintf("F18: withdraw a workspace of %s members and %s messages", thousands(nWdMembers), thousands(nWdMessages)))
	return b.withdrawal(ctx)
}

// wdSet is what seedWithdrawal wrote.
type wdSet struct {
	workspace string
	room      string
	accounts  []string // the accounts written, each a member of workspace
	docs      int      // documents written
	seedTime  time.Duration
}

// wdResult is one deletion of a set: how many documents, in how long,
// at what Firestore cost.
type wdResult struct {
	docs          int
	wall          time.Duration
	reads, writes int64
	commits       int
}

// withdrawal measures F18's deletion job: the super admin withdraws a
// workspace of nWdMembers members and nWdMessages messages (POST
// …/withdrawal), and the bench polls until the workspace document is gone
// and the record withdrawals/{id} has its finishedAt; the rate is the
// record's count of deletions over that time. Its floors, in the same run
// on the same emulators: the same documents seeded under other workspace
// IDs and deleted without the product (no job, no Pub/Sub, no
// bookkeeping): listed by name and deleted in write-only commits of 500,
// one at a time, and by a BulkWriter.
func (b *bench) withdrawal(ctx context.Context) error {
	const (
		workspace = "bench-wd"
		password  = "correct horse battery"
	)
	fs := b.s.Deps.Store.Firestore()
	owner, err := b.firstLogin(ctx, workspace, "owner@wd.bench.example")
	if err != nil {
		return err
	}
	ws, _, err := b.s.Deps.Store.Workspace(ctx, workspace)
	if err != nil {
		return err
	}
	acc, _, err := b.s.Deps.Store.Account(ctx, owner.AccountID)
	if err != nil {
		return err
	}
	wsSnap, err := fs.Collection("workspaces").Doc(workspace).Get(ctx)
	if err != nil {
		return err
	}

	// The floors: the same documents under other workspace IDs (their
	// workspace document a copy of this one's), deleted raw.
	wdRow := func(name string, r wdResult) {
		wall, perS := fmt.Sprintf("%.2fs", r.wall.Seconds()), fmt.Sprintf("%.0f", float64(r.docs)/r.wall.Seconds())
		report.emit(fmt.Sprintf("%-44s %8d %10s %10s %10d %10d", name, r.docs, wall, perS, r.reads, r.writes),
			results.Row{Name: name, N: r.docs, Other: map[string]string{"wall": wall, "deletes/s": perS, "reads": fmt.Sprint(r.reads), "writes": fmt.Sprint(r.writes)}})
	}
	var floors []wdResult
	var floorSets []*wdSet
	for _, bulk := range []bool{false, true} {
		id := workspace + "-floor"
		if bulk {
			id = workspace + "-bulk"
		}
		data := wsSnap.Data()
		data["workspaceId"] = id
		set, err := b.seedWithdrawal(ctx, id, "", data, acc.PasswordHash)
		if err != nil {
			return err
		}
		r, err := b.rawDelete(ctx, set, bulk)
		if err != nil {
			return err
		}
		if r.docs != set.docs {
			return fmt.Errorf("withdrawal floor: deleted %d documents of %s, seeded %d", r.docs, id, set.docs)
		}
		floors = append(floors, r)
		floorSets = append(floorSets, set)
	}

	seeded := floorSets[0].docs + floorSets[1].docs
	fmt.Printf("  each workspace: %s documents (%s members with their account and e-mail index, one group room of\n"+
		"  all of them, %s messages with their seq documents), seeded by BulkWriter Creates at %s/s\n",
		thousands(floorSets[0].docs), thousands(nWdMembers), thousands(nWdMessages),
		thousands(int(float64(seeded)/(floorSets[0].seedTime+floorSets[1].seedTime).Seconds())))
	fmt.Printf("%-44s %8s %10s %10s %10s %10s\n", "", "deleted", "wall", "deletes/s", "reads", "writes")
	wdRow(fmt.Sprintf("floor: list + commits of %d, one at a time", wdCommit), floors[0])
	wdRow("floor: list + BulkWriter deletes", floors[1])

	// The workspace withdrawn: its super admin's documents from the API,
	// the rest seeded.
	set, err := b.seedWithdrawal(ctx, workspace, owner.AccountID, nil, acc.PasswordHash)
	if err != nil {
		return err
	}
	postCost, jobCost := b.costs.since(routeWithdraw), b.costs.since(routeWithdrawalJob)
	body, err := json.Marshal(map[string]string{"password": password, "confirmName": ws.Name})
	if err != nil {
		return err
	}
	var answer struct {
		Status string `json:"status"`
	}
	start := time.Now()
	if err := b.request("POST", "/v1/workspaces/"+workspace+"/withdrawal", string(body), owner.AccessToken, http.StatusAccepted, &answer); err != nil {
		return err
	}
	postLat := time.Since(start)
	if answer.Status != "deleting" {
		return fmt.Errorf("withdrawal: answered status %q, want deleting", answer.Status)
	}
	record, err := b.withdrawalRecord(ctx, workspace)
	if err != nil {
		return err
	}
	gone, finished, rec, err := b.awaitWithdrawal(ctx, workspace, record, start)
	if err != nil {
		return err
	}
	// Each run logs its request after its last write: wait for the last
	// one's line.
	b.costs.await(routeWithdrawalJob, jobCost, max(rec.Runs, 1), 5*time.Second)
	job, post := jobCost(), postCost()
	left, err := b.wdLeft(ctx, set)
	if err != nil {
		return err
	}

	// Print.
	wdRow("withdrawal: POST → workspace doc gone", wdResult{docs: int(rec.Deleted), wall: gone, reads: job.readSum, writes: job.writeSum})
	name, wall := "withdrawal: POST → record's finishedAt seen", fmt.Sprintf("%.2fs", finished.Seconds())
	report.emit(fmt.Sprintf("%-44s %8s %10s", name, "", wall), results.Row{Name: name, Other: map[string]string{"wall": wall}})
	fmt.Printf("  the floors list document names only (reads) and delete with an Exists precondition, %d commits in the first;\n"+
		"  the job's reads and writes are those its runs' request lines report (claims and record updates included)\n", floors[0].commits)
	fmt.Printf("  POST …/withdrawal answered 202 in %s (%.0f reads, %.0f writes); the job: %d runs recorded, %d run requests logged\n",
		ms(postLat), post.reads(), post.writes(), rec.Runs, job.n)
	fmt.Printf("  record: deleted %d (seeded %d, the rest the super admin's from the API), updated %d; per deletion %.2f reads, %.2f writes\n",
		rec.Deleted, set.docs, rec.Updated, float64(job.readSum)/float64(max(rec.Deleted, 1)), float64(job.writeSum)/float64(max(rec.Deleted, 1)))
	if rec.Deleted < int64(set.docs) {
		fmt.Printf("  NOTE: the record counts %d deletions, fewer than the %d documents seeded\n", rec.Deleted, set.docs)
	}
	if left != "" {
		fmt.Printf("  NOTE: left after the withdrawal: %s\n", left)
	}
	fmt.Printf("  resolution: a poll (workspace and record, one GetAll) every %s\n", wdPollEvery)
	return nil
}

// seedWithdrawal writes, with one BulkWriter, a workspace's members (with
// owner, if not "", first: already a member, made through the API) up to
// nWdMembers, each with an account (password hash passwordHash) and its
// e-mail index, and one group room of all of them with nWdMessages
// messages and their seq documents, as the product stores them; and the
// workspace document from wsData, if not nil.
func (b *bench) seedWithdrawal(ctx context.Context, workspace, owner string, wsData map[string]any, passwordHash string) (*wdSet, error) {
	fs := b.s.Deps.Store.Firestore()
	now := b.s.Deps.Clock.Now().Truncate(time.Microsecond)
	set := &wdSet{workspace: workspace, room: domain.NewID()}
	start := time.Now()
	bw := fs.BulkWriter(ctx)
	var jobs []*firestore.BulkWriterJob
	create := func(ref *firestore.DocumentRef, v any) error {
		j, err := bw.Create(ref, v)
		jobs = append(jobs, j)
		return err
	}
	var errsSeen []error
	wsRef := fs.Collection("workspaces").Doc(workspace)
	if wsData != nil {
		errsSeen = append(errsSeen, create(wsRef, wsData))
	}
	var keys []string
	if owner != "" {
		keys = append(keys, domain.MemberKey(workspace, owner))
	}
	for i := range nWdMembers - len(keys) {
		id := domain.NewID()
		email := fmt.Sprintf("m%04d@%s.bench.example", i, workspace)
		m := &domain.Member{
			AccountID: id, WorkspaceID: workspace,
			Name: fmt.Sprintf("Member %04d", i), Email: email, Department: fmt.Sprintf("Team %d", i%7),
			Role: domain.RoleMember, Permissions: []string{}, Status: domain.MemberActive, JoinedAt: now,
		}
		domain.MemberIndex(m)
		a := &domain.Account{ID: id, Email: email, Name: m.Name, PasswordHash: passwordHash, CreatedAt: now, FirstDeviceAt: now, LastDeviceTrustedAt: now}
		errsSeen = append(errsSeen,
			create(wsRef.Collection("members").Doc(id), m),
			create(fs.Collection("accounts").Doc(id), a),
			create(fs.Collection("accountEmails").Doc(b.s.Deps.Store.EmailKey(email)), map[string]any{"accountId": id}))
		keys = append(keys, domain.MemberKey(workspace, id))
		set.accounts = append(set.accounts, id)
	}
	// The room as CreateRoom stores it (workspaceIds: the distinct
	// workspaces of its members, which the job finds it by).
	room := fs.Collection("rooms").Doc(set.room)
	errsSeen = append(errsSeen, create(room, map[string]any{
		"roomId": set.room, "type": domain.RoomGroup, "name": "Bench withdrawal", "memberKeys": keys,
		"createdBy": keys[0], "createdAt": now, "workspaceIds": []string{workspace},
	}))
	base := now.UnixMicro()
	for i := range nWdMessages {
		key := keys[i%len(keys)]
		_, sender := domain.SplitMemberKey(key)
		m := &domain.Message{
			ID: domain.NewID(), RoomID: set.room, Seq: base + int64(i), SenderKey: key, SenderID: sender,
			ClientMessageID: fmt.Sprintf("bench-wd-%d", i), CreatedAt: now.Add(time.Duration(i) * time.Microsecond),
			Text: fmt.Sprintf("Bench message %d: the quarterly figures are in the shared folder, please have a look before Monday.", i),
		}
		errsSeen = append(errsSeen,
			create(room.Collection("messages").Doc(m.ID), m),
			create(room.Collection("seqs").Doc(strconv.FormatInt(m.Seq, 10)), map[string]any{"messageId": m.ID}))
	}
	bw.End()
	if err := errors.Join(errsSeen...); err != nil {
		return nil, err
	}
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			return nil, err
		}
	}
	set.docs = len(jobs)
	set.seedTime = time.Since(start)
	return set, nil
}

// rawDelete deletes a seeded set without the product, in the job's order
// (the anchors last): the room's messages and seqs, the room, the members
// with their accounts and e-mail index, the workspace document. It lists
// document names page by page (the members with their e-mail) and deletes
// each page with an Exists precondition, in write-only commits of up to
// wdCommit one at a time, or (bulk) by one BulkWriter while it lists on.
func (b *bench) rawDelete(ctx context.Context, set *wdSet, bulk bool) (wdResult, error) {
	fs := b.s.Deps.Store.Firestore()
	var (
		r    wdResult
		bw   *firestore.BulkWriter
		jobs []*firestore.BulkWriterJob
	)
	start := time.Now()
	if bulk {
		bw = fs.BulkWriter(ctx)
	}
	del := func(refs []*firestore.DocumentRef) error {
		r.docs += len(refs)
		r.writes += int64(len(refs))
		if bulk {
			for _, ref := range refs {
				j, err := bw.Delete(ref, firestore.Exists)
				if err != nil {
					return err
				}
				jobs = append(jobs, j)
			}
			return nil
		}
		for len(refs) > 0 {
			n := min(len(refs), wdCommit)
			batch := refs[:n]
			refs = refs[n:]
			err := fs.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
				for _, ref := range batch {
					if err := tx.Delete(ref, firestore.Exists); err != nil {
						return err
					}
				}
				return nil
			}, firestore.MaxAttempts(1))
			if err != nil {
				return err
			}
			r.commits++
		}
		return nil
	}
	// drain lists q by pages of limit, after the last document listed,
	// and deletes what expand makes of each page.
	drain := func(q firestore.Query, limit int, expand func(*firestore.DocumentSnapshot) []*firestore.DocumentRef) error {
		q = q.OrderBy(firestore.DocumentID, firestore.Asc).Limit(limit)
		var last *firestore.DocumentSnapshot
		for {
			page := q
			if last != nil {
				page = q.StartAfter(last)
			}
			snaps, err := page.Documents(ctx).GetAll()
			if err != nil {
				return err
			}
			r.reads += int64(max(len(snaps), 1))
			if len(snaps) == 0 {
				return nil
			}
			var refs []*firestore.DocumentRef
			for _, s := range snaps {
				refs = append(refs, expand(s)...)
			}
			if err := del(refs); err != nil {
				return err
			}
			if len(snaps) < limit {
				return nil
			}
			last = snaps[len(snaps)-1]
		}
	}
	self := func(s *firestore.DocumentSnapshot) []*firestore.DocumentRef { return []*firestore.DocumentRef{s.Ref} }
	room := fs.Collection("rooms").Doc(set.room)
	wsRef := fs.Collection("workspaces").Doc(set.workspace)
	var expandErr error
	member := func(s *firestore.DocumentSnapshot) []*firestore.DocumentRef {
		email, err := s.DataAt("email")
		if err != nil {
			expandErr = err
			return nil
		}
		e, _ := email.(string)
		return []*firestore.DocumentRef{
			fs.Collection("accounts").Doc(s.Ref.ID), fs.Collection("accountEmails").Doc(b.s.Deps.Store.EmailKey(e)), s.Ref,
		}
	}
	var err error
	for _, step := range []func() error{
		func() error { return drain(room.Collection("messages").Select(), wdCommit, self) },
		func() error { return drain(room.Collection("seqs").Select(), wdCommit, self) },
		func() error { return del([]*firestore.DocumentRef{room}) },
		func() error { return drain(wsRef.Collection("members").Select("email"), wdMemberPage, member) },
		func() error { return expandErr },
		func() error { return del([]*firestore.DocumentRef{wsRef}) },
	} {
		if err = step(); err != nil {
			break
		}
	}
	if bulk {
		bw.End()
		for _, j := range jobs {
			if _, jerr := j.Results(); jerr != nil && err == nil {
				err = jerr
			}
		}
	}
	r.wall = time.Since(start)
	return r, err
}

// withdrawalRecord returns the record of a deleting workspace's
// withdrawal (the ID its document names; if the document is gone
// already, the project's only record).
func (b *bench) withdrawalRecord(ctx context.Context, workspace string) (*firestore.DocumentRef, error) {
	fs := b.s.Deps.Store.Firestore()
	snap, err := fs.Collection("workspaces").Doc(workspace).Get(ctx)
	if err == nil {
		id, err := snap.DataAt("withdrawalId")
		if s, ok := id.(string); err == nil && ok && s != "" {
			return fs.Collection("withdrawals").Doc(s), nil
		}
		return nil, fmt.Errorf("withdrawal: workspace %s is deleting without a withdrawalId (%w)", workspace, err)
	}
	recs, qerr := fs.Collection("withdrawals").Limit(2).Documents(ctx).GetAll()
	if qerr != nil || len(recs) != 1 {
		return nil, fmt.Errorf("withdrawal: no workspace %s (%w) and %d records (%w)", workspace, err, len(recs), qerr)
	}
	return recs[0].Ref, nil
}

// awaitWithdrawal polls the workspace document and the record until the
// first is gone and the second has its finishedAt, and returns how long
// after start it saw each, and the record.
func (b *bench) awaitWithdrawal(ctx context.Context, workspace string, record *firestore.DocumentRef, start time.Time) (gone, finished time.Duration, rec domain.Withdrawal, err error) {
	fs := b.s.Deps.Store.Firestore()
	refs := []*firestore.DocumentRef{fs.Collection("workspaces").Doc(workspace), record}
	for {
		snaps, err := fs.GetAll(ctx, refs)
		if err != nil {
			return 0, 0, rec, err
		}
		at := time.Since(start)
		if !snaps[0].Exists() && gone == 0 {
			gone = at
		}
		if snaps[1].Exists() {
			if err := snaps[1].DataTo(&rec); err != nil {
				return 0, 0, rec, err
			}
			if !rec.Finished.IsZero() && finished == 0 {
				finished = at
			}
		}
		if gone > 0 && finished > 0 {
			return gone, finished, rec, nil
		}
		if at > wdTimeout {
			return 0, 0, rec, fmt.Errorf("withdrawal: after %s the workspace doc exists: %v; record %s: exists %v, %d deleted, %d updated, %d runs, finished %v",
				wdTimeout, snaps[0].Exists(), record.ID, snaps[1].Exists(), rec.Deleted, rec.Updated, rec.Runs, !rec.Finished.IsZero())
		}
		time.Sleep(wdPollEvery)
	}
}

// wdLeft reports what is left of a withdrawn set's seeded documents
// ("" if nothing): its room's messages and seqs, its members, its
// accounts.
func (b *bench) wdLeft(ctx context.Context, set *wdSet) (string, error) {
	fs := b.s.Deps.Store.Firestore()
	room := fs.Collection("rooms").Doc(set.room)
	left := ""
	for _, q := range []struct {
		name string
		q    firestore.Query
	}{
		{"messages", room.Collection("messages").Query},
		{"seqs", room.Collection("seqs").Query},
		{"members", fs.Collection("workspaces").Doc(set.workspace).Collection("members").Query},
	} {
		n, err := wdCount(ctx, q.q)
		if err != nil {
			return "", err
		}
		if n > 0 {
			left += fmt.Sprintf("%d %s; ", n, q.name)
		}
	}
	refs := []*firestore.DocumentRef{room}
	for _, id := range set.accounts {
		refs = append(refs, fs.Collection("accounts").Doc(id))
	}
	snaps, err := fs.GetAll(ctx, refs)
	if err != nil {
		return "", err
	}
	accounts := 0
	for i, s := range snaps {
		if s.Exists() && i == 0 {
			left += "the room; "
		} else if s.Exists() {
			accounts++
		}
	}
	if accounts > 0 {
		left += fmt.Sprintf("%d seeded accounts; ", accounts)
	}
	return left, nil
}

// wdCount runs a count aggregation.
func wdCount(ctx context.Context, q firestore.Query) (int64, error) {
	res, err := q.NewAggregationQuery().WithCount("n").Get(ctx)
	if err != nil {
		return 0, err
	}
	v, ok := res["n"].(*pb.Value)
	if !ok {
		return 0, fmt.Errorf("count aggregation without a count: %v", res)
	}
	return v.GetIntegerValue(), nil
}

// thousands formats n with commas.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
