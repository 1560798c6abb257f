package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/web"
	"github.com/workgate/workgate/shared/web/webtest"
)

// decodeBody has a field of each kind the request types use.
type decodeBody struct {
	Name  string    `json:"name"`
	N     int64     `json:"n"`
	Seq   *int64    `json:"seq"`
	On    *bool     `json:"on"`
	IDs   []string  `json:"ids"`
	At    time.Time `json:"at"`
	Owner struct {
		Email string `json:"email"`
	} `json:"owner"`
	Labels map[string]string `json:"labels"`
}

// FuzzDecode fuzzes Decode into a struct with a field of each kind the
// request types use; functions/* fuzz it into their own types.
func FuzzDecode(f *testing.F) {
	webtest.FuzzDecode[decodeBody](f, true,
		`{"name":"a","n":1}`, `{"name":"a"}  `+"\n", `{"seq":null,"on":true}`,
		`{"ids":["a","b"],"at":"2030-01-02T03:04:05Z","owner":{"email":"kim@example.com"}}`,
		`{"labels":{"A":"b","a":"c"}}`, `{"NAME":"a"}`, `{"Name":"a"}`, `{"owner":{"Email":"x"}}`,
		`{"name":"a","name":"b"}`, "{\"name\":\"\xff\"}", `{"name":"\ud800"}`,
		`{"n":1.0}`, `{"n":"1"}`, `{"n":9223372036854775808}`, `{"at":"yesterday"}`,
		`{"name":"`+strings.Repeat("a", 300)+`"}`, `{"`+strings.Repeat("a", 300)+`":1}`,
	)
}

type optionalBody struct {
	Name web.Optional `json:"name"`
	Logo web.Optional `json:"logo"`
}

// FuzzDecodeOptional fuzzes Decode into partial-update fields; it also
// checks that Optional tells an absent field from null and a value.
func FuzzDecodeOptional(f *testing.F) {
	webtest.FuzzDecode[optionalBody](f, false, `{"name":null}`, `{"name":"x","logo":""}`, `{"name":1}`, `{"name":{}}`)
	f.Add([]byte(`{"name":"a","name":null}`))
}

// FuzzClientIP: whatever a client puts before the entries the trusted
// proxies append to X-Forwarded-For, the rate-limit key is the address
// the last of them saw, in canonical form (an IPv4 address, or an IPv6
// /64); with no proxy, the header counts for nothing.
func FuzzClientIP(f *testing.F) {
	f.Add("", "1.2.3.4", uint8(1))
	f.Add("6.6.6.6", "1.2.3.4", uint8(2))
	f.Add("6.6.6.6, 7.7.7.7", "2001:db8:1:2:bbbb::7", uint8(1))
	f.Add("1.2.3.4,,", "::ffff:10.0.0.9", uint8(3))
	f.Add("x", "fe80::1%eth0", uint8(1))
	f.Add("", "0001.2.3.4", uint8(1))
	f.Add("", " 1.2.3.4 ", uint8(0))
	f.Add("", "evil", uint8(1))
	f.Fuzz(func(t *testing.T, claim, seen string, hops uint8) {
		hops %= 4
		const remote = "10.0.0.9:5000"
		// The proxies append what they saw, then each its own address.
		xff := seen
		if claim != "" {
			xff = claim + ", " + seen
		}
		for range max(int(hops), 1) - 1 {
			xff += ", 35.1.1.1"
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", xff)
		got := web.ClientIP(r, int(hops))

		want := "10.0.0.9"
		if ip, err := netip.ParseAddr(strings.TrimSpace(seen)); hops > 0 && err == nil && !strings.Contains(seen, ",") {
			want = canonical(ip)
		}
		if hops > 0 && strings.Contains(seen, ",") {
			// seen is itself several entries: the last one counts.
			parts := strings.Split(seen, ",")
			want = "10.0.0.9"
			if ip, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
				want = canonical(ip)
			}
		}
		if got != want {
			t.Fatalf("ClientIP(X-Forwarded-For %q, %d hops) = %q, want %q", xff, hops, got, want)
		}
		if a, err := netip.ParseAddr(got); err == nil {
			if !a.Is4() || a.String() != got {
				t.Fatalf("ClientIP = %q, not a canonical IPv4 address", got)
			}
		} else if p, err := netip.ParsePrefix(got); err != nil || !p.Addr().Is6() || p.Bits() != 64 || p.Masked() != p || p.String() != got {
			t.Fatalf("ClientIP = %q, neither an IPv4 address nor a canonical IPv6 /64", got)
		}
	})
}

func canonical(ip netip.Addr) string {
	if ip = ip.Unmap(); ip.Is6() {
		return netip.PrefixFrom(ip.WithZone(""), 64).Masked().String()
	}
	return ip.String()
}
