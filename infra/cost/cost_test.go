package cost

import (
	"math"
	"testing"
	"time"
)

var (
	before = FeedSince.Add(-time.Hour)
	after  = FeedSince.Add(time.Hour)
)

func measured(at time.Time) Measured {
	return Measured{
		FanoutSmall: Call{Reads: 2, Writes: 4, MeasuredAt: at}, FanoutSmallSize: 2,
		FanoutLarge: Call{Reads: 1000, Writes: 2000, MeasuredAt: at}, FanoutLargeSize: 1000,
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestFanout(t *testing.T) {
	cases := []struct {
		name                string
		m                   Measured
		size                float64
		reads, writes, dels float64
	}{
		// 2 + 1 per recipient read; 4 + 2 per recipient written (measured,
		// linear); 2·26−1 = 51 feed events each read once, and written
		// when the rows predate the feed; 25 token queries; 51 + 25 TTL deletes.
		{"rows with the feed", measured(after), 26, 26 + 51 + 25, 52, 76},
		{"rows before the feed", measured(before), 26, 26 + 51 + 25, 52 + 51, 76},
		{"a measured size gives the measurement", measured(after), 1000, 1000 + 1999 + 999, 2000, 1999 + 999},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, w, d := tc.m.Fanout(tc.size)
			if !near(r, tc.reads) || !near(w, tc.writes) || !near(d, tc.dels) {
				t.Errorf("Fanout(%v) = %v reads, %v writes, %v deletes; want %v, %v, %v", tc.size, r, w, d, tc.reads, tc.writes, tc.dels)
			}
		})
	}
}

func usage(members int) Usage {
	return Usage{
		Members: members, Days: 30, LoginsPerDay: 1, PostsPerDay: 50, RoomMin: 2, RoomMax: 50, ReadsPerDay: 200, StreamHours: 8,
		HistoryPage: 20, RefreshEvery: 15 * time.Minute, StreamMaxAge: 55 * time.Minute, Heartbeat: 2 * time.Minute,
		StreamConcurrency: 1000, Utilization: 0.6, CPU: 1, MemoryGiB: 0.5, MinBilled: 100 * time.Millisecond, DocKiB: 1,
	}
}

func flow(tb testing.TB, fs []Flow, prefix string) Flow {
	tb.Helper()
	for _, f := range fs {
		if len(f.Name) >= len(prefix) && f.Name[:len(prefix)] == prefix {
			return f
		}
	}
	tb.Fatalf("no flow %q", prefix)
	return Flow{}
}

func TestStreamFlows(t *testing.T) {
	m := measured(after)
	m.StreamLife = Call{Reads: 5, Writes: 4}
	fs := Flows(m, usage(1000))
	s := flow(t, fs, "live stream (")
	// 8 h in streams of 55 min: 9 connections of 4 reads and 4 writes;
	// 240 heartbeats of 2 writes.
	if s.Reads != 36 || s.Writes != 36+480 || s.RunRequests != 9 {
		t.Errorf("stream = %+v; want 36 reads, 516 writes, 9 requests", s)
	}
	inst := flow(t, fs, "live stream instances")
	if !inst.Fixed || inst.RunSeconds != 2*8*3600 {
		t.Errorf("instances for 1,000 streams = %+v; want fixed, 2 instances for 8 h", inst)
	}
	inst = flow(t, Flows(m, usage(100_000)), "live stream instances")
	if inst.RunSeconds != 167*8*3600 {
		t.Errorf("instances for 100,000 streams: %v s; want 167 instances for 8 h", inst.RunSeconds)
	}
}

func TestMonthly(t *testing.T) {
	u := usage(1000)
	per := Flow{Reads: 1, Writes: 2, RunSeconds: 0.1}.Monthly(u)
	if per.Reads != 30_000 || per.Writes != 60_000 || !near(per.RunSeconds, 3000) {
		t.Errorf("a member's flow over a month of 1,000 members = %+v", per)
	}
	fixed := Flow{Fixed: true, Reads: 1440}.Monthly(u)
	if fixed.Reads != 1440*30 {
		t.Errorf("a fixed flow over a month = %v reads; want 43,200 whatever the members", fixed.Reads)
	}
}

func TestPrice(t *testing.T) {
	u := usage(1000)
	p := Prices{FirestoreRead: 1, FirestoreWrite: 2, FirestoreDelete: 3, FirestoreGiBMonth: 5, RunVCPUSecond: 1e-5, RunGiBSecond: 1e-6, RunMillionRequests: 1, PubSubTiB: 1024}
	month := []Flow{{Reads: 2_000_000, Writes: 1_000_000, Deletes: 100_000, RunRequests: 3_000_000, RunSeconds: 200_000, PubSubRequests: 1 << 30 / 1000 * 20}}
	list := Price(p, u, month, 3, false)
	// 20 + 20 + 3 (per 100,000); 15; 2 + 0.1 + 3; 20 GiB of 1 TiB/1024.
	want := Bill{Firestore: 43, FirestoreStorage: 15, Run: 2 + 0.1 + 3, PubSub: 20 * float64(1<<30/1000*1000) / (1 << 30)}
	if !near(list.Firestore, want.Firestore) || !near(list.FirestoreStorage, want.FirestoreStorage) || !near(list.Run, want.Run) || math.Abs(list.PubSub-want.PubSub) > 1e-3 {
		t.Errorf("list = %+v; want %+v", list, want)
	}
	free := Price(p, u, month, 3, true)
	// Reads less 1.5M, writes less 600,000; deletes (TTL) get none;
	// Cloud Run less 180,000 vCPU-s, 360,000 GiB-s, 2M requests; 10 GiB;
	// 1 GiB.
	if !near(free.Firestore, 5+8+3) || !near(free.FirestoreStorage, 10) || !near(free.Run, 0.2+0+1) || math.Abs(free.PubSub-(list.PubSub-10)) > 1e-3 {
		t.Errorf("free tiers applied = %+v", free)
	}
}

func TestStoredGiB(t *testing.T) {
	// A member: 50·25 notifications a day for 30 days, 50·51 feed events,
	// 50·2·30 messages and seq claims: 43,050 documents of 1 KiB.
	got := StoredGiB(usage(1))
	if want := 43_050.0 / (1 << 20); !near(got, want) {
		t.Errorf("StoredGiB = %v, want %v", got, want)
	}
}
