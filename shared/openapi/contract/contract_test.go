package contract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/openapi"
	"github.com/workgate/workgate/shared/web"
)

const (
	jsonCT    = "application/json"
	problemCT = "application/problem+json"

	shortPassword = "1234567"
	newWorkspace  = `{"workspaceId":"acme","name":"Acme","owner":{"name":"Kim","email":"kim@example.com","password":"correct horse"}}`
	pending       = `{"workspaceId":"acme","status":"pending"}`
	invalid       = `{"type":"about:blank","title":"Bad Request","status":400,"code":"invalid_request","detail":"no"}`
)

var badWorkspace = strings.Replace(newWorkspace, "correct horse", shortPassword, 1)

func TestCheck(t *testing.T) {
	t.Parallel()
	r := newTestRouter(t)
	cases := []struct {
		name       string
		method     string
		target     string
		reqCT      string
		reqBody    string
		status     int
		ct         string
		body       string
		wantBroken string // a part of the error, "" for none
	}{
		{name: "valid request, valid answer", method: "POST", target: "/v1/workspaces", reqCT: jsonCT, reqBody: newWorkspace,
			status: 202, ct: jsonCT, body: pending},
		{name: "valid request refused", method: "POST", target: "/v1/workspaces", reqCT: jsonCT, reqBody: newWorkspace,
			status: 400, ct: problemCT, body: invalid},
		{name: "invalid request refused", method: "POST", target: "/v1/workspaces", reqCT: jsonCT, reqBody: badWorkspace,
			status: 400, ct: problemCT, body: invalid},
		{name: "invalid request taken", method: "POST", target: "/v1/workspaces", reqCT: jsonCT, reqBody: badWorkspace,
			status: 202, ct: jsonCT, body: pending, wantBroken: "answered 202 to a request the document refuses"},
		{name: "invalid request failed", method: "POST", target: "/v1/workspaces", reqCT: jsonCT, reqBody: badWorkspace,
			status: 500, ct: problemCT, body: strings.NewReplacer("400", "500", "invalid_request", "internal").Replace(invalid),
			wantBroken: "answered 500 to a request the document refuses"},
		{name: "body of another media type taken", method: "POST", target: "/v1/workspaces", reqCT: "text/plain", reqBody: newWorkspace,
			status: 202, ct: jsonCT, body: pending, wantBroken: "refuses"},
		{name: "missing query parameter refused", method: "GET", target: "/v1/device-approvals/a1",
			status: 400, ct: problemCT, body: invalid},
		{name: "missing query parameter taken", method: "GET", target: "/v1/device-approvals/a1",
			status: 200, ct: jsonCT, body: `{"status":"pending"}`, wantBroken: "pollToken"},
		{name: "answer off the schema", method: "POST", target: "/v1/workspaces", reqCT: jsonCT, reqBody: newWorkspace,
			status: 202, ct: jsonCT, body: `{"workspaceId":"acme","status":"active"}`, wantBroken: "response 202"},
		{name: "answer of another media type", method: "POST", target: "/v1/workspaces", reqCT: jsonCT, reqBody: newWorkspace,
			status: 202, ct: "text/html", body: "<p>ok</p>", wantBroken: "text/html"},
		{name: "page", method: "GET", target: "/verify-email/tok", status: 200, ct: "text/html; charset=utf-8", body: "<!doctype html><p>hi</p>"},
		{name: "page as JSON", method: "GET", target: "/verify-email/tok", status: 200, ct: jsonCT, body: `{}`, wantBroken: "application/json"},
		{name: "document", method: "GET", target: "/openapi.yaml", status: 200, ct: "application/yaml", body: string(openapi.Spec)},
		{name: "QR code", method: "GET", target: "/v1/invites/tok/qr.png", status: 200, ct: "image/png", body: "\x89PNG\r\n\x1a\n"},
		{name: "undocumented path missed", method: "GET", target: "/nope", status: 404, ct: problemCT, body: invalid},
		{name: "undocumented method missed", method: "PUT", target: "/v1/workspaces", status: 405, ct: problemCT, body: invalid},
		{name: "undocumented path answered", method: "GET", target: "/nope", status: 200, ct: jsonCT, body: `{}`, wantBroken: "not in the document"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.reqBody))
			if tc.reqCT != "" {
				req.Header.Set("Content-Type", tc.reqCT)
			}
			x := Exchange{Request: req, RequestBody: []byte(tc.reqBody), Status: tc.status,
				Header: http.Header{"Content-Type": {tc.ct}}, Body: []byte(tc.body)}
			err := r.Check(context.Background(), x)
			switch {
			case tc.wantBroken == "" && err != nil:
				t.Errorf("Check: %v, want no error", err)
			case tc.wantBroken != "" && err == nil:
				t.Errorf("Check: no error, want one with %q", tc.wantBroken)
			case tc.wantBroken != "" && (!errors.Is(err, ErrContract) || !strings.Contains(err.Error(), tc.wantBroken)):
				t.Errorf("Check: %v, want ErrContract with %q", err, tc.wantBroken)
			}
			if err != nil && strings.Contains(err.Error(), shortPassword) {
				t.Errorf("Check: %v shows the value sent", err)
			}
			if b, _ := io.ReadAll(req.Body); string(b) != tc.reqBody {
				t.Errorf("Check read the request's body: %q left", b)
			}
		})
	}
}

// logRecord is one JSON log line.
type logRecord struct {
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Method   string `json:"method"`
	Route    string `json:"route"`
	Status   int    `json:"status"`
	Error    string `json:"error"`
}

// devServer serves h behind DevCheck(dev) with a request logger writing to
// the returned function's log lines, as web.Middleware gives each request.
func devServer(t *testing.T, dev bool, h http.HandlerFunc) (*httptest.Server, func() []logRecord) {
	t.Helper()
	var mu sync.Mutex
	var buf bytes.Buffer
	log := logging.New(lockedWriter{&mu, &buf}, slog.LevelInfo)
	checked := DevCheck(dev, h)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checked.ServeHTTP(w, r.WithContext(logging.With(r.Context(), log)))
	}))
	t.Cleanup(s.Close)
	return s, func() []logRecord {
		mu.Lock()
		defer mu.Unlock()
		var out []logRecord
		for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
			if line == "" {
				continue
			}
			var rec logRecord
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("log line %q: %v", line, err)
			}
			out = append(out, rec)
		}
		return out
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// answer is a handler that reads the whole body, keeps it in got, and
// answers status with a JSON body.
func answer(status int, ct, body string, got *[]byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		*got = b
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestDevCheck(t *testing.T) {
	t.Parallel()
	big := `{"pad":"` + strings.Repeat("x", web.MaxBody) + `"}`
	cases := []struct {
		name    string
		dev     bool
		path    string
		reqBody string
		status  int
		ct      string
		body    string
		want    []logRecord
	}{
		{name: "kept contract", dev: true, path: "/v1/workspaces", reqBody: newWorkspace, status: 202, ct: jsonCT, body: pending},
		{name: "invalid request refused", dev: true, path: "/v1/workspaces", reqBody: badWorkspace, status: 400, ct: problemCT, body: invalid},
		{name: "invalid request taken", dev: true, path: "/v1/workspaces", reqBody: badWorkspace, status: 202, ct: jsonCT, body: pending,
			want: []logRecord{{Severity: "ERROR", Message: "the OpenAPI contract is broken", Method: "POST", Route: "/v1/workspaces", Status: 202}}},
		{name: "answer off the schema", dev: true, path: "/v1/workspaces", reqBody: newWorkspace, status: 202, ct: jsonCT, body: `{"status":"active"}`,
			want: []logRecord{{Severity: "ERROR", Message: "the OpenAPI contract is broken", Method: "POST", Route: "/v1/workspaces", Status: 202}}},
		{name: "not dev mode", path: "/v1/workspaces", reqBody: badWorkspace, status: 202, ct: jsonCT, body: `{"status":"active"}`},
		{name: "undocumented path", dev: true, path: "/_push/mailer", reqBody: `{}`, status: 204, ct: jsonCT},
		{name: "body over the limit passed on whole", dev: true, path: "/v1/workspaces", reqBody: big, status: 413, ct: problemCT,
			body: strings.NewReplacer("400", "413", "invalid_request", "payload_too_large").Replace(invalid)},
		{name: "answer too large to check", dev: true, path: "/v1/workspaces", reqBody: newWorkspace, status: 202, ct: jsonCT,
			body: `{"status":"active","pad":"` + strings.Repeat("x", maxCheckedBody) + `"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []byte
			s, logs := devServer(t, tc.dev, answer(tc.status, tc.ct, tc.body, &got))
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, s.URL+tc.path, strings.NewReader(tc.reqBody))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", jsonCT)
			res, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			// What the handler read and what the client got are untouched.
			if string(got) != tc.reqBody {
				t.Errorf("handler read %d bytes, want the %d sent", len(got), len(tc.reqBody))
			}
			if res.StatusCode != tc.status || res.Header.Get("Content-Type") != tc.ct || res.Header.Get("X-Handler") != "yes" || string(body) != tc.body {
				t.Errorf("client got %d %q (%d bytes), want %d %q (%d bytes)", res.StatusCode, res.Header.Get("Content-Type"), len(body), tc.status, tc.ct, len(tc.body))
			}
			recs := logs()
			for i := range recs {
				if recs[i].Error == "" {
					t.Errorf("log line without the error: %+v", recs[i])
				}
				if strings.Contains(recs[i].Error, shortPassword) {
					t.Errorf("log line shows the password: %+v", recs[i])
				}
				recs[i].Error = ""
			}
			if diff := cmp.Diff(tc.want, recs); diff != "" {
				t.Errorf("log (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDevCheckStreams: an event stream reaches the client event by event
// through DevCheck, which keeps none of it.
func TestDevCheckStreams(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s, logs := devServer(t, true, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		_, _ = io.WriteString(w, "id: m-1\nevent: message\ndata: {}\n\n")
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		<-release // the client reads the first event before the handler ends
		_, _ = io.WriteString(w, "id: m-2\nevent: message\ndata: {}\n\n")
	})
	c := s.Client()
	c.Timeout = 30 * time.Second // a stream that never arrives fails the test instead of hanging it
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL+"/v1/me/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	rd := bufio.NewReader(res.Body)
	first, err := rd.ReadString('\n')
	if err != nil || first != "id: m-1\n" {
		t.Fatalf("first line %q, %v; want id: m-1", first, err)
	}
	close(release)
	rest, err := io.ReadAll(rd)
	if err != nil || !strings.Contains(string(rest), "id: m-2") {
		t.Errorf("rest of the stream %q, %v", rest, err)
	}
	if recs := logs(); len(recs) != 0 {
		t.Errorf("logged %+v for a stream that keeps the contract", recs)
	}
}

// BenchmarkCheck is what DevCheck adds to a typical JSON call.
func BenchmarkCheck(b *testing.B) {
	r := newTestRouter(b)
	ctx := context.Background()
	req := httptest.NewRequest(http.MethodPost, "/v1/workspaces", strings.NewReader(newWorkspace))
	req.Header.Set("Content-Type", jsonCT)
	x := Exchange{Request: req, RequestBody: []byte(newWorkspace), Status: 202, Header: http.Header{"Content-Type": {jsonCT}}, Body: []byte(pending)}
	for b.Loop() {
		if err := r.Check(ctx, x); err != nil {
			b.Fatal(err)
		}
	}
}
