package main

import (
	"github.com/workgate/workgate/test/bench/results"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"golang.org/x/sync/errgroup"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/store"
)

// Sizes of F14's figures: enough for a p50 and a rough p99 while the whole
// part stays under two minutes (each post in the big room is followed by
// its fan-out to 999 members before the next one is sent).
const (
	nRoomMembers = 1000 // members of the group room, its creator included
	nRoomPosts   = 30   // posts timed in each room, with their fan-out
	nPosters     = 8    // concurrent posters into one room
	nThroughput  = 400  // posts they send in all
	nBulkFloor   = 10   // BulkWriter Creates of 999 documents (the fan-out floor)
	fanoutBatch  = 250  // recipients per fan-out job run (spec6: batches of 250)
	// settle is the pause after a fan-out before the next timed post: the
	// emulators finish their side of it (acknowledgements) meanwhile.
	settle = 100 * time.Millisecond
)

// The request log's routes of a post and of the fan-out job.
const (
	routeCreateRoom = "POST /v1/rooms"
	routePost       = "POST /v1/rooms/{roomId}/messages"
	routeFanout     = "/_push/fanout"
	routeListRooms  = "GET /v1/rooms"
)

type benchRoom struct {
	RoomID    string   `json:"roomId"`
	Type      string   `json:"type"`
	MemberIDs []string `json:"memberIds"`
}

type benchMessage struct {
	MessageID string `json:"messageId"`
	Seq       int64  `json:"seq"`
	SenderID  string `json:"senderId"`
}

// rooms measures F14 in a workspace of nRoomMembers active members (all but
// the owner written straight to Firestore): a post's latency and
// Firestore cost in a direct room and in a group room of all of them
// (the same 5 writes, whatever the room's size), the posts per second one
// process sustains into one room, the time from a post to the last
// member's message notification, and a page of the room list of a member
// in 500 more rooms. Each beside its floor, measured here on the same
// emulators.
func (b *bench) rooms(ctx context.Context, pushFloor time.Duration) error {
	const workspace = "bench-rooms"
	owner, err := b.firstLogin(ctx, workspace, "owner@rooms.bench.example")
	if err != nil {
		return err
	}
	others, err := b.seedActiveMembers(ctx, workspace, nRoomMembers-1)
	if err != nil {
		return err
	}
	peer := others[0]

	// The rooms, through the API.
	var direct, group benchRoom
	directCost := b.costs.since(routeCreateRoom)
	t := time.Now()
	if err := b.request("POST", "/v1/rooms", fmt.Sprintf(`{"type":"direct","memberIds":[%q]}`, peer), owner.AccessToken, http.StatusCreated, &direct); err != nil {
		return err
	}
	directCreate, directCreateCost := []time.Duration{time.Since(t)}, directCost()
	body, err := json.Marshal(map[string]any{"type": "group", "name": "Bench 1,000", "memberIds": others})
	if err != nil {
		return err
	}
	groupCost := b.costs.since(routeCreateRoom)
	t = time.Now()
	if err := b.request("POST", "/v1/rooms", string(body), owner.AccessToken, http.StatusCreated, &group); err != nil {
		return err
	}
	groupCreate, groupCreateCost := []time.Duration{time.Since(t)}, groupCost()
	if len(group.MemberIDs) != nRoomMembers {
		return fmt.Errorf("rooms: the group room has %d members, want %d", len(group.MemberIDs), nRoomMembers)
	}
	if err := b.requireRoute(routeCreateRoom, directCreateCost.n+groupCreateCost.n, 2); err != nil {
		return err
	}

	// Floor of a post: what it must do besides its reads, raw: one commit
	// of 3 Creates (message, seq claim, outbox event), the publish, and
	// the outbox event's Delete.
	floorTopic, err := b.roomsFloorTopic(ctx)
	if err != nil {
		return err
	}
	var postFloorLat []time.Duration
	for i := range nCalls {
		t := time.Now()
		if err := b.rawPost(ctx, floorTopic, fmt.Sprintf("seq-%d", i)); err != nil {
			return err
		}
		postFloorLat = append(postFloorLat, time.Since(t))
	}

	// 1 and 3: posts in each room, one at a time, each followed by its
	// fan-out (every notification written, every job run logged) before
	// the next, so that each post is timed on an idle stack and each chain
	// on its own. The two rooms take turns.
	notes := b.s.Deps.Store.Firestore().Collection("workspaces").Doc(workspace).Collection("members")
	noteRefs := func(accounts []string, messageID string) []*firestore.DocumentRef {
		refs := make([]*firestore.DocumentRef, len(accounts))
		for i, acc := range accounts {
			refs[i] = notes.Doc(acc).Collection("notifications").Doc("message-" + messageID)
		}
		return refs
	}
	// The last recipient of each fan-out batch: polled (cheaply) until
	// they exist, before all 999 are.
	var tails []string
	for i := fanoutBatch - 1; i < len(others); i += fanoutBatch {
		tails = append(tails, others[i])
	}
	if len(others)%fanoutBatch != 0 {
		tails = append(tails, others[len(others)-1])
	}
	runsPerGroupPost := int64((len(others) + fanoutBatch - 1) / fanoutBatch)

	type side struct {
		room              benchRoom
		recipients, tails []string
		runs              int64 // fan-out job runs a post should cause
		lat, chain        []time.Duration
		post, job         cost
		short             int // posts whose job runs did not all show in the log
	}
	sides := []*side{
		{room: direct, recipients: []string{peer}, tails: nil, runs: 1},
		{room: group, recipients: others, tails: tails, runs: runsPerGroupPost},
	}
	var fullPollLat []time.Duration
	for i := range nRoomPosts {
		for _, s := range sides {
			postCost, jobCost := b.costs.since(routePost), b.costs.since(routeFanout)
			var m benchMessage
			body := fmt.Sprintf(`{"text":"Bench message %d: the quarterly figures are in the shared folder, please have a look before Monday.","clientMessageId":"bench-%s-%d"}`, i, s.room.Type, i)
			t := time.Now()
			if err := b.request("POST", "/v1/rooms/"+s.room.RoomID+"/messages", body, owner.AccessToken, http.StatusCreated, &m); err != nil {
				return err
			}
			s.lat = append(s.lat, time.Since(t))
			s.post = s.post.add(postCost())
			at, full, err := b.awaitDocs(ctx, noteRefs(s.tails, m.MessageID), noteRefs(s.recipients, m.MessageID), 30*time.Second)
			if err != nil {
				return fmt.Errorf("rooms: %s room, post %d (message %s): %w", s.room.Type, i, m.MessageID, err)
			}
			if full > 0 && len(s.recipients) > 1 {
				fullPollLat = append(fullPollLat, full)
			}
			s.chain = append(s.chain, at.Sub(t))
			// The job logs its run after its last write: wait for the
			// lines, so that they count for this post.
			if !b.costs.await(routeFanout, jobCost, s.runs, 2*time.Second) {
				s.short++
			}
			s.job = s.job.add(jobCost())
			time.Sleep(settle)
		}
	}
	if err := b.requireRoute(routePost, sides[0].post.n, nRoomPosts); err != nil {
		return err
	}
	// The one query of a post, through the store, raw: the latest seq of a
	// room (now of nRoomPosts messages).
	var seqFloorLat []time.Duration
	for i := range nCalls {
		t := time.Now()
		if _, err := b.s.Deps.Store.LatestSeq(ctx, sides[i%2].room.RoomID); err != nil {
			return err
		}
		seqFloorLat = append(seqFloorLat, time.Since(t))
	}

	// 3's floor: one BulkWriter Creating 999 notification-shaped documents
	// under 999 members, raw.
	var bulkLat []time.Duration
	for i := range nBulkFloor {
		t := time.Now()
		if err := b.rawFanout(ctx, i, len(others)); err != nil {
			return err
		}
		bulkLat = append(bulkLat, time.Since(t))
	}

	// 2: posts per second into one room (the direct one: its fan-out, one
	// notification a post, runs alongside), beside raw Creates and the
	// raw writes and publish of a post at the same concurrency, then the
	// post's query on the room as the posts left it.
	floorCreate, err := concurrently(func(i int) error {
		_, err := b.s.Deps.Store.Firestore().Collection("benchRoomsFloor").Doc(fmt.Sprintf("create-%d", i)).Create(ctx, rawMessage(i))
		return err
	})
	if err != nil {
		return err
	}
	floorPost, err := concurrently(func(i int) error { return b.rawPost(ctx, floorTopic, fmt.Sprintf("conc-%d", i)) })
	if err != nil {
		return err
	}
	tpCost := b.costs.since(routePost)
	tp := b.throughput(direct.RoomID, owner.AccessToken)
	tpCosts := tpCost()
	// The fan-out of those posts: one notification each, to the peer.
	var drainRefs []*firestore.DocumentRef
	for _, id := range tp.messageIDs {
		drainRefs = append(drainRefs, noteRefs([]string{peer}, id)...)
	}
	drainAt, _, drainErr := b.awaitDocs(ctx, nil, drainRefs, 60*time.Second)
	floorSeq, err := concurrently(func(int) error {
		_, err := b.s.Deps.Store.LatestSeq(ctx, direct.RoomID)
		return err
	})
	if err != nil {
		return err
	}

	// Print.
	row("floor: commit 3 Creates, publish, Delete (raw)", postFloorLat, 0, 4)
	row(fmt.Sprintf("floor: store.LatestSeq, %d messages (raw)", nRoomPosts), seqFloorLat, 1, 0)
	costRow("POST /v1/rooms (direct, 2 members)", directCreate, directCreateCost)
	costRow("POST /v1/rooms (group, 1,000 members)", groupCreate, groupCreateCost)
	costRow("POST …/messages, direct room (2 members)", sides[0].lat, sides[0].post)
	costRow("POST …/messages, group room (1,000)", sides[1].lat, sides[1].post)
	if d, g := sides[0].post, sides[1].post; d.writes() != 5 || g.writes() != 5 {
		fmt.Printf("  NOTE: spec6 wants the same writes per post whatever the room size (5); measured %.1f (direct), %.1f (group)\n", d.writes(), g.writes())
	} else {
		fmt.Printf("  5 writes per post in both rooms (message, seq claim, outbox event; its delete; the poster's rate\n"+
			"  counter); the direct room reads %.0f more (whether either member blocked the other)\n", d.reads()-g.reads())
	}
	for _, s := range sides {
		perPost := cost{n: int64(len(s.lat)), readSum: s.job.readSum, writeSum: s.job.writeSum}
		name := fmt.Sprintf("fanout job, %s room: %d runs, per post", s.room.Type, s.job.n)
		opsRow(name, perPost.n, perPost.reads(), perPost.writes())
		if s.short > 0 || s.job.n != s.runs*int64(len(s.lat)) {
			fmt.Printf("  NOTE: %d job runs logged for %d posts, want %d each (%d posts short within 2 s)\n", s.job.n, len(s.lat), s.runs, s.short)
		}
	}

	fmt.Printf("\n  %d concurrent posters, %d posts into one room (all by one member, one process):\n", nPosters, nThroughput)
	rateHeader()
	rate("floor: Firestore Create, one a post (raw)", floorCreate)
	rate("floor: commit 3 Creates, publish, Delete", floorPost)
	rate(fmt.Sprintf("floor: store.LatestSeq, %d messages (raw)", nRoomPosts+len(tp.messageIDs)), floorSeq)
	rate("POST …/messages, direct room", tp.rateResult)
	fmt.Printf("  per post: %.1f reads, %.1f writes (a seq lost to another post costs 2 more reads and a try)\n", tpCosts.reads(), tpCosts.writes())
	if tp.failed > 0 {
		fmt.Printf("  NOTE: %d of %d posts failed; first: %s\n", tp.failed, nThroughput, tp.firstErr)
	}
	if tp.dupSeqs > 0 {
		fmt.Printf("  NOTE: %d seqs answered to more than one post (spec6: concurrent posts get distinct seqs)\n", tp.dupSeqs)
	}
	if drainErr != nil {
		fmt.Printf("  NOTE: the fan-out of the concurrent posts did not finish: %v\n", drainErr)
	} else {
		fmt.Printf("  their %d notifications were all written %.2fs after the last post's answer\n", len(drainRefs), drainAt.Sub(tp.end).Seconds())
	}

	fmt.Println("\n  chains (post request → the last recipient's message notification written)")
	row("floor: BulkWriter Create of 999 docs (raw)", bulkLat, -1, -1)
	fmt.Printf("  floor of the 1,000-member chain: publish→push p50 %s + BulkWriter 999 p50 %s = %s\n",
		ms(pushFloor), ms(percentile(bulkLat, 50)), ms(pushFloor+percentile(bulkLat, 50)))
	row("post → notified, direct room (1 recipient)", sides[0].chain, -1, -1)
	row("post → all 999 notified, group room (1,000)", sides[1].chain, -1, -1)
	fmt.Printf("  resolution: a poll every %s of the docs still missing (GetAll); a poll of all 999 took p50 %s\n",
		pollEvery, ms(percentile(fullPollLat, 50)))
	return b.roomList(ctx, workspace, owner, peer)
}

// Sizes of the room-list figures.
const (
	nListRooms   = 500 // rooms made around the owner besides those above
	roomPageSize = 20  // the default page size
	listLater    = 13  // the later page timed: past the middle of the list
)

// roomList measures GET /v1/rooms for a member in nListRooms more rooms
// (issue 15: one member could make another's list time out): the first
// page and a later one, each beside its floor, the raw query of the
// member's roomPageSize+1 newest room entries that the page runs first. The
// rooms are written through the store (as many creators could make them).
func (b *bench) roomList(ctx context.Context, workspace string, owner benchSession, peer string) error {
	st := b.s.Deps.Store
	ownerKey, peerKey := domain.MemberKey(workspace, owner.AccountID), domain.MemberKey(workspace, peer)
	if _, err := concurrentlyN(nListRooms, func(i int) error {
		return st.CreateRoom(ctx, &domain.Room{
			ID: domain.NewID(), Type: domain.RoomGroup, Name: fmt.Sprintf("List %03d", i),
			MemberKeys: []string{peerKey, ownerKey}, CreatedBy: peerKey, CreatedAt: b.s.Deps.Clock.Now().Truncate(time.Microsecond),
		})
	}); err != nil {
		return err
	}
	type page struct {
		Rooms         []benchRoom `json:"rooms"`
		NextPageToken *string     `json:"nextPageToken"`
	}
	// The token of the later page, and how many rooms the list holds.
	var later string
	total := 0
	for token, n := "", 1; ; n++ {
		var p page
		if err := b.request("GET", fmt.Sprintf("/v1/rooms?pageSize=%d&pageToken=%s", roomPageSize, token), "", owner.AccessToken, http.StatusOK, &p); err != nil {
			return err
		}
		total += len(p.Rooms)
		if n == listLater {
			later = token
		}
		if p.NextPageToken == nil {
			break
		}
		token = *p.NextPageToken
	}
	if later == "" {
		return fmt.Errorf("rooms: the owner's list has fewer than %d pages of %d (%d rooms)", listLater, roomPageSize, total)
	}
	timed := func(token string) ([]time.Duration, cost, error) {
		c := b.costs.since(routeListRooms)
		var lat []time.Duration
		for range nCalls {
			var p page
			t := time.Now()
			if err := b.request("GET", fmt.Sprintf("/v1/rooms?pageSize=%d&pageToken=%s", roomPageSize, token), "", owner.AccessToken, http.StatusOK, &p); err != nil {
				return nil, cost{}, err
			}
			lat = append(lat, time.Since(t))
			if len(p.Rooms) != roomPageSize {
				return nil, cost{}, fmt.Errorf("rooms: a page of %d rooms, want %d", len(p.Rooms), roomPageSize)
			}
		}
		return lat, c(), nil
	}
	firstLat, firstCost, err := timed("")
	if err != nil {
		return err
	}
	laterLat, laterCost, err := timed(later)
	if err != nil {
		return err
	}
	if err := b.requireRoute(routeListRooms, firstCost.n+laterCost.n, 2*nCalls); err != nil {
		return err
	}
	// The floors, raw: the page's query of its entries (from the start,
	// and after the cursor of the later page), and all the page's reads
	// (the query, the rooms in one GetAll, each room's latest message,
	// 16 at a time as the product reads them).
	var cursor *store.RoomCursor
	for range listLater - 1 {
		es, err := st.RoomPage(ctx, ownerKey, cursor, roomPageSize+1)
		if err != nil {
			return err
		}
		cursor = &es[roomPageSize-1].RoomCursor
	}
	fs := st.Firestore()
	entries := fs.CollectionGroup("reads").Where("memberKey", "==", ownerKey).
		OrderBy("activeAt", firestore.Desc).OrderBy("roomId", firestore.Desc).Limit(roomPageSize + 1)
	query := func(q firestore.Query) ([]*firestore.DocumentSnapshot, error) {
		docs, err := q.Documents(ctx).GetAll()
		if err == nil && len(docs) != roomPageSize+1 {
			err = fmt.Errorf("rooms: the raw query found %d entries, want %d", len(docs), roomPageSize+1)
		}
		return docs, err
	}
	rawPage := func() error {
		docs, err := query(entries)
		if err != nil {
			return err
		}
		refs := make([]*firestore.DocumentRef, roomPageSize)
		for i := range refs {
			refs[i] = fs.Collection("rooms").Doc(docs[i].Ref.Parent.Parent.ID)
		}
		if _, err := fs.GetAll(ctx, refs); err != nil {
			return err
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(16)
		for _, ref := range refs {
			g.Go(func() error {
				_, err := ref.Collection("messages").OrderBy("seq", firestore.Desc).Limit(1).Documents(gctx).GetAll()
				return err
			})
		}
		return g.Wait()
	}
	var floorFirst, floorLater, floorPage []time.Duration
	for range nCalls {
		for _, f := range []struct {
			lat *[]time.Duration
			run func() error
		}{
			{&floorFirst, func() error { _, err := query(entries); return err }},
			{&floorLater, func() error { _, err := query(entries.StartAfter(cursor.ActiveAt, cursor.RoomID)); return err }},
			{&floorPage, rawPage},
		} {
			t := time.Now()
			if err := f.run(); err != nil {
				return err
			}
			*f.lat = append(*f.lat, time.Since(t))
		}
	}

	fmt.Printf("\n  the room list of a member in %d rooms, pages of %d\n", total, roomPageSize)
	row(fmt.Sprintf("floor: query of %d room entries (raw)", roomPageSize+1), floorFirst, roomPageSize+1, 0)
	row(fmt.Sprintf("floor: … after page %d's cursor (raw)", listLater-1), floorLater, roomPageSize+1, 0)
	row("floor: the query, GetAll, 20 latest (raw)", floorPage, 3*roomPageSize+1, 0)
	costRow("GET /v1/rooms, page 1", firstLat, firstCost)
	costRow(fmt.Sprintf("GET /v1/rooms, page %d", listLater), laterLat, laterCost)
	fmt.Printf("  a page reads its %d entries, its rooms (GetAll) and each room's latest message (and, if unread,\n"+
		"  two counts), whatever the member's number of rooms\n", roomPageSize+1)
	return nil
}

// rateHeader heads the columns of rate.
func rateHeader() {
	fmt.Printf("%-44s %5s %10s %10s %10s %10s\n", "", "n", "p50", "p99", "per s", "wall")
}

// rate prints and records a throughput: calls per second of wall time.
func rate(name string, r rateResult) {
	p50, p99, perS, wall := percentile(r.lat, 50), percentile(r.lat, 99), fmt.Sprintf("%.0f", r.perSecond()), fmt.Sprintf("%.2fs", r.wall.Seconds())
	report.emit(fmt.Sprintf("%-44s %5d %10s %10s %10s %10s", name, len(r.lat), ms(p50), ms(p99), perS, wall),
		results.Row{Name: name, N: len(r.lat), P50Ms: msOf(p50), P99Ms: msOf(p99), Other: map[string]string{"per s": perS, "wall": wall}})
}

func (r rateResult) perSecond() float64 { return float64(len(r.lat)) / r.wall.Seconds() }

// concurrentlyN runs f(0…n-1) on nPosters goroutines.
func concurrentlyN(n int, f func(i int) error) (rateResult, error) {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		r     rateResult
		first error
		wg    sync.WaitGroup
	)
	start := time.Now()
	for range nPosters {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				t := time.Now()
				err := f(i)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				r.lat = append(r.lat, time.Since(t))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.wall = time.Since(start)
	return r, first
}

// seedActiveMembers writes n active members of a workspace straight to
// Firestore with a BulkWriter, as the product stores them, and returns
// their account IDs in the order written.
func (b *bench) seedActiveMembers(ctx context.Context, workspace string, n int) ([]string, error) {
	fs := b.s.Deps.Store.Firestore()
	now := b.s.Deps.Clock.Now()
	bw := fs.BulkWriter(ctx)
	ids := make([]string, 0, n)
	jobs := make([]*firestore.BulkWriterJob, 0, n)
	for i := range n {
		m := &domain.Member{
			AccountID: domain.NewID(), WorkspaceID: workspace,
			Name: fmt.Sprintf("Member %04d", i), Email: fmt.Sprintf("m%04d@rooms.bench.example", i), Department: fmt.Sprintf("Team %d", i%7),
			Role: domain.RoleMember, Permissions: []string{}, Status: domain.MemberActive, JoinedAt: now,
		}
		domain.MemberIndex(m)
		j, err := bw.Create(fs.Collection("workspaces").Doc(workspace).Collection("members").Doc(m.AccountID), m)
		if err != nil {
			return nil, err
		}
		ids = append(ids, m.AccountID)
		jobs = append(jobs, j)
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// awaitDocs waits until every document of all exists, polling (every
// pollEvery) first the few of sentinels and then those of all still
// missing, and returns when it saw the last one, with how long the first
// poll of all took.
func (b *bench) awaitDocs(ctx context.Context, sentinels, all []*firestore.DocumentRef, timeout time.Duration) (time.Time, time.Duration, error) {
	fs := b.s.Deps.Store.Firestore()
	deadline := time.Now().Add(timeout)
	var first time.Duration
	for phase, missing := range [][]*firestore.DocumentRef{sentinels, all} {
		total := len(missing)
		for polls := 0; len(missing) > 0; polls++ {
			t := time.Now()
			snaps, err := fs.GetAll(ctx, missing)
			if err != nil {
				return time.Time{}, 0, err
			}
			if phase == 1 && polls == 0 {
				first = time.Since(t)
			}
			var still []*firestore.DocumentRef
			for i, s := range snaps {
				if !s.Exists() {
					still = append(still, missing[i])
				}
			}
			missing = still
			if len(missing) == 0 {
				break
			}
			if time.Now().After(deadline) {
				return time.Time{}, 0, fmt.Errorf("%d of %d notifications still missing after %s (e.g. %s)", len(missing), total, timeout, missing[0].Path)
			}
			time.Sleep(pollEvery)
		}
	}
	return time.Now(), first, nil
}

// await waits until want runs of a route are logged since the mark
// (from costLog.since); false if they are not within timeout.
func (l *costLog) await(route string, since func() cost, want int64, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for since().n < want {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollEvery)
	}
	return true
}

// requireRoute fails if a route's requests were not logged under the
// pattern the bench reads, naming the rooms routes that were.
func (b *bench) requireRoute(route string, got, want int64) error {
	if got == want {
		return nil
	}
	b.costs.mu.Lock()
	var seen []string
	for r := range b.costs.byRoute {
		if strings.Contains(r, "rooms") || strings.Contains(r, "fanout") {
			seen = append(seen, r)
		}
	}
	b.costs.mu.Unlock()
	slices.Sort(seen)
	return fmt.Errorf("rooms: %d requests logged as %q, want %d (rooms routes logged: %q)", got, route, want, seen)
}

// roomsFloorTopic creates a topic without subscriptions for the raw
// post's publish.
func (b *bench) roomsFloorTopic(ctx context.Context) (string, error) {
	const topic = "bench-rooms-floor"
	admin := b.s.Deps.PubSub.Client()
	_, err := admin.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: "projects/" + b.s.Deps.Config.Project + "/topics/" + topic})
	return topic, err
}

func rawMessage(i int) map[string]any {
	return map[string]any{"messageId": fmt.Sprintf("%032x", i), "seq": int64(i), "senderKey": "bench:floor", "senderId": "floor",
		"clientMessageId": fmt.Sprint(i), "text": "Bench message: the quarterly figures are in the shared folder.", "createdAt": time.Now()}
}

// rawPost is a post's writes and publish without the product: a commit of
// 3 Creates, a publish, and a Delete.
func (b *bench) rawPost(ctx context.Context, topic, id string) error {
	fs := b.s.Deps.Store.Firestore()
	room := fs.Collection("benchRoomsFloor").Doc("room")
	outbox := fs.Collection("benchRoomsFloorOutbox").Doc(id)
	err := fs.RunTransaction(ctx, func(_ context.Context, tx *firestore.Transaction) error {
		return errors.Join(
			tx.Create(room.Collection("messages").Doc(id), rawMessage(0)),
			tx.Create(room.Collection("seqs").Doc(id), map[string]any{"messageId": id}),
			tx.Create(outbox, map[string]any{"topic": topic, "data": []byte(id), "createdAt": time.Now()}))
	}, firestore.MaxAttempts(1))
	if err != nil {
		return err
	}
	if err := b.s.Deps.PubSub.Publish(ctx, events.Event{ID: id, Topic: topic, Version: 1, Data: []byte(id)}); err != nil {
		return err
	}
	_, err = outbox.Delete(ctx)
	return err
}

// rawFanout Creates n notification-shaped documents under n members with
// one BulkWriter.
func (b *bench) rawFanout(ctx context.Context, run, n int) error {
	fs := b.s.Deps.Store.Firestore()
	members := fs.Collection("workspaces").Doc("bench-rooms-floor").Collection("members")
	bw := fs.BulkWriter(ctx)
	jobs := make([]*firestore.BulkWriterJob, 0, n)
	now := time.Now()
	for i := range n {
		acc := fmt.Sprintf("%032x", i)
		j, err := bw.Create(members.Doc(acc).Collection("notifications").Doc(fmt.Sprintf("message-%d", run)), map[string]any{
			"notificationId": fmt.Sprintf("message-%d", run), "kind": "message", "workspaceId": "bench-rooms-floor", "accountId": acc,
			"createdAt": now, "purgeAt": now.Add(30 * 24 * time.Hour),
			"message": map[string]any{"roomId": "floor", "messageId": fmt.Sprint(run), "seq": int64(run), "senderId": "floor", "senderName": "Floor", "text": "Bench message"},
		})
		if err != nil {
			return err
		}
		jobs = append(jobs, j)
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			return err
		}
	}
	return nil
}

// rateResult is a run of nThroughput operations by nPosters goroutines.
type rateResult struct {
	lat  []time.Duration
	wall time.Duration
}

// concurrently runs f(0…nThroughput-1) on nPosters goroutines.
func concurrently(f func(i int) error) (rateResult, error) {
	return concurrentlyN(nThroughput, f)
}

type throughputResult struct {
	rateResult
	end        time.Time
	messageIDs []string
	failed     int
	firstErr   string
	dupSeqs    int
}

// throughput has nPosters goroutines post nThroughput messages into one
// room as one member, over connections of their own.
func (b *bench) throughput(roomID, token string) throughputResult {
	cb := *b
	cb.client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 2 * nPosters}}
	var (
		mu   sync.Mutex
		out  throughputResult
		seqs = map[int64]int{}
	)
	runID := time.Now().UnixNano()
	r, _ := concurrently(func(i int) error {
		var m benchMessage
		body := fmt.Sprintf(`{"text":"Concurrent message %d","clientMessageId":"tp-%d-%d"}`, i, runID, i)
		err := cb.request("POST", "/v1/rooms/"+roomID+"/messages", body, token, http.StatusCreated, &m)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			out.failed++
			if out.firstErr == "" {
				out.firstErr = err.Error()
			}
			return nil
		}
		out.messageIDs = append(out.messageIDs, m.MessageID)
		seqs[m.Seq]++
		return nil
	})
	out.end = time.Now()
	out.rateResult = r
	for _, n := range seqs {
		if n > 1 {
			out.dupSeqs += n - 1
		}
	}
	return out
}
