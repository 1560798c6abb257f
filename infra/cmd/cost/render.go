package main

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/workgate/workgate/infra/cost"
	"github.com/workgate/workgate/test/bench/results"
)

// render writes COST.md.
func render(f results.File, m cost.Measured, u cost.Usage) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("# What a workspace costs a month")
	p("")
	p("Written by `make cost` (`infra/cmd/cost`, arithmetic in `infra/cost`) from `docs/bench.json`; do not edit, regenerate.")
	p("")
	p("**The bench figures:** %s", f.Source)
	p("")
	p("## The usage model")
	p("")
	p("From issue 22: a workspace of **%s members**, each a day: logs in %.0f time, posts **%.0f messages** in rooms of %d–%d members, reads **%.0f**, and keeps a **live stream open %.0f hours**; a month is %.0f days.",
		thousands(u.Members), u.LoginsPerDay, u.PostsPerDay, u.RoomMin, u.RoomMax, u.ReadsPerDay, u.StreamHours, u.Days)
	p("")
	p("Assumed, where the issue says nothing:")
	p("")
	p("- Room sizes are uniform between %d and %d (mean %.0f): every per-post cost is linear in the size, so the mean prices it exactly.", u.RoomMin, u.RoomMax, u.MeanRoom())
	p("- A login is the e-mail code path (code request, code mail, verify, password) on a trusted device.")
	p("- Reading %.0f messages is %.0f room openings of %d messages, each loading the room list (a page of 20), one history page and marking the room read.", u.ReadsPerDay, u.ReadsPerDay/float64(u.HistoryPage), u.HistoryPage)
	p("- One device a member (the web app): its stream is open while the member posts and is posted to, so every live event is read once by a listener; no push token, so the push job finds none and sends nothing (a phone with a token would add 3 reads and a write a notification it pushes).")
	p("- The access token (15 minutes) is refreshed while the stream is open; a stream reconnects every %s (its max age).", u.StreamMaxAge)
	p("- Every member's %.0f hours are the same hours (a Korean working day): the events function holds them on as few instances as its concurrency (%d, `infra/topology.yaml`) allows at %.0f%% utilisation (the autoscaler's target; assumed). Spread over 24 hours the stream instances cost up to 3× as much.", u.StreamHours, u.StreamConcurrency, 100*u.Utilization)
	p("- Every function runs on %.0f vCPU and %.0f MiB with CPU only during requests (`infra/terraform`: `cpu_idle`), and no minimum instances: an idle function costs nothing. A request is billed its bench p50, at least %s (Cloud Run's granularity; at this load requests rarely share an instance, so each is billed alone: an upper bound). The p50s are the emulator's; production Firestore round trips differ.", u.CPU, u.MemoryGiB*1024, u.MinBilled)
	p("- Stored: documents of %.0f KiB with their index entries; notifications are kept 30 days, live events a day (both by TTL, whose deletes are billed and get no free usage), messages and seq claims for good.", u.DocKiB)
	p("")
	p("## Prices (read %s)", cost.PricesRead)
	p("")
	p("| | %s | %s |", cost.Seoul.Region, cost.Iowa.Region)
	p("|---|---|---|")
	p("| Firestore, 100,000 reads / writes / deletes | $%.3f / $%.3f / $%.3f | $%.3f / $%.3f / $%.3f |", cost.Seoul.FirestoreRead, cost.Seoul.FirestoreWrite, cost.Seoul.FirestoreDelete, cost.Iowa.FirestoreRead, cost.Iowa.FirestoreWrite, cost.Iowa.FirestoreDelete)
	p("| Firestore, GiB stored a month | $%.2f | $%.2f |", cost.Seoul.FirestoreGiBMonth, cost.Iowa.FirestoreGiBMonth)
	p("| Cloud Run, vCPU-second / GiB-second (request-based) | $%.7f / $%.7f | $%.7f / $%.7f |", cost.Seoul.RunVCPUSecond, cost.Seoul.RunGiBSecond, cost.Iowa.RunVCPUSecond, cost.Iowa.RunGiBSecond)
	p("| Cloud Run, million requests | $%.2f | $%.2f |", cost.Seoul.RunMillionRequests, cost.Iowa.RunMillionRequests)
	p("| Pub/Sub, TiB (at least 1,000 bytes a request) | $%.0f | $%.0f |", cost.Seoul.PubSubTiB, cost.Iowa.PubSubTiB)
	p("")
	p("Free tiers: Firestore %s reads, %s writes, %s deletes a day and %d GiB (the default database); Cloud Run %s vCPU-s, %s GiB-s and %s requests a month; Pub/Sub %d GiB a month; Cloud Scheduler %d jobs (the relay is the one job: free).",
		thousands(cost.FreeFirestoreReadsDay), thousands(cost.FreeFirestoreWritesDay), thousands(cost.FreeFirestoreDeletesDay), cost.FreeFirestoreGiB,
		thousands(cost.FreeRunVCPUSeconds), thousands(cost.FreeRunGiBSeconds), thousands(cost.FreeRunRequests), cost.FreePubSubGiB, cost.FreeSchedulerJobs)
	p("")
	for _, s := range cost.PriceSources {
		p("- %s: <%s>, read %s. %s.", s.What, s.URL, s.Read, s.Note)
	}
	p("")
	for _, members := range []int{u.Members, 100 * u.Members} {
		u := u
		u.Members = members
		section(p, m, u)
	}
	p("## What changes at 100,000 members")
	p("")
	p("- **Linear**: every per-member flow (login, refresh, posting, fan-out, reading, the stream's connections and heartbeat) and storage: ×100. The free tiers, a fixed amount, stop mattering.")
	p("- **Stream instances** grow in steps of %.0f streams: %s instances for %s members, %s for %s. The default `max_instances` of `infra/terraform` (10) caps the events function at 10,000 streams: at 100,000 members it must be raised (to at least %s), or streams are refused.",
		float64(u.StreamConcurrency)*u.Utilization, thousands(instances(u, u.Members)), thousands(u.Members), thousands(instances(u, 100*u.Members)), thousands(100*u.Members), thousands(instances(u, 100*u.Members)))
	p("- **Fixed**: the relay's run a minute and its read; no minimum instances anywhere, so no idle cost at either size.")
	p("- **Fan-out in big rooms does not stay per member**: a post costs about %.1f writes a member of its room. The model's rooms stay at 2–50; a room of every member (an all-hands room of 100,000) would cost about %s writes a post, $%.2f in Seoul, and its fan-out runs in %s batches of 250.",
		fanoutSlope(m), thousands(int(math.Round(fanWrites(m, 100_000)))), fanWrites(m, 100_000)*cost.Seoul.FirestoreWrite/100_000, thousands(100_000/250))
	p("- **Instance time shares instances**: at 100,000 members short requests overlap on instances, so the 100 ms minimum a request overstates their Cloud Run time; their p50s are the lower bound.")
	p("")
	p("## Measured, counted, assumed")
	p("")
	p("Each flow and what its figures rest on (bench rows with their figures and the date they were measured):")
	p("")
	for _, fl := range cost.Flows(m, u) {
		p("- **%s**: %s.", fl.Name, fl.Source)
	}
	p("")
	if m.FanoutLarge.MeasuredAt.Before(cost.FeedSince) {
		p("The fan-out rows were measured before the fan-out wrote the members' live feeds (%s): the model adds those writes (a message event per member and a notification event per recipient) from the code. A new `make bench` measures them.", cost.FeedSince.Format("2006-01-02"))
		p("")
	}
	p("Not modelled: network egress, Cloud Logging, Secret Manager, Artifact Registry, the load balancer (a forwarding rule is billed by the hour whatever the load), SendGrid and FCM.")
	return b.String()
}

// section writes the month of one workspace size.
func section(p func(string, ...any), m cost.Measured, u cost.Usage) {
	flows := cost.Flows(m, u)
	monthly := make([]cost.Flow, len(flows))
	for i, f := range flows {
		monthly[i] = f.Monthly(u)
	}
	stored := cost.StoredGiB(u)
	seoul := cost.Price(cost.Seoul, u, monthly, stored, true)
	list := cost.Price(cost.Seoul, u, monthly, stored, false)
	iowa := cost.Price(cost.Iowa, u, monthly, stored, true)
	n := float64(u.Members)
	p("## %s members", thousands(u.Members))
	p("")
	p("**%s a month in Seoul, $%.4f a member** with the free tiers (%s at list prices without them; %s in us-central1).", usd(seoul.Total()), seoul.Total()/n, usd(list.Total()), usd(iowa.Total()))
	p("")
	p("| Seoul, a month | free tiers applied | list |")
	p("|---|---|---|")
	p("| Firestore operations | %s | %s |", usd(seoul.Firestore), usd(list.Firestore))
	p("| Firestore storage (%.1f GiB after a month) | %s | %s |", stored, usd(seoul.FirestoreStorage), usd(list.FirestoreStorage))
	p("| Cloud Run | %s | %s |", usd(seoul.Run), usd(list.Run))
	p("| Pub/Sub | %s | %s |", usd(seoul.PubSub), usd(list.PubSub))
	p("| **total** | **%s** | **%s** |", usd(seoul.Total()), usd(list.Total()))
	p("| a member | $%.4f | $%.4f |", seoul.Total()/n, list.Total()/n)
	p("")
	p("Each flow in a month, Seoul list prices (no free tier), the largest first:")
	p("")
	p("| flow | reads | writes | deletes | Pub/Sub requests | Cloud Run requests | instance-seconds | $ | share |")
	p("|---|---|---|---|---|---|---|---|---|")
	type priced struct {
		f cost.Flow
		c float64
	}
	var ps []priced
	total := 0.0
	for _, f := range monthly {
		c := cost.FlowCost(cost.Seoul, u, f)
		ps = append(ps, priced{f, c})
		total += c
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].c > ps[j].c })
	for _, x := range ps {
		f := x.f
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %.0f%% |", f.Name, big(f.Reads), big(f.Writes), big(f.Deletes), big(f.PubSubRequests), big(f.RunRequests), big(f.RunSeconds), usd(x.c), 100*x.c/total)
	}
	p("")
}

// instances is the events function's instances for members' streams.
func instances(u cost.Usage, members int) int {
	return int(math.Ceil(float64(members) / (float64(u.StreamConcurrency) * u.Utilization)))
}

// fanWrites is one post's fan-out writes in a room of size members.
func fanWrites(m cost.Measured, size float64) float64 {
	_, w, _ := m.Fanout(size)
	return w
}

// fanoutSlope is a post's fan-out writes per member of its room.
func fanoutSlope(m cost.Measured) float64 { return (fanWrites(m, 1000) - fanWrites(m, 2)) / 998 }

// big prints a count: 1,234 or 1.2M.
func big(v float64) string {
	switch {
	case v == 0:
		return ""
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	default:
		return thousands(int(math.Round(v)))
	}
}

// usd prints dollars with cents and thousands separators.
func usd(v float64) string {
	cents := int(math.Round(v * 100))
	return fmt.Sprintf("$%s.%02d", thousands(cents/100), cents%100)
}

// thousands prints n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
