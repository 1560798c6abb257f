package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/workgate/workgate/shared/errs"
)

func TestDecode(t *testing.T) {
	type body struct {
		Name  string `json:"name"`
		N     int    `json:"n"`
		Owner struct {
			Email string `json:"email"`
		} `json:"owner"`
	}
	cases := []struct {
		name string
		in   string
		want errs.Kind // "" = ok
	}{
		{"ok", `{"name":"a","n":1}`, ""},
		{"ok with spaces after", `{"name":"a"}  ` + "\n", ""},
		{"empty", ``, errs.Invalid},
		{"malformed", `{"name":`, errs.Invalid},
		{"syntax", `{name:"a"}`, errs.Invalid},
		{"unknown field", `{"name":"a","x":1}`, errs.Invalid},
		{"wrong type", `{"n":"one"}`, errs.Invalid},
		{"name in another case", `{"Name":"a"}`, errs.Invalid},
		{"nested name in another case", `{"owner":{"Email":"a"}}`, errs.Invalid},
		{"a member twice", `{"name":"a","name":"b"}`, errs.Invalid},
		{"invalid UTF-8", "{\"name\":\"\xff\"}", errs.Invalid},
		{"null", `null`, errs.Invalid},
		{"not an object", `["a"]`, errs.Invalid},
		{"two values", `{} {}`, errs.Invalid},
		{"trailing garbage", `{}x`, errs.Invalid},
		{"too large", `{"name":"` + strings.Repeat("a", MaxBody) + `"}`, errs.PayloadTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b body
			err := Decode(httptest.NewRequest("POST", "/", strings.NewReader(tc.in)), &b)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Decode = %v", err)
				}
				return
			}
			if errs.KindOf(err) != tc.want {
				t.Fatalf("Decode = %v, want kind %s", err, tc.want)
			}
		})
	}
}

// TestDecodeNamesTheField: a refusal names the field at fault, by its
// path, and a made-up name only cut short; never a value.
func TestDecodeNamesTheField(t *testing.T) {
	type body struct {
		Owner struct {
			Email string `json:"email"`
		} `json:"owner"`
		IDs []string `json:"ids"`
	}
	long := strings.Repeat("x", 1000)
	cases := []struct{ in, want string }{
		{`{"owner":{"email":7}}`, `field "owner.email" has the wrong type`},
		{`{"ids":["a",7]}`, `field "ids.1" has the wrong type`},
		{`{"owner":{"Email":"secret-value"}}`, `unknown field "owner.Email"`},
		{`{"owner":{"email":"a","email":"secret-value"}}`, `field "owner.email" appears twice`},
		{`{"` + long + `":1}`, `unknown field "` + long[:64] + `…"`},
		{`{"name":"secret-value"} {"x":1}`, `unknown field "name"`},
		{`{"owner":{}} "secret-value"`, `the body must hold one JSON value`},
	}
	for _, tc := range cases {
		var b body
		err := Decode(httptest.NewRequest("POST", "/", strings.NewReader(tc.in)), &b)
		e, ok := errs.As(err)
		if !ok || e.Message != tc.want {
			t.Errorf("Decode(%.40q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestProblem(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		want   map[string]any
		header string
	}{
		{"kinded", errs.E(errs.Conflict, "taken"), 409,
			map[string]any{"type": "urn:workgate:problem:conflict", "title": "Conflict", "status": float64(409), "code": "conflict", "detail": "taken"}, ""},
		{"extra fields and Retry-After", &errs.Error{Kind: errs.RateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond, Extra: map[string]any{"remainingAttempts": 0}}, 429,
			map[string]any{"type": "urn:workgate:problem:rate_limited", "title": "Too Many Requests", "status": float64(429), "code": "rate_limited", "detail": "slow down", "remainingAttempts": float64(0), "retryAfterSeconds": float64(2)}, "2"},
		{"contention is a moment's outage", fmt.Errorf("store.CountUses: %w", grpcstatus.Error(codes.Aborted, "Transaction lock timeout.")), 503,
			map[string]any{"type": "urn:workgate:problem:unavailable", "title": "Service Unavailable", "status": float64(503), "code": "unavailable", "detail": "the service is briefly unavailable; please try again", "retryAfterSeconds": float64(1)}, "1"},
		{"a deadline is a moment's outage", fmt.Errorf("bus.Publish: %w", context.DeadlineExceeded), 503,
			map[string]any{"type": "urn:workgate:problem:unavailable", "title": "Service Unavailable", "status": float64(503), "code": "unavailable", "detail": "the service is briefly unavailable; please try again", "retryAfterSeconds": float64(1)}, "1"},
		{"another gRPC failure is internal", fmt.Errorf("store.Get: %w", grpcstatus.Error(codes.InvalidArgument, "bad path")), 500,
			map[string]any{"type": "urn:workgate:problem:internal", "title": "Internal Server Error", "status": float64(500), "code": "internal", "detail": "something went wrong on our side; please try again"}, ""},
		{"internal hides its text", errors.New("db password is hunter2"), 500,
			map[string]any{"type": "urn:workgate:problem:internal", "title": "Internal Server Error", "status": float64(500), "code": "internal", "detail": "something went wrong on our side; please try again"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Problem(rec, httptest.NewRequest("GET", "/", nil), tc.err)
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" || rec.Header().Get("Retry-After") != tc.header {
				t.Fatalf("status %d, headers %v", rec.Code, rec.Header())
			}
			var got map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("problem (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatusCoversEveryKind(t *testing.T) {
	for k, s := range status {
		if s < 400 {
			t.Errorf("%s maps to %d", k, s)
		}
	}
	if Status("no-such-kind") != 500 {
		t.Error("unknown kinds must be 500")
	}
}

func TestMux(t *testing.T) {
	m := NewMux()
	m.Handle("POST /things", func(w http.ResponseWriter, r *http.Request) error {
		return JSON(w, 201, map[string]string{"ok": "yes"})
	})
	m.Handle("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) error {
		return errs.E(errs.Gone, "gone "+r.PathValue("id"))
	})
	cases := []struct {
		method, path string
		status       int
		allow        string
	}{
		{"POST", "/things", 201, ""},
		{"GET", "/things", 405, "POST"},
		{"GET", "/things/7", 410, ""},
		{"DELETE", "/things/7", 405, "GET"},
		{"GET", "/other", 404, ""},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s = %d allow %q, want %d %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow)
		}
	}
}

func TestMiddleware(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /verify-email/{token}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("POST /boom", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		w.WriteHeader(200)
	})
	h := Middleware(log, "p", "fn", mux)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/verify-email/SECRET-TOKEN", nil))
	if rec.Code != 204 || strings.Contains(logs.String(), "SECRET-TOKEN") || !strings.Contains(logs.String(), `"route":"GET /verify-email/{token}"`) {
		t.Fatalf("request log must name the route, not the path: %s", logs.String())
	}

	logs.Reset()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/boom", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"internal"`) {
		t.Fatalf("panic = %d %s", rec.Code, rec.Body)
	}
	// The panic is one JSON entry for Error Reporting: ERROR, the
	// function, the stack of the handler that panicked.
	var report map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(logs.String(), "\n", 2)[0]), &report); err != nil {
		t.Fatalf("panic log: %v\n%s", err, logs.String())
	}
	stack, _ := report["stack_trace"].(string)
	service, _ := report["serviceContext"].(map[string]any)
	if report["level"] != "ERROR" || service["service"] != "fn" || report["route"] != "POST /boom" ||
		!strings.HasPrefix(stack, "panic: boom\n\ngoroutine ") || !strings.Contains(stack, "TestMiddleware") {
		t.Fatalf("panic log is not an Error Reporting entry with the stack: %v", report)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/echo", strings.NewReader(strings.Repeat("x", MaxBody+1))))
	if rec.Code != 413 {
		t.Fatalf("oversized declared body = %d, want 413", rec.Code)
	}
}

func TestClientIP(t *testing.T) {
	cases := []struct {
		name   string
		xff    []string
		remote string
		hops   int
		want   string
	}{
		{"no proxy ignores the header", []string{"1.2.3.4"}, "10.0.0.9:5000", 0, "10.0.0.9"},
		{"no proxy, IPv6 by its /64", nil, "[2001:db8:1:2:aaaa::1]:5000", 0, "2001:db8:1:2::/64"},
		{"IPv4 mapped in IPv6", nil, "[::ffff:10.0.0.9]:5000", 0, "10.0.0.9"},
		{"forwarded IPv6 by its /64", []string{"2001:db8:1:2:bbbb::7"}, "10.0.0.9:5000", 1, "2001:db8:1:2::/64"},
		{"one hop: the last entry", []string{"6.6.6.6, 1.2.3.4"}, "10.0.0.9:5000", 1, "1.2.3.4"},
		{"two hops: the client before the balancer", []string{"6.6.6.6, 1.2.3.4, 35.1.1.1"}, "10.0.0.9:5000", 2, "1.2.3.4"},
		{"two headers count as one list", []string{"6.6.6.6", "1.2.3.4, 35.1.1.1"}, "10.0.0.9:5000", 2, "1.2.3.4"},
		{"fewer entries than hops: the connection", []string{"1.2.3.4"}, "10.0.0.9:5000", 2, "10.0.0.9"},
		{"not an address: the connection", []string{"6.6.6.6, evil"}, "10.0.0.9:5000", 1, "10.0.0.9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tc.hops); got != tc.want {
				t.Fatalf("ClientIP = %q, want %q", got, tc.want)
			}
		})
	}
}
