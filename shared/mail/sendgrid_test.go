package mail

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testKey = "SG.test-key-do-not-leak"

var testMessage = Message{
	To:      "kim@example.com",
	Subject: "[workgate] Your login code",
	Text:    "code 123456",
	HTML:    "<p>code 123456</p>",
}

// captured is what the fake SendGrid saw.
type captured struct {
	Method, Path, Auth, ContentType string
	Body                            []byte
}

// fakeSendGrid starts a server that records each request and answers with
// status and body.
func fakeSendGrid(tb testing.TB, status int, body string) (*httptest.Server, func() []captured) {
	tb.Helper()
	var mu sync.Mutex
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			tb.Errorf("read body: %v", err)
		}
		mu.Lock()
		got = append(got, captured{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), b})
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	tb.Cleanup(srv.Close)
	return srv, func() []captured {
		mu.Lock()
		defer mu.Unlock()
		return append([]captured(nil), got...)
	}
}

func TestSendRequest(t *testing.T) {
	t.Parallel()
	srv, requests := fakeSendGrid(t, http.StatusAccepted, "")
	// A trailing slash on the base URL must not double the path's slash.
	s := NewSendGrid(testKey, srv.URL+"/", "noreply@workgate.example", "workgate")
	if err := s.Send(context.Background(), testMessage); err != nil {
		t.Fatalf("Send: %v", err)
	}

	reqs := requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if diff := cmp.Diff(
		captured{Method: http.MethodPost, Path: "/v3/mail/send", Auth: "Bearer " + testKey, ContentType: "application/json"},
		captured{Method: r.Method, Path: r.Path, Auth: r.Auth, ContentType: r.ContentType},
	); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}

	type email struct {
		Email string `json:"email"`
		Name  string `json:"name,omitempty"`
	}
	type content struct{ Type, Value string }
	type enabled struct {
		Enable     *bool `json:"enable"`
		EnableText *bool `json:"enable_text"`
	}
	var body struct {
		From             email
		Subject          string
		Personalizations []struct{ To []email }
		Content          []content
		TrackingSettings struct {
			ClickTracking enabled `json:"click_tracking"`
			OpenTracking  enabled `json:"open_tracking"`
		} `json:"tracking_settings"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("decode body %s: %v", r.Body, err)
	}
	if diff := cmp.Diff(email{Email: "noreply@workgate.example", Name: "workgate"}, body.From); diff != "" {
		t.Errorf("from (-want +got):\n%s", diff)
	}
	if body.Subject != testMessage.Subject {
		t.Errorf("subject = %q, want %q", body.Subject, testMessage.Subject)
	}
	if len(body.Personalizations) != 1 || len(body.Personalizations[0].To) != 1 ||
		body.Personalizations[0].To[0].Email != testMessage.To {
		t.Errorf("personalizations = %+v, want one with to %q", body.Personalizations, testMessage.To)
	}
	if diff := cmp.Diff([]content{{"text/plain", testMessage.Text}, {"text/html", testMessage.HTML}}, body.Content); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}
	ts := body.TrackingSettings
	for name, b := range map[string]*bool{"click": ts.ClickTracking.Enable, "click text": ts.ClickTracking.EnableText, "open": ts.OpenTracking.Enable} {
		if b == nil || *b {
			t.Errorf("%s tracking enable = %v, want false", name, b)
		}
	}
}

func TestSendTextOnly(t *testing.T) {
	t.Parallel()
	srv, requests := fakeSendGrid(t, http.StatusAccepted, "")
	m := testMessage
	m.HTML = ""
	if err := NewSendGrid(testKey, srv.URL, "noreply@workgate.example", "workgate").Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	var body struct{ Content []struct{ Type string } }
	if err := json.Unmarshal(requests()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Content) != 1 || body.Content[0].Type != "text/plain" {
		t.Errorf("content = %+v, want one text/plain part", body.Content)
	}
}

func TestSendStatus(t *testing.T) {
	t.Parallel()
	// A body like SendGrid's, quoting the recipient, to check errors do not.
	const errBody = `{"errors":[{"message":"Invalid address kim@example.com","field":"personalizations.0.to.0.email"},{"message":"x","field":"kim@example.com"}]}`
	cases := []struct {
		name         string
		status       int
		body         string
		wantErr      bool
		wantRejected bool
	}{
		{"accepted", http.StatusAccepted, "", false, false},
		{"ok", http.StatusOK, `{"ok":true}`, false, false},
		{"bad request", http.StatusBadRequest, errBody, true, true},
		{"unauthorized", http.StatusUnauthorized, `{"errors":[{"message":"bad key","field":null}]}`, true, true},
		{"forbidden", http.StatusForbidden, errBody, true, true},
		{"too large", http.StatusRequestEntityTooLarge, "", true, true},
		{"rate limited", http.StatusTooManyRequests, errBody, true, false},
		{"internal error", http.StatusInternalServerError, "oops", true, false},
		{"unavailable", http.StatusServiceUnavailable, errBody, true, false},
		{"not found", http.StatusNotFound, "", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := fakeSendGrid(t, tc.status, tc.body)
			err := NewSendGrid(testKey, srv.URL, "noreply@workgate.example", "workgate").Send(context.Background(), testMessage)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Send error = %v, want error: %v", err, tc.wantErr)
			}
			if got := errors.Is(err, ErrRejected); got != tc.wantRejected {
				t.Errorf("errors.Is(%v, ErrRejected) = %v, want %v", err, got, tc.wantRejected)
			}
			if err == nil {
				return
			}
			assertSafeError(t, err)
			if tc.body == errBody && !strings.Contains(err.Error(), "personalizations.0.to.0.email") {
				t.Errorf("error %q does not name the field SendGrid complained about", err)
			}
		})
	}
}

func TestSendInvalidMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(*Message)
	}{
		{"no recipient", func(m *Message) { m.To = "" }},
		{"no subject", func(m *Message) { m.Subject = " " }},
		{"no text", func(m *Message) { m.Text = "" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, requests := fakeSendGrid(t, http.StatusAccepted, "")
			m := testMessage
			tc.edit(&m)
			err := NewSendGrid(testKey, srv.URL, "noreply@workgate.example", "workgate").Send(context.Background(), m)
			if !errors.Is(err, ErrRejected) {
				t.Errorf("Send error = %v, want ErrRejected", err)
			}
			if n := len(requests()); n != 0 {
				t.Errorf("sent %d requests, want 0", n)
			}
		})
	}
}

func TestSendHonoursContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close) // runs after close(release): LIFO
	t.Cleanup(func() { close(release) })

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := NewSendGrid(testKey, srv.URL, "noreply@workgate.example", "workgate").Send(ctx, testMessage)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Send took %v, want it to stop at the deadline", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send error = %v, want context.DeadlineExceeded", err)
	}
	if errors.Is(err, ErrRejected) {
		t.Errorf("Send error = %v is ErrRejected; a timeout is retryable", err)
	}
}

func TestSendTransportError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens any more
	err := NewSendGrid(testKey, srv.URL, "noreply@workgate.example", "workgate").Send(context.Background(), testMessage)
	if err == nil || errors.Is(err, ErrRejected) {
		t.Fatalf("Send error = %v, want a retryable error", err)
	}
	assertSafeError(t, err)
}

// assertSafeError checks that err names the operation and reveals neither
// the key nor the recipient nor the content.
func assertSafeError(tb testing.TB, err error) {
	tb.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "mail.Send: ") {
		tb.Errorf("error %q does not start with the operation", msg)
	}
	for _, secret := range []string{testKey, testMessage.To, "123456"} {
		if strings.Contains(msg, secret) {
			tb.Errorf("error %q reveals %q", msg, secret)
		}
	}
}

func TestIsFieldName(t *testing.T) {
	cases := []struct {
		s  string
		ok bool
	}{
		{"personalizations.0.to.0.email", true}, {"content[1].value", true}, {"from_name", true}, {strings.Repeat("a", 100), true},
		{"", false}, {strings.Repeat("a", 101), false}, {"kim@example.com", false}, {"a b", false}, {"필드", false},
	}
	for _, tc := range cases {
		if got := isFieldName(tc.s); got != tc.ok {
			t.Errorf("isFieldName(%q) = %v, want %v", tc.s, got, tc.ok)
		}
	}
}
