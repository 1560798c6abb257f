package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/test/testenv"
)

// Sizes of F19's figures.
const (
	nLivePosts   = 100  // posts timed from the request to the receiver's stream
	nLiveWarm    = 3    // untimed posts first (the stream's listener, the floor's)
	nLiveStreams = 1000 // idle streams held open on one process
	liveOpeners  = 8    // streams opened at once
	// liveSettle is the pause after the last stream opened, for the work
	// a stream does after its answer's headers (its first heartbeat, its
	// listener's first snapshot), before the idle window.
	liveSettle = 2 * time.Second
	// liveIdle is the idle window: the process CPU is measured over it,
	// the memory at its end.
	liveIdle = 10 * time.Second
	// liveDeliver is the window a post to every stream is counted in
	// (arrivals are waited for up to liveWait).
	liveDeliver = 10 * time.Second
	// liveWait bounds the wait for one event, listener or push that must
	// come.
	liveWait = 30 * time.Second
	// userHZ is the unit of /proc/self/stat's CPU times (Linux's USER_HZ).
	userHZ = 100
)

// routeEvents is the request log's route of a stream.
const routeEvents = "GET /v1/me/events"

// live measures F19 in a workspace of nLiveStreams members (all but the
// owner written straight to Firestore, each with a session minted as a
// login stores and signs one): the time from a post to the message event
// on another member's stream, what nLiveStreams idle streams cost one
// process (memory, CPU) and how fast one post reaches all of them, and
// the time from a post to the push in the sink. Each beside its floor,
// measured here on the same emulators; the chains through Pub/Sub beside
// raw publish→push round trips interleaved with them (the emulator's push
// latency drifts within a run).
func (b *bench) live(ctx context.Context) error {
	const workspace = "bench-live"
	fmt.Printf("  load average at the start (1, 5, 15 min): %s on %d CPUs\n", testenv.LoadAverage(), runtime.NumCPU())
	owner, err := b.firstLogin(ctx, workspace, "owner@live.bench.example")
	if err != nil {
		return err
	}
	members, err := b.seedActiveMembers(ctx, workspace, nLiveStreams-1)
	if err != nil {
		return err
	}
	sessions, err := b.mintSessions(ctx, workspace, members)
	if err != nil {
		return err
	}
	var direct, pushRoom, group benchRoom
	if err := b.request("POST", "/v1/rooms", fmt.Sprintf(`{"type":"direct","memberIds":[%q]}`, members[0]), owner.AccessToken, http.StatusCreated, &direct); err != nil {
		return err
	}
	if err := b.request("POST", "/v1/rooms", fmt.Sprintf(`{"type":"direct","memberIds":[%q]}`, members[1]), owner.AccessToken, http.StatusCreated, &pushRoom); err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"type": "group", "name": "Bench live", "memberIds": members})
	if err != nil {
		return err
	}
	if err := b.request("POST", "/v1/rooms", string(body), owner.AccessToken, http.StatusCreated, &group); err != nil {
		return err
	}
	if len(group.MemberIDs) != nLiveStreams {
		return fmt.Errorf("live: the group room has %d members, want %d", len(group.MemberIDs), nLiveStreams)
	}

	probe, err := b.newPushProbe(ctx, "bench-live-floor")
	if err != nil {
		return err
	}
	defer probe.close()
	pushFloor, err := b.livePosts(ctx, probe, owner, sessions[0], direct)
	if err != nil {
		return err
	}
	if err := b.liveIdle(ctx, append([]benchSession{owner}, sessions...), group, pushFloor); err != nil {
		return err
	}
	return b.livePush(ctx, probe, workspace, owner, members[1], pushRoom)
}

// livePosts times posts into a direct room, one at a time, from the
// request to the message event on the other member's stream, interleaved
// with its floors: a raw Create of a document with a server timestamp to
// a snapshot listener on its collection (ordered by that field, as a
// stream's listener is) firing, and a raw publish→push round trip. It
// returns the latter's p50.
func (b *bench) livePosts(ctx context.Context, probe *pushProbe, owner, receiver benchSession, room benchRoom) (time.Duration, error) {
	floor, err := b.listenRaw(ctx, "benchLiveFloor/posts/feed")
	if err != nil {
		return 0, err
	}
	defer floor.close()
	msgs := make(chan seenID, 16)
	stream, err := openSSE(liveClient(), b.s.URL+"/v1/me/events", receiver.AccessToken, func(name, data string, at time.Time) {
		if name == "message" {
			select {
			case msgs <- seenID{messageID(data), at}:
			default: // never full: one message at a time
			}
		}
	})
	if err != nil {
		return 0, err
	}
	defer stream.close()

	var floorLat, pushLat, postLat, chainLat, afterLat []time.Duration
	var postCost cost
	for i := range nLiveWarm + nLivePosts {
		timed := i >= nLiveWarm
		id := fmt.Sprintf("%04d", i)
		t := time.Now()
		if _, err := floor.coll.Doc(id).Create(ctx, map[string]any{"at": firestore.ServerTimestamp, "i": i}); err != nil {
			return 0, err
		}
		at, err := awaitSeen(floor.seen, id)
		if err != nil {
			return 0, fmt.Errorf("live: floor listener: %w", err)
		}
		if timed {
			floorLat = append(floorLat, at.Sub(t))
		}
		d, err := probe.roundTrip(ctx)
		if err != nil {
			return 0, err
		}
		if timed {
			pushLat = append(pushLat, d)
		}

		c := b.costs.since(routePost)
		var m benchMessage
		body := fmt.Sprintf(`{"text":"Live message %d: the quarterly figures are in the shared folder, please have a look before Monday.","clientMessageId":"live-%d"}`, i, i)
		t = time.Now()
		if err := b.request("POST", "/v1/rooms/"+room.RoomID+"/messages", body, owner.AccessToken, http.StatusCreated, &m); err != nil {
			return 0, err
		}
		answered := time.Since(t)
		at, err = awaitSeen(msgs, m.MessageID)
		if err != nil {
			return 0, fmt.Errorf("live: post %d: the receiver's stream: %w", i, err)
		}
		if timed {
			postLat = append(postLat, answered)
			postCost = postCost.add(c())
			chainLat = append(chainLat, at.Sub(t))
			afterLat = append(afterLat, at.Sub(t)-answered)
		}
		time.Sleep(settle)
	}
	row("floor: Create → snapshot listener fired (raw)", floorLat, -1, -1)
	row("floor: publish→push round trip (raw)", pushLat, -1, -1)
	costRow("POST …/messages, direct room (2 members)", postLat, postCost)
	row("post → message event on the other's stream", chainLat, -1, -1)
	row("  of which: after the 201 answer", afterLat, -1, -1)
	pushFloor := percentile(pushLat, 50)
	fmt.Printf("  floor of the chain: publish→push p50 %s + Create→listener p50 %s = %s (each floor sample taken\n"+
		"  beside a post; a post every %s after the last event; the stream read through the router, as a client reads it)\n",
		ms(pushFloor), ms(percentile(floorLat, 50)), ms(pushFloor+percentile(floorLat, 50)), settle)
	return pushFloor, nil
}

// liveIdle holds one idle stream per session open on this process (the
// bench's client and the stack share it) and measures their memory and
// CPU, then how fast one post into a room of all their members reaches
// each of them. Beside it, the same for two floors: as many bare
// server-sent-event streams (HTTP alone) and as many raw Firestore
// listeners (one per collection, each as a stream's listener is).
func (b *bench) liveIdle(ctx context.Context, sessions []benchSession, group benchRoom, pushFloor time.Duration) error {
	n := len(sessions)
	client := liveClient()

	// Floor 1: bare streams, a handler that answers the headers and waits.
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}), ReadHeaderTimeout: 10 * time.Second}
	ln, err := listen()
	if err != nil {
		return err
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	bare, err := hold(n, func(int) (heldStream, error) {
		return openSSE(client, "http://"+ln.Addr().String()+"/", "", func(string, string, time.Time) {})
	})
	if err != nil {
		return err
	}
	bare.closeAll()

	// Floor 2: raw listeners, then one BulkWriter Creating a document in
	// each one's collection; first the same BulkWriter where nothing
	// listens.
	unheard := make([]*firestore.CollectionRef, n)
	for i := range unheard {
		unheard[i] = b.s.Deps.Store.Firestore().Collection(fmt.Sprintf("benchLiveUnheard/%04d/feed", i))
	}
	unheardCommit, err := b.bulkCreate(ctx, unheard)
	if err != nil {
		return err
	}
	raws := make([]*rawListener, n)
	listeners, err := hold(n, func(i int) (heldStream, error) {
		l, err := b.listenRaw(ctx, fmt.Sprintf("benchLiveListen/%04d/feed", i))
		raws[i] = l
		return l, err
	})
	if err != nil {
		return err
	}
	rawDelivery, err := b.rawDelivery(ctx, raws)
	listeners.closeAll()
	if err != nil {
		return err
	}

	// The streams, each with its own session, all members of the room.
	arrivals := make([]seenID, n)
	var got atomic.Int64
	eventsCost := b.costs.since(routeEvents)
	streams, err := hold(n, func(i int) (heldStream, error) {
		var once sync.Once
		return openSSE(client, b.s.URL+"/v1/me/events", sessions[i].AccessToken, func(name, data string, at time.Time) {
			if name == "message" {
				once.Do(func() {
					arrivals[i] = seenID{messageID(data), at}
					got.Add(1)
				})
			}
		})
	})
	if err != nil {
		return err
	}
	load := testenv.LoadAverage()
	opened := int64(len(streams.streams))
	fanoutCost := b.costs.since(routeFanout)
	var m benchMessage
	t := time.Now()
	postErr := b.request("POST", "/v1/rooms/"+group.RoomID+"/messages", `{"text":"To everyone with a stream open","clientMessageId":"live-all"}`,
		sessions[0].AccessToken, http.StatusCreated, &m)
	for postErr == nil && got.Load() < opened && time.Since(t) < liveWait {
		time.Sleep(pollEvery)
	}
	fanoutRuns := int64((nLiveStreams - 1 + fanoutBatch - 1) / fanoutBatch)
	b.costs.await(routeFanout, fanoutCost, fanoutRuns, liveWait)
	fanouts := fanoutCost()
	streams.closeAll() // after which the readers wrote their last
	// The fan-out's batch of each stream's member (the sender's own
	// stream is served with batch 0).
	batchOf := map[string]int{}
	for _, id := range group.MemberIDs {
		if id != sessions[0].AccountID {
			batchOf[id] = len(batchOf) / fanoutBatch
		}
	}
	var deliveryLat []time.Duration
	byBatch := make([][]time.Duration, (len(batchOf)+fanoutBatch-1)/fanoutBatch)
	for i, a := range arrivals {
		if postErr == nil && a.id == m.MessageID {
			d := a.at.Sub(t)
			deliveryLat = append(deliveryLat, d)
			byBatch[batchOf[sessions[i].AccountID]] = append(byBatch[batchOf[sessions[i].AccountID]], d)
		}
	}
	// Each stream logs its request when it ends, with its Firestore
	// operations over its life.
	b.costs.await(routeEvents, eventsCost, opened, liveWait)
	lifeCost := eventsCost()
	if postErr != nil {
		return postErr
	}

	fmt.Printf("\n  %s idle streams on one process (the bench's client and the stack share it; memory after a GC,\n"+
		"  per stream; CPU of the process over %s idle, in %% of one core; load average then: %s)\n", thousands(n), liveIdle, load)
	fmt.Printf("%-44s %5s %10s %10s %10s %10s\n", "", "n", "RSS", "Go heap", "stacks", "idle CPU")
	bare.row("floor: bare SSE handler (HTTP only)")
	listeners.row("floor: Firestore listener (raw, no HTTP)")
	streams.row("GET /v1/me/events (workgate)")
	for _, h := range []struct {
		name string
		h    *holding
	}{{"bare SSE", bare}, {"raw listeners", listeners}, {"workgate streams", streams}} {
		h.h.notes(h.name, n)
	}
	beyond := func(f func(procMem) uint64) string {
		return kib(streams.perStream(f) - bare.perStream(f) - listeners.perStream(f))
	}
	fmt.Printf("  beyond the two floors, a workgate stream holds %s RSS and %s of Go heap more\n", beyond(rssOf), beyond(heapOf))
	fmt.Printf("\n  time to open (%d at once), to the answer's headers (the floor: to the listener's first snapshot)\n", liveOpeners)
	fmt.Printf("%-44s %5s %10s %10s %10s %10s\n", "", "n", "p50", "p99", "reads/req", "writes/req")
	row("floor: bare SSE handler → 200", bare.openLat, -1, -1)
	row("floor: listener → first snapshot (raw)", listeners.openLat, -1, -1)
	costRow("GET /v1/me/events → 200 (cost: its life)", streams.openLat, lifeCost)
	fmt.Printf("  a stream's life here: open, one message event, close (its reads and writes by the request log, which\n" +
		"  leaves out its listener's: one read per event carried)\n")

	fmt.Println("\n  one post to all of them (a group room of the same members; the sender's own stream included)")
	row(fmt.Sprintf("floor: BulkWriter %s Creates → listeners", thousands(n)), rawDelivery.lat, -1, -1)
	fmt.Printf("  %d of %d raw listeners fired within %s, %d within %s; the BulkWriter committed in %s (%s with no\n"+
		"  listener open: on the emulator, writes slow down with the listeners open)\n",
		within(rawDelivery.lat, liveDeliver), n, liveDeliver, len(rawDelivery.lat), liveWait, ms(rawDelivery.commit), ms(unheardCommit))
	row(fmt.Sprintf("post → message event, each of %s", thousands(int(opened))), deliveryLat, -1, -1)
	fmt.Printf("  %d of %d streams got it within %s, %d within %s; the last at %s\n",
		within(deliveryLat, liveDeliver), opened, liveDeliver, len(deliveryLat), liveWait, ms(percentile(deliveryLat, 100)))
	fmt.Printf("  by fan-out batch of %d (p50, last):", fanoutBatch)
	for i, lat := range byBatch {
		fmt.Printf(" %d: %s, %s;", i, ms(percentile(lat, 50)), ms(percentile(lat, 100)))
	}
	fmt.Println()
	fmt.Printf("  fanout job: %d runs of %.1fs on average (the live events, room entries and notifications of %d members\n"+
		"  each); the emulator pushes at most 2 at once per subscription, so batches 2 and 3 wait for 0 and 1\n",
		fanouts.n, float64(fanouts.msSum)/1000/float64(max(fanouts.n, 1)), fanoutBatch)
	fmt.Printf("  floor of the chain: two Pub/Sub hops (the post's event, the further fan-out batches) 2 × %s +\n"+
		"  the raw BulkWriter→listeners p50 %s = %s\n", ms(pushFloor), ms(percentile(rawDelivery.lat, 50)), ms(2*pushFloor+percentile(rawDelivery.lat, 50)))
	return nil
}

// rawResult is what a raw fan-out to listeners measured: when each
// fired, and how long the BulkWriter took to commit.
type rawResult struct {
	lat    []time.Duration
	commit time.Duration
}

// rawDelivery Creates one document (with a server timestamp) in each
// listener's collection with one BulkWriter, and times each listener's
// firing from before the first Create.
func (b *bench) rawDelivery(ctx context.Context, ls []*rawListener) (rawResult, error) {
	var out rawResult
	var colls []*firestore.CollectionRef
	for _, l := range ls {
		if l != nil {
			colls = append(colls, l.coll)
		}
	}
	t := time.Now()
	commit, err := b.bulkCreate(ctx, colls)
	if err != nil {
		return out, err
	}
	out.commit = commit
	deadline := time.After(liveWait)
	for _, l := range ls {
		if l == nil {
			continue
		}
		select {
		case s := <-l.seen:
			out.lat = append(out.lat, s.at.Sub(t))
		case <-deadline:
			return out, nil
		}
	}
	return out, nil
}

// bulkCreate Creates a document with a server timestamp in each
// collection with one BulkWriter, and returns how long it took.
func (b *bench) bulkCreate(ctx context.Context, colls []*firestore.CollectionRef) (time.Duration, error) {
	bw := b.s.Deps.Store.Firestore().BulkWriter(ctx)
	t := time.Now()
	jobs := make([]*firestore.BulkWriterJob, 0, len(colls))
	for _, c := range colls {
		j, err := bw.Create(c.Doc("all"), map[string]any{"at": firestore.ServerTimestamp})
		if err != nil {
			return 0, err
		}
		jobs = append(jobs, j)
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			return 0, err
		}
	}
	return time.Since(t), nil
}

// livePush times posts into a direct room from the request to the push in
// the sink, to a member with a push token registered on a device of its
// own and no stream open.
func (b *bench) livePush(ctx context.Context, probe *pushProbe, workspace string, owner benchSession, peer string, room benchRoom) error {
	devices, err := b.mintSessions(ctx, workspace, []string{peer})
	if err != nil {
		return err
	}
	device := devices[0]
	token := "fcm-" + domain.NewID()
	if err := b.request("PUT", "/v1/me/devices/"+device.DeviceID+"/push-token", fmt.Sprintf(`{"provider":"fcm","token":%q}`, token),
		device.AccessToken, http.StatusNoContent, nil); err != nil {
		return err
	}
	type arrived struct {
		seq string
		at  time.Time
	}
	pushes := make(chan arrived, 16)
	b.s.Sink.SetOnPush(func(p mailsink.Push) {
		if p.Token == token {
			pushes <- arrived{p.Data["seq"], time.Now()}
		}
	})
	defer b.s.Sink.SetOnPush(nil)
	var lat, floorLat []time.Duration
	for i := range nChain {
		d, err := probe.roundTrip(ctx)
		if err != nil {
			return err
		}
		floorLat = append(floorLat, d)
		var m benchMessage
		body := fmt.Sprintf(`{"text":"Push message %d: the quarterly figures are in the shared folder.","clientMessageId":"push-%d"}`, i, i)
		t := time.Now()
		if err := b.request("POST", "/v1/rooms/"+room.RoomID+"/messages", body, owner.AccessToken, http.StatusCreated, &m); err != nil {
			return err
		}
		seq := strconv.FormatInt(m.Seq, 10)
		timeout := time.After(liveWait)
	wait:
		for {
			select {
			case p := <-pushes:
				if p.seq == seq {
					lat = append(lat, p.at.Sub(t))
					break wait
				}
			case <-timeout:
				return fmt.Errorf("live: no push of message %d (seq %s) within %s", i, seq, liveWait)
			}
		}
		time.Sleep(settle)
	}
	fmt.Println("\n  push (a member with a push token on a device without a stream)")
	row("floor: publish→push round trip (raw)", floorLat, -1, -1)
	row("post → push in the sink", lat, -1, -1)
	fmt.Printf("  floor of the chain: two Pub/Sub hops (message-posted, push-requested) 2 × publish→push p50 %s = %s\n",
		ms(percentile(floorLat, 50)), ms(2*percentile(floorLat, 50)))
	return nil
}

// mintSessions gives each account a session on a device of its own,
// written straight to Firestore as a login stores it and signed as a
// login signs it: the bench times streams, not logins.
func (b *bench) mintSessions(ctx context.Context, workspace string, accounts []string) ([]benchSession, error) {
	d := b.s.Deps
	sessions := d.Sessions()
	fs := d.Store.Firestore()
	bw := fs.BulkWriter(ctx)
	out := make([]benchSession, 0, len(accounts))
	jobs := make([]*firestore.BulkWriterJob, 0, len(accounts))
	for _, acc := range accounts {
		sess, refresh := sessions.New(acc, workspace, domain.NewID())
		j, err := bw.Create(fs.Collection("sessions").Doc(sess.ID), sess)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
		res, err := sessions.Respond(sess, refresh)
		if err != nil {
			return nil, err
		}
		out = append(out, benchSession{AccessToken: res.AccessToken, AccountID: acc, DeviceID: sess.DeviceID})
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
