package push

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/emulator/mailsink"
)

// sinkFCM returns a sender in dev mode to a push sink (FCM's messages:send
// with its validation and error bodies) and the sink.
func sinkFCM(t *testing.T) (*FCM, *mailsink.Sink) {
	t.Helper()
	sink := mailsink.New()
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	f, err := NewFCM(t.Context(), srv.URL, "demo-push", true)
	if err != nil {
		t.Fatal(err)
	}
	return f, sink
}

// TestFCMSends: a push arrives as FCM HTTP v1 takes it, with its title,
// body and string data, under its token only.
func TestFCMSends(t *testing.T) {
	f, sink := sinkFCM(t)
	m := Message{Token: "tok-1", Title: "김민수", Body: "회의는 3시", Data: map[string]string{"kind": "message", "seq": "42"}}
	if err := f.Send(t.Context(), m); err != nil {
		t.Fatalf("Send = %v", err)
	}
	got := sink.Pushes("tok-1")
	if len(got) != 1 {
		t.Fatalf("%d pushes to tok-1, want 1", len(got))
	}
	want := mailsink.Push{Token: m.Token, Title: m.Title, Body: m.Body, Data: m.Data}
	if diff := cmp.Diff(want, got[0], cmp.FilterPath(func(p cmp.Path) bool {
		return p.String() == "ID" || p.String() == "ReceivedAt"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("push (-want +got):\n%s", diff)
	}
	if n := len(sink.Pushes("")); n != 1 {
		t.Errorf("%d pushes in all, want 1", n)
	}
}

// TestFCMErrors: FCM's answers are told apart as the job needs them.
func TestFCMErrors(t *testing.T) {
	f, _ := sinkFCM(t)
	answer := func(status int, body string) *FCM {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		g, err := NewFCM(t.Context(), srv.URL+"/", "demo-push", true)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there any more
	unreachable, err := NewFCM(t.Context(), gone.URL, "demo-push", true)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name         string
		sender       *FCM
		token        string
		unregistered bool
		transient    bool
	}{
		{name: "unregistered (the sink's invalid- tokens)", sender: f, token: "invalid-1", unregistered: true},
		{name: "refused (an empty token)", sender: f, token: ""},
		{name: "a bare 404 (a wrong URL or project) is no UNREGISTERED", sender: answer(http.StatusNotFound, `{"error":{"code":404,"message":"Not found","status":"NOT_FOUND"}}`), token: "t"},
		{name: "unavailable", sender: answer(http.StatusServiceUnavailable, `{"error":{"code":503,"message":"down","status":"UNAVAILABLE"}}`), token: "t", transient: true},
		{name: "internal", sender: answer(http.StatusInternalServerError, `{"error":{"code":500,"message":"oops","status":"INTERNAL"}}`), token: "t", transient: true},
		{name: "quota", sender: answer(http.StatusTooManyRequests, `{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}`), token: "t", transient: true},
		{name: "sender mismatch", sender: answer(http.StatusForbidden, `{"error":{"code":403,"message":"no","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"SENDER_ID_MISMATCH"}]}}`), token: "t"},
		{name: "unreachable", sender: unreachable, token: "t", transient: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.sender.Send(t.Context(), Message{Token: tc.token, Title: "t", Body: "b"})
			if err == nil {
				t.Fatal("Send = nil, want an error")
			}
			if got := errors.Is(err, ErrUnregistered); got != tc.unregistered {
				t.Errorf("Send = %v: unregistered %v, want %v", err, got, tc.unregistered)
			}
			if got := errors.Is(err, ErrTransient); got != tc.transient {
				t.Errorf("Send = %v: transient %v, want %v", err, got, tc.transient)
			}
		})
	}
}
