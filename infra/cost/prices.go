package cost

// Prices are the list prices the model uses, in US dollars, for one
// region. Each field's source, region and the date it was read are in
// PriceSources.
type Prices struct {
	Region string
	// Firestore (Standard edition), per 100,000 documents and per GiB-month.
	FirestoreRead, FirestoreWrite, FirestoreDelete, FirestoreGiBMonth float64
	// Cloud Run, request-based billing (CPU only during requests, which
	// infra/terraform sets with cpu_idle): per vCPU-second, GiB-second and
	// million requests.
	RunVCPUSecond, RunGiBSecond, RunMillionRequests float64
	// PubSubTiB is the throughput price (publish and delivery), with a
	// minimum of 1,000 bytes billed per publish or push request.
	PubSubTiB float64
	// SchedulerJobMonth is a Cloud Scheduler job's monthly price.
	SchedulerJobMonth float64
}

// Free tiers, per billing account (Cloud Run, Pub/Sub, Scheduler) or per
// project's default database (Firestore, daily).
const (
	FreeFirestoreReadsDay   = 50_000
	FreeFirestoreWritesDay  = 20_000
	FreeFirestoreDeletesDay = 20_000 // TTL deletes get no free usage
	FreeFirestoreGiB        = 1
	FreeRunVCPUSeconds      = 180_000
	FreeRunGiBSeconds       = 360_000
	FreeRunRequests         = 2_000_000
	FreePubSubGiB           = 10
	FreeSchedulerJobs       = 3
)

// Seoul is asia-northeast3, where infra/terraform deploys by default
// (variable region): a Korean product's members are in Korea.
var Seoul = Prices{
	Region:        "asia-northeast3 (Seoul)",
	FirestoreRead: 0.038, FirestoreWrite: 0.115, FirestoreDelete: 0.013, FirestoreGiBMonth: 0.18,
	RunVCPUSecond: 0.0000336, RunGiBSecond: 0.0000035, RunMillionRequests: 0.40,
	PubSubTiB:         40,
	SchedulerJobMonth: 0.10,
}

// Iowa is us-central1, for comparison: Cloud Run's Tier 1 and
// Firestore's cheapest regional prices.
var Iowa = Prices{
	Region:        "us-central1 (Iowa)",
	FirestoreRead: 0.03, FirestoreWrite: 0.09, FirestoreDelete: 0.01, FirestoreGiBMonth: 0.15,
	RunVCPUSecond: 0.000024, RunGiBSecond: 0.0000025, RunMillionRequests: 0.40,
	PubSubTiB:         40,
	SchedulerJobMonth: 0.10,
}

// PriceSource says where a price comes from and how sure it is.
type PriceSource struct {
	What, URL, Read, Note string
}

// PricesRead is when the prices were read (stored copies of the pages;
// the copies' own dates are not known).
const PricesRead = "2026-12-07"

// PriceSources are the sources of Seoul's and Iowa's figures.
var PriceSources = []PriceSource{
	{"Cloud Run request-based: $0.000024/vCPU-s, $0.0000025/GiB-s (Tier 1, us-central1); $0.40 per million requests; free 180,000 vCPU-s, 360,000 GiB-s, 2 million requests a month per billing account (applied at Tier 1 prices)",
		"https://cloud.google.com/run/pricing", PricesRead, "verified on the page"},
	{"Cloud Run Tier 2 (asia-northeast3 is Tier 2): $0.0000336/vCPU-s, $0.0000035/GiB-s",
		"https://cloud.google.com/run/pricing", PricesRead,
		"the page's per-region table was not in the stored copy; the figures are from a third party's deployment notes quoting the current Seoul list prices; 40% above Tier 1"},
	{"Pub/Sub throughput $40 per TiB, first 10 GiB a month free, at least 1,000 bytes per publish, push or pull request",
		"https://cloud.google.com/pubsub/pricing", PricesRead, "verified on the page; the same in every region"},
	{"Firestore free quota: 50,000 reads, 20,000 writes, 20,000 deletes a day, 1 GiB stored, (default) database only; TTL deletes have no free usage",
		"https://cloud.google.com/firestore/pricing", PricesRead, "verified on the page"},
	{"Firestore us-central1: $0.03 reads, $0.09 writes, $0.01 deletes per 100,000",
		"https://cloud.google.com/firestore/pricing", PricesRead, "US regional prices as quoted by third parties (airbyte.com); the page's per-location table was not in the stored copy"},
	{"Firestore asia-northeast3: $0.038 reads, $0.115 writes, $0.013 deletes per 100,000, $0.18 per GiB-month; us-central1 storage $0.15",
		"https://cloud.google.com/firestore/pricing", PricesRead,
		"NOT VERIFIED: the page's per-location table is drawn by script and was not in the stored copy; best-known figures (Seoul priced like Tokyo, about 27% above us-central1); check before relying on them"},
	{"Cloud Scheduler $0.10 per job a month, 3 jobs free per billing account",
		"https://cloud.google.com/scheduler/pricing", PricesRead, "best-known figure, not re-read"},
}
