// Package cost is the monthly cost model of workgate (issue 22): from the
// Firestore operations and latencies `make bench` measured per call
// (docs/bench.json), a usage model of a workspace's members, the
// functions' Cloud Run settings (infra) and list prices, it counts each
// flow's Firestore reads, writes and deletes, Pub/Sub requests, Cloud
// Run requests and instance time, and prices them.
//
// Every figure says where it comes from: Measured (a bench row), Code
// (counted from the code where the bench measures nothing), or Assumed.
package cost

import (
	"math"
	"time"
)

// Call is what the bench measured of one call or job run.
type Call struct {
	Reads, Writes float64
	P50           time.Duration // zero for a job the bench times not
	MeasuredAt    time.Time
	Row           string // the bench row, for the doc
}

// Measured are the bench rows the model uses.
type Measured struct {
	CodeRequest, CodeVerify, PasswordLogin, Mailer Call
	Refresh                                        Call
	Post, RoomList                                 Call
	// FanoutSmall and FanoutLarge are the fan-out job's operations per
	// post in rooms of FanoutSmallSize and FanoutLargeSize members; the
	// model is linear between them (the job reads and writes a fixed
	// number of documents per recipient).
	FanoutSmall, FanoutLarge         Call
	FanoutSmallSize, FanoutLargeSize int
	// StreamLife is a stream's whole life in the bench: open, one event,
	// close.
	StreamLife Call
}

// FeedSince is when the fan-out began writing each member's live feed
// (commit adfd7bc, issue 16): a fan-out row measured before it lacks
// those writes, which the model then adds from the code.
var FeedSince = time.Date(2026, 12, 6, 18, 16, 0, 0, time.UTC)

// Usage is the usage model: the figures, then the assumptions
// the issue leaves open.
type Usage struct {
	Members      int
	Days         float64 // a month
	LoginsPerDay float64
	PostsPerDay  float64
	// RoomMin and RoomMax bound the rooms posted in; sizes are uniform
	// between them, so the mean size prices a post exactly (every cost
	// is linear in the size).
	RoomMin, RoomMax int
	ReadsPerDay      float64 // messages read
	StreamHours      float64 // a live stream open, a day

	// HistoryPage is how many messages one room opening reads (the
	// client's page): ReadsPerDay/HistoryPage openings a day, each also
	// loading the room list and marking the room read.
	HistoryPage int
	// RefreshEvery is the access token's life: a client refreshes this
	// often while its stream is open.
	RefreshEvery time.Duration
	// StreamMaxAge and Heartbeat are the events function's settings
	// (shared/config: WORKGATE_STREAM_MAX_AGE, WORKGATE_STREAM_HEARTBEAT).
	StreamMaxAge, Heartbeat time.Duration
	// StreamConcurrency is the events function's requests per instance
	// (infra/topology.yaml); Utilization is the share of it Cloud Run's
	// autoscaler fills before starting another instance.
	StreamConcurrency int
	Utilization       float64
	// CPU and MemoryGiB are every function's instance (infra/terraform).
	CPU, MemoryGiB float64
	// MinBilled is Cloud Run's billing granularity: a request alone on
	// its instance is billed at least this long.
	MinBilled time.Duration
	// DocKiB is a stored document's assumed size, index entries included.
	DocKiB float64
}

// MeanRoom is the mean room size.
func (u Usage) MeanRoom() float64 { return float64(u.RoomMin+u.RoomMax) / 2 }

// Flow is one flow's resources per member per day (Fixed: per
// workspace per day).
type Flow struct {
	Name   string
	Source string // measured rows, code counts and assumptions it rests on
	Fixed  bool
	// Firestore documents.
	Reads, Writes, Deletes float64
	// PubSubRequests are publish and push requests, each billed at least
	// 1,000 bytes (every event of workgate is smaller).
	PubSubRequests float64
	// RunRequests and RunSeconds are Cloud Run requests and billed
	// instance time (at Usage.CPU and MemoryGiB).
	RunRequests, RunSeconds float64
}

// Monthly is a flow's resources over the month for the members.
func (f Flow) Monthly(u Usage) Flow {
	k := u.Days
	if !f.Fixed {
		k *= float64(u.Members)
	}
	m := f
	m.Reads, m.Writes, m.Deletes = f.Reads*k, f.Writes*k, f.Deletes*k
	m.PubSubRequests, m.RunRequests, m.RunSeconds = f.PubSubRequests*k, f.RunRequests*k, f.RunSeconds*k
	return m
}

// billed is a request's billed instance time: its p50 latency, at least
// MinBilled (a request alone on its instance; an upper bound when
// requests overlap on an instance, which they do at scale).
func (u Usage) billed(c Call) float64 {
	return max(c.P50, u.MinBilled).Seconds()
}

// Fanout is the fan-out of one post in a room of size members: the job's
// reads and writes (measured at two sizes, linear between), the live
// feed's writes if the rows predate it, the listener reads of the
// members' streams, the TTL deletes of what it wrote, and the push job's
// reads.
func (m Measured) Fanout(size float64) (reads, writes, deletes float64) {
	t := (size - float64(m.FanoutSmallSize)) / float64(m.FanoutLargeSize-m.FanoutSmallSize)
	reads = m.FanoutSmall.Reads + t*(m.FanoutLarge.Reads-m.FanoutSmall.Reads)
	writes = m.FanoutSmall.Writes + t*(m.FanoutLarge.Writes-m.FanoutSmall.Writes)
	recipients := size - 1
	feed := size + recipients // a message event each, a notification event each recipient
	if m.FanoutLarge.MeasuredAt.Before(FeedSince) {
		writes += feed
	}
	reads += feed       // each event read once by its member's stream listener
	reads += recipients // the push job: a member's push tokens, one query (none registered)
	deletes = feed + recipients
	return reads, writes, deletes
}

// Flows are the usage's flows, per member per day, and the fixed ones
// per day.
func Flows(m Measured, u Usage) []Flow {
	hours := u.StreamHours
	opens := u.ReadsPerDay / float64(u.HistoryPage)
	connections := math.Ceil(hours * float64(time.Hour) / float64(u.StreamMaxAge))
	beats := hours * float64(time.Hour) / float64(u.Heartbeat)
	fr, fw, fd := m.Fanout(u.MeanRoom())
	instances := math.Ceil(float64(u.Members) / (float64(u.StreamConcurrency) * u.Utilization))
	return []Flow{{
		Name:   "log in (e-mail code, code mail, verify, password)",
		Source: "measured: " + m.CodeRequest.Row + "; " + m.Mailer.Row + "; " + m.CodeVerify.Row + "; " + m.PasswordLogin.Row,
		Reads:  u.LoginsPerDay * (m.CodeRequest.Reads + m.Mailer.Reads + m.CodeVerify.Reads + m.PasswordLogin.Reads),
		Writes: u.LoginsPerDay * (m.CodeRequest.Writes + m.Mailer.Writes + m.CodeVerify.Writes + m.PasswordLogin.Writes),
		// mail-requested: a publish and a push.
		PubSubRequests: u.LoginsPerDay * 2,
		RunRequests:    u.LoginsPerDay * 4,
		RunSeconds:     u.LoginsPerDay * (u.billed(m.CodeRequest) + u.billed(m.Mailer) + u.billed(m.CodeVerify) + u.billed(m.PasswordLogin)),
	}, {
		Name:        "token refresh while the app is open",
		Source:      "measured: " + m.Refresh.Row + "; assumed: one every access token's life while the stream is open",
		Reads:       hours * float64(time.Hour) / float64(u.RefreshEvery) * m.Refresh.Reads,
		Writes:      hours * float64(time.Hour) / float64(u.RefreshEvery) * m.Refresh.Writes,
		RunRequests: hours * float64(time.Hour) / float64(u.RefreshEvery),
		RunSeconds:  hours * float64(time.Hour) / float64(u.RefreshEvery) * u.billed(m.Refresh),
	}, {
		Name:   "post (the call)",
		Source: "measured: " + m.Post.Row,
		Reads:  u.PostsPerDay * m.Post.Reads, Writes: u.PostsPerDay * m.Post.Writes,
		// message-posted's publish (its push is the fan-out's).
		PubSubRequests: u.PostsPerDay,
		RunRequests:    u.PostsPerDay,
		RunSeconds:     u.PostsPerDay * u.billed(m.Post),
	}, {
		Name: "fan-out of the posts (job, live feed, listeners, push job, TTL deletes)",
		Source: "measured: " + m.FanoutSmall.Row + "; " + m.FanoutLarge.Row + " (linear between); code: live feed writes (if the rows predate it), " +
			"one listener read per feed event, the push job's token query per recipient, TTL deletes of feed events and notifications",
		Reads: u.PostsPerDay * fr, Writes: u.PostsPerDay * fw, Deletes: u.PostsPerDay * fd,
		// The fan-out job's push, push-requested's publish and push (one
		// batch: rooms of up to 251 members).
		PubSubRequests: u.PostsPerDay * 3,
		RunRequests:    u.PostsPerDay * 2,
		RunSeconds:     u.PostsPerDay * 2 * u.MinBilled.Seconds(),
	}, {
		Name: "read messages (room list, history page, mark read)",
		Source: "measured: " + m.RoomList.Row + "; code: a history page reads 4 (authentication) + 1 (room) + the page, " +
			"marking read 6 reads and 2 writes (entry, read event) and its event's listener read and TTL delete",
		Reads:       opens * (m.RoomList.Reads + 5 + float64(u.HistoryPage) + 6 + 1),
		Writes:      opens * 2,
		Deletes:     opens,
		RunRequests: opens * 3,
		RunSeconds:  opens * (u.billed(m.RoomList) + 2*u.MinBilled.Seconds()),
	}, {
		Name: "live stream (connections, heartbeat)",
		Source: "measured: " + m.StreamLife.Row + " (less its one event's read); code: a connection ends at the stream's max age, " +
			"the heartbeat writes presence and the live device",
		Reads:       connections * (m.StreamLife.Reads - 1),
		Writes:      connections*m.StreamLife.Writes + beats*2,
		RunRequests: connections,
	}, {
		Name: "live stream instances (events function)",
		Source: "code: infra/topology.yaml concurrency, infra/terraform cpu/memory; assumed: every stream open in the same hours, " +
			"the autoscaler filling instances to its utilization",
		Fixed:      true,
		RunSeconds: instances * hours * 3600,
	}, {
		Name:        "relay (Cloud Scheduler, every minute)",
		Source:      "code: one query of the outbox a run, billed one read when empty; assumed: billed the minimum",
		Fixed:       true,
		Reads:       24 * 60,
		RunRequests: 24 * 60,
		RunSeconds:  24 * 60 * u.MinBilled.Seconds(),
	}}
}

// Bill is a priced month.
type Bill struct {
	Firestore, FirestoreStorage, Run, PubSub float64
}

// Total is the bill's sum.
func (b Bill) Total() float64 { return b.Firestore + b.FirestoreStorage + b.Run + b.PubSub }

// Price prices a month of flows (Monthly), the free tiers applied or
// not.
func Price(p Prices, u Usage, monthly []Flow, storedGiB float64, free bool) Bill {
	var t Flow
	for _, f := range monthly {
		t.Reads += f.Reads
		t.Writes += f.Writes
		t.Deletes += f.Deletes
		t.PubSubRequests += f.PubSubRequests
		t.RunRequests += f.RunRequests
		t.RunSeconds += f.RunSeconds
	}
	vcpu, gib := t.RunSeconds*u.CPU, t.RunSeconds*u.MemoryGiB
	pubsubGiB := t.PubSubRequests * 1000 / (1 << 30)
	if free {
		t.Reads = max(t.Reads-FreeFirestoreReadsDay*u.Days, 0)
		t.Writes = max(t.Writes-FreeFirestoreWritesDay*u.Days, 0)
		// The deletes are TTL deletes, which get no free usage.
		t.RunRequests = max(t.RunRequests-FreeRunRequests, 0)
		vcpu, gib = max(vcpu-FreeRunVCPUSeconds, 0), max(gib-FreeRunGiBSeconds, 0)
		pubsubGiB = max(pubsubGiB-FreePubSubGiB, 0)
		storedGiB = max(storedGiB-FreeFirestoreGiB, 0)
	}
	return Bill{
		Firestore:        (t.Reads*p.FirestoreRead + t.Writes*p.FirestoreWrite + t.Deletes*p.FirestoreDelete) / 100_000,
		FirestoreStorage: storedGiB * p.FirestoreGiBMonth,
		Run:              vcpu*p.RunVCPUSecond + gib*p.RunGiBSecond + t.RunRequests/1e6*p.RunMillionRequests,
		PubSub:           pubsubGiB / 1024 * p.PubSubTiB,
	}
}

// FlowCost is one month of one flow at list prices, no free tier.
func FlowCost(p Prices, u Usage, monthly Flow) float64 {
	return Price(p, u, []Flow{monthly}, 0, false).Total()
}

// StoredGiB is the Firestore data held at the end of the first month,
// in documents of DocKiB: the notifications of 30 days (a member
// receives about as many as the members of their rooms post), a day of
// feed events, and the month's messages with their seq claims.
func StoredGiB(u Usage) float64 {
	perDay := u.PostsPerDay * (u.MeanRoom() - 1) // notifications received, a member
	docs := perDay*30 + u.PostsPerDay*(2*u.MeanRoom()-1) + u.PostsPerDay*2*u.Days
	return docs * float64(u.Members) * u.DocKiB / (1 << 20)
}
