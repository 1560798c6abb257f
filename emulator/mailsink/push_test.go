package mailsink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	fcm "google.golang.org/api/fcm/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// testProject is the project in the URLs of the tests' pushes.
const testProject = "demo-workgate"

// bearerTransport adds the OAuth 2 access token that Google APIs want; the
// sink accepts any.
type bearerTransport struct{}

func (bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer ya29.test-token")
	return http.DefaultTransport.RoundTrip(r)
}

// fcmService returns the FCM HTTP v1 client of google.golang.org/api,
// pointed at the sink as a push sender is.
func fcmService(tb testing.TB, baseURL string) *fcm.Service {
	tb.Helper()
	svc, err := fcm.NewService(tb.Context(),
		option.WithEndpoint(baseURL+"/"), option.WithHTTPClient(&http.Client{Transport: bearerTransport{}}))
	if err != nil {
		tb.Fatalf("fcm.NewService: %v", err)
	}
	return svc
}

// fcmSend sends req to the test project with the FCM client.
func fcmSend(tb testing.TB, svc *fcm.Service, req *fcm.SendMessageRequest) (*fcm.Message, error) {
	tb.Helper()
	return svc.Projects.Messages.Send("projects/"+testProject, req).Context(tb.Context()).Do()
}

// notify is a push with a notification, as the product sends.
func notify(token, title, body string, data map[string]string) *fcm.SendMessageRequest {
	return &fcm.SendMessageRequest{Message: &fcm.Message{
		Token: token, Notification: &fcm.Notification{Title: title, Body: body}, Data: data,
	}}
}

// postPush posts body to messages:send of the test project with the
// Authorization header auth ("" sends none), and returns the status, header
// and body of the answer.
func postPush(tb testing.TB, baseURL, auth, body string) (int, http.Header, string) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodPost,
		baseURL+"/v1/projects/"+testProject+"/messages:send", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("POST messages:send: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// googleError is the JSON of a Google API error, for the tests to read.
type googleError struct {
	Error struct {
		Code    int              `json:"code"`
		Message string           `json:"message"`
		Status  string           `json:"status"`
		Details []map[string]any `json:"details"`
	} `json:"error"`
}

func parseGoogleError(tb testing.TB, body string) googleError {
	tb.Helper()
	var e googleError
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		tb.Fatalf("body %q: %v", body, err)
	}
	return e
}

// detail returns the error's detail of the given @type, or nil.
func (e googleError) detail(typ string) map[string]any {
	for _, d := range e.Error.Details {
		if d["@type"] == typ {
			return d
		}
	}
	return nil
}

var pushName = regexp.MustCompile(`^projects/` + testProject + `/messages/([A-Za-z0-9_-]{22})$`)

// ignorePushVolatile leaves out what a test cannot know in advance.
var ignorePushVolatile = cmpopts.IgnoreFields(Push{}, "ID", "ReceivedAt")

func TestSendPushWithFCMClient(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		req  *fcm.SendMessageRequest
		want []Push
	}{
		{
			name: "notification and data, in Korean",
			req:  notify("tok-a", "새 메시지", "김민수: 안녕하세요! 회의는 3시입니다.", map[string]string{"kind": "message", "roomId": "r1"}),
			want: []Push{{Token: "tok-a", Title: "새 메시지", Body: "김민수: 안녕하세요! 회의는 3시입니다.", Data: map[string]string{"kind": "message", "roomId": "r1"}}},
		},
		{
			name: "notification only",
			req:  notify("tok-b", "Title", "Body", nil),
			want: []Push{{Token: "tok-b", Title: "Title", Body: "Body", Data: map[string]string{}}},
		},
		{
			name: "data only, with platform options",
			req: &fcm.SendMessageRequest{Message: &fcm.Message{
				Token: "tok-c", Data: map[string]string{"kind": "device_approval", "": "empty key"},
				Android:    &fcm.AndroidConfig{Priority: "HIGH", Ttl: "3600s", CollapseKey: "approvals"},
				Apns:       &fcm.ApnsConfig{Headers: map[string]string{"apns-priority": "5"}},
				FcmOptions: &fcm.FcmOptions{AnalyticsLabel: "approval"},
			}},
			want: []Push{{Token: "tok-c", Data: map[string]string{"kind": "device_approval", "": "empty key"}}},
		},
		{
			name: "installation ID",
			req:  &fcm.SendMessageRequest{Message: &fcm.Message{Fid: "fid-1", Notification: &fcm.Notification{Title: "t"}}},
			want: []Push{{Token: "fid-1", Title: "t", Data: map[string]string{}}},
		},
		{
			name: "validate only",
			req:  &fcm.SendMessageRequest{Message: notify("tok-d", "t", "b", nil).Message, ValidateOnly: true},
			want: []Push{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)
			before := time.Now().UTC()

			msg, err := fcmSend(t, fcmService(t, srv.URL), tc.req)

			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := s.Pushes("")
			if diff := cmp.Diff(tc.want, got, ignorePushVolatile); diff != "" {
				t.Errorf("Pushes (-want +got):\n%s", diff)
			}
			if tc.req.ValidateOnly {
				if want := "projects/" + testProject + "/messages/fake_message_id"; msg.Name != want {
					t.Errorf("name %q, want %q as FCM names dry runs", msg.Name, want)
				}
				return
			}
			m := pushName.FindStringSubmatch(msg.Name)
			if m == nil {
				t.Fatalf("name %q, want projects/%s/messages/ and 22 base64url characters", msg.Name, testProject)
			}
			if len(got) == 1 && (got[0].ID != m[1] || got[0].ReceivedAt.Before(before) || got[0].ReceivedAt.Location() != time.UTC) {
				t.Errorf("push ID %q received %v, want ID %q, UTC, after %v", got[0].ID, got[0].ReceivedAt, m[1], before)
			}
		})
	}
}

// wantUnregistered is FCM's answer for the token of an uninstalled app,
// exactly as FCM sends it.
const wantUnregistered = `{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND",
	"details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}`

func TestSendPushUnregistered(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		req  *fcm.SendMessageRequest
	}{
		{name: "notification", req: notify("invalid-token-1", "t", "b", map[string]string{"k": "v"})},
		{name: "validate only", req: &fcm.SendMessageRequest{Message: &fcm.Message{Token: "invalid-x"}, ValidateOnly: true}},
		{name: "installation ID", req: &fcm.SendMessageRequest{Message: &fcm.Message{Fid: "invalid-fid"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)

			_, err := fcmSend(t, fcmService(t, srv.URL), tc.req)

			// What a sender using google.golang.org/api sees.
			gerr, ok := errors.AsType[*googleapi.Error](err)
			if !ok {
				t.Fatalf("Send error %v, want a *googleapi.Error", err)
			}
			if gerr.Code != http.StatusNotFound {
				t.Errorf("Code %d, want 404", gerr.Code)
			}
			var codes []any
			for _, d := range gerr.Details {
				if m, ok := d.(map[string]any); ok && m["@type"] == fcmErrorType {
					codes = append(codes, m["errorCode"])
				}
			}
			if diff := cmp.Diff([]any{"UNREGISTERED"}, codes); diff != "" {
				t.Errorf("FcmError codes in %+v (-want +got):\n%s", gerr.Details, diff)
			}
			if n := len(s.Pushes("")); n != 0 {
				t.Errorf("stored %d pushes for an unregistered token", n)
			}
		})
	}

	t.Run("exact body", func(t *testing.T) {
		t.Parallel()
		_, srv := newServer(t)

		status, header, body := postPush(t, srv.URL, "Bearer x", `{"message":{"token":"invalid-1","notification":{"title":"t"}}}`)

		if status != http.StatusNotFound {
			t.Fatalf("status %d body %q, want 404", status, body)
		}
		if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q, want JSON", ct)
		}
		var got, want any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		if err := json.Unmarshal([]byte(wantUnregistered), &want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
	})
}

func TestSendPushAuth(t *testing.T) {
	t.Parallel()
	const body = `{"message":{"token":"tok","notification":{"title":"t","body":"b"}}}`
	cases := []struct {
		name   string
		auth   string // "" sends no header
		want   int
		reason string // of the ErrorInfo detail of a 401
	}{
		{name: "bearer token", auth: "Bearer ya29.anything", want: http.StatusOK},
		{name: "lower-case scheme", auth: "bearer t", want: http.StatusOK},
		{name: "missing", auth: "", want: http.StatusUnauthorized, reason: "CREDENTIALS_MISSING"},
		{name: "empty token", auth: "Bearer ", want: http.StatusUnauthorized, reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED"},
		{name: "basic", auth: "Basic dXNlcjpwYXNz", want: http.StatusUnauthorized, reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED"},
		{name: "legacy server key", auth: "key=AAAA-server-key", want: http.StatusUnauthorized, reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)

			status, header, got := postPush(t, srv.URL, tc.auth, body)

			if status != tc.want {
				t.Fatalf("status %d body %q, want %d", status, got, tc.want)
			}
			if tc.want == http.StatusOK {
				return
			}
			e := parseGoogleError(t, got)
			if e.Error.Code != http.StatusUnauthorized || e.Error.Status != "UNAUTHENTICATED" || e.Error.Message == "" {
				t.Errorf("error %+v, want code 401, status UNAUTHENTICATED and a message", e.Error)
			}
			if d := e.detail(errorInfoType); d == nil || d["reason"] != tc.reason {
				t.Errorf("details %+v, want an ErrorInfo with reason %s", e.Error.Details, tc.reason)
			}
			if h := header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer ") {
				t.Errorf("WWW-Authenticate %q, want a Bearer challenge", h)
			}
			if n := len(s.Pushes("")); n != 0 {
				t.Errorf("stored %d pushes without auth", n)
			}
		})
	}
}

func TestSendPushInvalid(t *testing.T) {
	t.Parallel()
	bigData := func(n int) string { // a data entry of n bytes, key and value
		return `{"k":"` + strings.Repeat("x", n-1) + `"}`
	}
	cases := []struct {
		name    string
		body    string
		field   string // of the field violation
		fcmCode bool   // an FcmError INVALID_ARGUMENT detail (FCM refused the message, the front end did not)
		message string // a part of the error's message
	}{
		{name: "not JSON", body: `{"message":`, field: "", message: "Invalid JSON payload received."},
		{name: "trailing garbage", body: `{} x`, field: "", message: "Invalid JSON payload received."},
		{name: "array", body: `[]`, field: "", message: "Root element must be a message."},
		{name: "empty body", body: ``, field: "message", fcmCode: true},
		{name: "no message", body: `{}`, field: "message", fcmCode: true},
		{name: "null message", body: `{"message":null}`, field: "message", fcmCode: true},
		{name: "message not an object", body: `{"message":"hi"}`, field: "message", message: `Invalid value at 'message'`},
		{name: "unknown top-level field", body: `{"msg":{"token":"t"}}`, field: "", message: `Unknown name "msg": Cannot find field.`},
		{name: "unknown message field", body: `{"message":{"token":"t","notificaton":{"title":"t"}}}`, field: "message", message: `Unknown name "notificaton" at 'message'`},
		{name: "legacy API shape", body: `{"message":{"to":"t","priority":"high"}}`, field: "message", message: `Unknown name "to" at 'message'`},
		{name: "unknown notification field", body: `{"message":{"token":"t","notification":{"subtitle":"s"}}}`, field: "message.notification", message: `Unknown name "subtitle" at 'message.notification'`},
		{name: "no target", body: `{"message":{"notification":{"title":"t"}}}`, field: "message", fcmCode: true},
		{name: "null target", body: `{"message":{"token":null,"data":{"a":"b"}}}`, field: "message", fcmCode: true},
		{name: "empty token", body: `{"message":{"token":""}}`, field: "message.token", fcmCode: true, message: "not a valid FCM registration token"},
		{name: "empty topic", body: `{"message":{"topic":""}}`, field: "message.topic", fcmCode: true},
		{name: "two targets", body: `{"message":{"token":"t","topic":"news"}}`, field: "message", message: "Oneof field 'target' is already set. Cannot set 'topic'"},
		{name: "token not a string", body: `{"message":{"token":5}}`, field: "message.token", message: "Invalid value at 'message.token' (TYPE_STRING), 5"},
		{name: "data value a number", body: `{"message":{"token":"t","data":{"a":"1","b":2}}}`, field: "message.data[1].value", message: "Invalid value at 'message.data[1].value' (TYPE_STRING), 2"},
		{name: "data value null", body: `{"message":{"token":"t","data":{"a":null}}}`, field: "message.data[0].value"},
		{name: "data value an object", body: `{"message":{"token":"t","data":{"a":"1","b":"2","c":{"d":"e"}}}}`, field: "message.data[2].value"},
		{name: "data value a boolean", body: `{"message":{"token":"t","data":{"muted":false}}}`, field: "message.data[0].value"},
		{name: "data an array", body: `{"message":{"token":"t","data":["a"]}}`, field: "message.data"},
		{name: "title not a string", body: `{"message":{"token":"t","notification":{"title":["t"]}}}`, field: "message.notification.title"},
		{name: "notification a string", body: `{"message":{"token":"t","notification":"hi"}}`, field: "message.notification"},
		{name: "android not an object", body: `{"message":{"token":"t","android":"high"}}`, field: "message.android"},
		{name: "validate_only not a boolean", body: `{"message":{"token":"t"},"validate_only":"yes"}`, field: "validate_only", message: `(TYPE_BOOL), "yes"`},
		{name: "reserved data key from", body: `{"message":{"token":"t","data":{"from":"x"}}}`, field: "message.data", fcmCode: true},
		{name: "reserved data key google.", body: `{"message":{"token":"t","data":{"google.c.a.e":"1"}}}`, field: "message.data", fcmCode: true},
		{name: "payload too big", body: `{"message":{"token":"t","data":` + bigData(maxPushPayload+1) + `}}`, field: "message", fcmCode: true, message: "message is too big"},
		{name: "payload too big with the notification", body: `{"message":{"token":"t","notification":{"title":"ab","body":"c"},"data":` + bigData(maxPushPayload-2) + `}}`, field: "message", fcmCode: true, message: "message is too big"},
		{name: "topic payload too big", body: `{"message":{"topic":"news","data":` + bigData(maxTopicPushPayload+1) + `}}`, field: "message", fcmCode: true, message: "message is too big"},
		{name: "body too large", body: `{"message":{"token":"t"}}` + strings.Repeat(" ", maxPushBody), field: "message", fcmCode: true, message: "message is too big"},
		{name: "unregistered token in a bad request", body: `{"message":{"token":"invalid-1","data":{"n":1}}}`, field: "message.data[0].value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)

			status, _, body := postPush(t, srv.URL, "Bearer t", tc.body)

			if status != http.StatusBadRequest {
				t.Fatalf("status %d body %q, want 400", status, body)
			}
			e := parseGoogleError(t, body)
			if e.Error.Code != http.StatusBadRequest || e.Error.Status != "INVALID_ARGUMENT" {
				t.Errorf("code %d status %q, want 400 INVALID_ARGUMENT", e.Error.Code, e.Error.Status)
			}
			if !strings.Contains(e.Error.Message, tc.message) || e.Error.Message == "" {
				t.Errorf("message %q, want it to contain %q", e.Error.Message, tc.message)
			}
			var fields []any
			if d := e.detail(badRequestType); d != nil {
				for _, v := range d["fieldViolations"].([]any) {
					fields = append(fields, v.(map[string]any)["field"])
				}
			}
			if diff := cmp.Diff([]any{tc.field}, fields); diff != "" {
				t.Errorf("field violations of %s (-want +got):\n%s", body, diff)
			}
			var wantCode any
			if tc.fcmCode {
				wantCode = "INVALID_ARGUMENT"
			}
			var gotCode any
			if d := e.detail(fcmErrorType); d != nil {
				gotCode = d["errorCode"]
			}
			if gotCode != wantCode {
				t.Errorf("FcmError code %v, want %v", gotCode, wantCode)
			}
			if n := len(s.Pushes("")); n != 0 {
				t.Errorf("stored %d pushes for an invalid request", n)
			}
		})
	}
}

// TestSendPushAccepts sends what FCM accepts but the FCM client of
// google.golang.org/api does not write: the Firebase Admin SDK's snake_case
// names, nulls, other targets, whitespace.
func TestSendPushAccepts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body string
		want []Push // newest first
	}{
		{
			name: "Firebase Admin SDK shape",
			body: `{"validate_only":false,"message":{"token":"tok","notification":{"title":"t","body":"b","image":"https://i.test/a.png"},` +
				`"data":{"kind":"message"},"android":{"priority":"high","ttl":"3600s","notification":{"channel_id":"messages"}},` +
				`"apns":{"payload":{"aps":{"sound":"default"}}},"webpush":{"headers":{"Urgency":"high"}},"fcm_options":{"analytics_label":"m"}}}`,
			want: []Push{{Token: "tok", Title: "t", Body: "b", Data: map[string]string{"kind": "message"}}},
		},
		{
			name: "lowerCamelCase names",
			body: `{"validateOnly":false,"message":{"token":"tok","fcmOptions":{"analyticsLabel":"m"}}}`,
			want: []Push{{Token: "tok", Data: map[string]string{}}},
		},
		{
			name: "nulls are not set",
			body: `{"validate_only":null,"message":{"token":"tok","topic":null,"notification":null,"data":null,"android":null}}`,
			want: []Push{{Token: "tok", Data: map[string]string{}}},
		},
		{
			name: "whitespace and an output-only name",
			body: "\n { \"message\" : { \"name\" : \"projects/p/messages/1\" , \"token\" : \"tok\" , \"data\" : { \"a\" : \"1\" } } } \n",
			want: []Push{{Token: "tok", Data: map[string]string{"a": "1"}}},
		},
		{
			name: "topic",
			body: `{"message":{"topic":"news","notification":{"title":"t"}}}`,
			want: []Push{{Title: "t", Data: map[string]string{}}},
		},
		{
			name: "condition",
			body: `{"message":{"condition":"'a' in topics","data":{"k":"v"}}}`,
			want: []Push{{Data: map[string]string{"k": "v"}}},
		},
		{
			name: "payload at the limit",
			body: `{"message":{"token":"tok","notification":{"title":"ab","body":"c"},"data":{"k":"` + strings.Repeat("x", maxPushPayload-4) + `"}}}`,
			want: []Push{{Token: "tok", Title: "ab", Body: "c", Data: map[string]string{"k": strings.Repeat("x", maxPushPayload-4)}}},
		},
		{
			name: "data keys FCM does not reserve",
			body: `{"message":{"token":"tok","data":{"collapse_key":"c","googlish":"g","gcm":"x","notification":"n"}}}`,
			want: []Push{{Token: "tok", Data: map[string]string{"collapse_key": "c", "googlish": "g", "gcm": "x", "notification": "n"}}},
		},
		{
			name: "validate only, snake_case",
			body: `{"validate_only":true,"message":{"token":"tok"}}`,
			want: []Push{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)

			status, header, body := postPush(t, srv.URL, "Bearer t", tc.body)

			if status != http.StatusOK {
				t.Fatalf("status %d body %q, want 200", status, body)
			}
			if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			var got struct {
				Name string `json:"name"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || !strings.HasPrefix(got.Name, "projects/"+testProject+"/messages/") {
				t.Errorf("body %q, want {\"name\":\"projects/%s/messages/…\"}", body, testProject)
			}
			if diff := cmp.Diff(tc.want, s.Pushes(""), ignorePushVolatile); diff != "" {
				t.Errorf("Pushes (-want +got):\n%s", diff)
			}
		})
	}
}

// sendPushes sends one notification per (token, title) pair, in order.
func sendPushes(tb testing.TB, baseURL string, pushes [][2]string) {
	tb.Helper()
	svc := fcmService(tb, baseURL)
	for _, p := range pushes {
		if _, err := fcmSend(tb, svc, notify(p[0], p[1], "body", nil)); err != nil {
			tb.Fatalf("push to %s: %v", p[0], err)
		}
	}
}

func TestListPushes(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	sendPushes(t, srv.URL, [][2]string{{"tok-a", "first"}, {"tok-b", "second"}, {"tok-a", "third"}, {"TOK-A", "fourth"}})
	cases := []struct {
		name  string
		query string
		want  []string // titles
	}{
		{name: "all, newest first", query: "", want: []string{"fourth", "third", "second", "first"}},
		{name: "one token, exactly", query: "?token=tok-a", want: []string{"third", "first"}},
		{name: "other token", query: "?token=tok-b", want: []string{"second"}},
		{name: "no such token", query: "?token=tok-c", want: []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			status, header, body := do(t, http.MethodGet, srv.URL+"/api/pushes"+tc.query)

			if status != http.StatusOK {
				t.Fatalf("status %d body %q, want 200", status, body)
			}
			if cc := header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			var got struct {
				Pushes []Push `json:"pushes"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if got.Pushes == nil {
				t.Fatalf("body %q: pushes is not an array", body)
			}
			titles := []string{}
			for _, p := range got.Pushes {
				titles = append(titles, p.Title)
			}
			if diff := cmp.Diff(tc.want, titles); diff != "" {
				t.Errorf("titles (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListPushesJSONShape(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)

	_, _, empty := do(t, http.MethodGet, srv.URL+"/api/pushes")
	sendPushes(t, srv.URL, [][2]string{{"shape", "s"}})
	_, _, one := do(t, http.MethodGet, srv.URL+"/api/pushes")

	if want := "{\"pushes\":[]}\n"; empty != want {
		t.Errorf("empty list %q, want %q", empty, want)
	}
	var got struct {
		Pushes []map[string]any `json:"pushes"`
	}
	if err := json.Unmarshal([]byte(one), &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got.Pushes[0] {
		keys = append(keys, k)
	}
	want := []string{"body", "data", "id", "receivedAt", "title", "token"}
	if diff := cmp.Diff(want, keys, cmpSorted); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if data, ok := got.Pushes[0]["data"].(map[string]any); !ok || len(data) != 0 {
		t.Errorf("data = %#v, want {}", got.Pushes[0]["data"])
	}
}

func TestDeletePushes(t *testing.T) {
	t.Parallel()
	s, srv := newServer(t)
	sendAll(t, srv.URL, [][2]string{{"a@example.com", "mail"}})
	sendPushes(t, srv.URL, [][2]string{{"tok-a", "1"}, {"tok-b", "2"}})

	status, _, body := do(t, http.MethodDelete, srv.URL+"/api/pushes")

	if status != http.StatusNoContent || body != "" {
		t.Errorf("status %d body %q, want 204 and no body", status, body)
	}
	if got := s.Pushes(""); len(got) != 0 {
		t.Errorf("%d pushes left after DELETE", len(got))
	}
	if got := s.Messages(""); len(got) != 1 {
		t.Errorf("%d mails left after DELETE /api/pushes, want the 1 mail kept", len(got))
	}
	sendPushes(t, srv.URL, [][2]string{{"tok-c", "3"}})
	if got := s.Pushes(""); len(got) != 1 || got[0].Title != "3" {
		t.Errorf("after DELETE and one push: %+v, want the new push only", got)
	}
}

func TestWaitPushes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		token  string
		n      int
		before int // pushes to tok-w sent before WaitPushes
		during int // and while it waits
		want   int // pushes returned; -1: the wait times out
	}{
		{name: "already there", token: "tok-w", n: 1, before: 1, want: 1},
		{name: "arrives concurrently", token: "tok-w", n: 2, before: 1, during: 1, want: 2},
		{name: "all tokens", token: "", n: 3, during: 3, want: 3},
		{name: "never arrives", token: "tok-other", n: 1, during: 2, want: -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)
			svc := fcmService(t, srv.URL)
			for range tc.before {
				if _, err := fcmSend(t, svc, notify("tok-w", "t", "b", nil)); err != nil {
					t.Fatal(err)
				}
			}
			timeout := 10 * time.Second
			if tc.want < 0 {
				timeout = 200 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()

			var wg sync.WaitGroup
			wg.Go(func() {
				time.Sleep(20 * time.Millisecond) // let WaitPushes block first, most of the time
				for range tc.during {
					if _, err := fcmSend(t, svc, notify("tok-w", "t", "b", nil)); err != nil {
						t.Errorf("push: %v", err)
					}
				}
			})
			got, err := s.WaitPushes(ctx, tc.token, tc.n)
			wg.Wait()

			if tc.want < 0 {
				if !errors.Is(err, context.DeadlineExceeded) || len(got) != 0 {
					t.Errorf("WaitPushes = %d pushes, %v; want none and DeadlineExceeded", len(got), err)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Errorf("WaitPushes = %d pushes, %v; want %d", len(got), err, tc.want)
			}
		})
	}
}

func TestOnPush(t *testing.T) {
	t.Parallel()
	s, srv := newServer(t)
	var got []string
	s.SetOnPush(func(p Push) {
		if n := len(s.Pushes(p.Token)); n != 1 {
			t.Errorf("OnPush for %s: %d stored pushes, want it stored first", p.Token, n)
		}
		got = append(got, p.Token) // calls are synchronous: the sends are sequential
	})

	sendPushes(t, srv.URL, [][2]string{{"tok-1", "a"}, {"tok-2", "b"}})
	_, _ = fcmSend(t, fcmService(t, srv.URL), notify("invalid-3", "c", "d", nil))

	if diff := cmp.Diff([]string{"tok-1", "tok-2"}, got); diff != "" {
		t.Errorf("OnPush calls, before each answer (-want +got):\n%s", diff)
	}
}

func TestPushesAreCopies(t *testing.T) {
	t.Parallel()
	s := New()
	s.storePush(Push{ID: "1", Token: "t", Data: map[string]string{"k": "v"}})

	got := s.Pushes("")
	got[0].Data["k"] = "changed"
	got[0].Data["new"] = "x"

	want := []Push{{ID: "1", Token: "t", Data: map[string]string{"k": "v"}}}
	if diff := cmp.Diff(want, s.Pushes("")); diff != "" {
		t.Errorf("stored pushes changed through a copy (-want +got):\n%s", diff)
	}
}

func TestPushesBounded(t *testing.T) {
	t.Parallel()
	s := New()
	for i := range maxPushes + 5 {
		s.storePush(Push{ID: fmt.Sprint(i), Token: "t", Data: map[string]string{}})
	}

	got := s.Pushes("")
	if len(got) != maxPushes {
		t.Fatalf("%d pushes kept, want %d", len(got), maxPushes)
	}
	if first, last := got[len(got)-1].ID, got[0].ID; first != "5" || last != fmt.Sprint(maxPushes+4) {
		t.Errorf("kept pushes %s to %s, want the newest, 5 to %d", first, last, maxPushes+4)
	}
}

// TestSendPushConcurrent sends and lists at once; -race checks the sink's
// locking.
func TestSendPushConcurrent(t *testing.T) {
	t.Parallel()
	s, srv := newServer(t)
	svc := fcmService(t, srv.URL)
	const senders, each = 8, 25

	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			for j := range each {
				if _, err := fcmSend(t, svc, notify(fmt.Sprintf("tok-%d", i), fmt.Sprint(j), "b", map[string]string{"j": fmt.Sprint(j)})); err != nil {
					t.Errorf("push: %v", err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			for _, p := range s.Pushes("") {
				_ = p.Data["j"]
			}
			do(t, http.MethodGet, srv.URL+"/api/pushes?token=tok-0")
			do(t, http.MethodGet, srv.URL+"/")
		}
	})
	wg.Wait()

	got := s.Pushes("")
	ids := map[string]bool{}
	for _, p := range got {
		ids[p.ID] = true
	}
	if len(got) != senders*each || len(ids) != senders*each {
		t.Errorf("%d pushes with %d distinct IDs, want %d", len(got), len(ids), senders*each)
	}
	for i := range senders {
		titles := []string{}
		for _, p := range s.Pushes(fmt.Sprintf("tok-%d", i)) {
			titles = append(titles, p.Title)
		}
		var want []string
		for j := each - 1; j >= 0; j-- {
			want = append(want, fmt.Sprint(j))
		}
		if diff := cmp.Diff(want, titles); diff != "" {
			t.Errorf("tok-%d titles, newest first (-want +got):\n%s", i, diff)
		}
	}
}
