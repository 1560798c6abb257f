package mailsink

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sendgrid/sendgrid-go/helpers/mail"
)

func TestWait(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		to     string
		n      int
		before int // mails to wait@example.com sent before Wait
		during int // and while it waits
		want   int // messages returned; -1: the wait times out
	}{
		{name: "already there", to: "wait@example.com", n: 1, before: 1, want: 1},
		{name: "n zero", to: "wait@example.com", n: 0, want: 0},
		{name: "arrives concurrently", to: "WAIT@example.com", n: 2, before: 1, during: 1, want: 2},
		{name: "all addresses", to: "", n: 3, during: 3, want: 3},
		{name: "never arrives", to: "other@example.com", n: 1, during: 2, want: -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, srv := newServer(t)
			body := mail.GetRequestBody(simpleMail("wait@example.com", "w", "t", "<p>h</p>"))
			for range tc.before {
				post(t, srv.URL, nil, body)
			}
			timeout := 10 * time.Second
			if tc.want < 0 {
				timeout = 200 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()

			var wg sync.WaitGroup
			wg.Go(func() {
				time.Sleep(20 * time.Millisecond) // let Wait block first, most of the time
				for range tc.during {
					if resp := post(t, srv.URL, nil, body); resp.StatusCode != http.StatusAccepted {
						t.Errorf("send: status %d", resp.StatusCode)
					}
				}
			})
			got, err := s.Wait(ctx, tc.to, tc.n)
			wg.Wait()

			if tc.want < 0 {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Wait error %v, want DeadlineExceeded", err)
				}
				if len(got) != 0 {
					t.Errorf("Wait returned %d messages, want none", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if len(got) != tc.want {
				t.Errorf("Wait returned %d messages, want %d", len(got), tc.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].ReceivedAt.After(got[i-1].ReceivedAt) {
					t.Errorf("messages not newest first: %v after %v", got[i].ReceivedAt, got[i-1].ReceivedAt)
				}
			}
		})
	}
}

func TestOnReceive(t *testing.T) {
	t.Parallel()
	s, srv := newServer(t)
	var (
		mu  sync.Mutex
		got []string
	)
	s.SetOnReceive(func(m Message) {
		if n := len(s.Messages(m.To[0])); n != 1 {
			t.Errorf("OnReceive for %s: %d stored messages, want it stored first", m.To[0], n)
		}
		mu.Lock()
		defer mu.Unlock()
		got = append(got, m.To[0])
	})
	m := mail.NewV3Mail()
	m.SetFrom(mail.NewEmail("", "from@workgate.test"))
	m.Subject = "s"
	m.AddContent(mail.NewContent("text/plain", "t"))
	for _, to := range []string{"one@example.com", "two@example.com"} {
		p := mail.NewPersonalization()
		p.AddTos(mail.NewEmail("", to))
		m.AddPersonalizations(p)
	}

	resp := post(t, srv.URL, nil, mail.GetRequestBody(m))

	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d body %q", resp.StatusCode, resp.Body)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"one@example.com", "two@example.com"}, got); diff != "" {
		t.Errorf("OnReceive calls, before the answer (-want +got):\n%s", diff)
	}
}

func TestMessagesAreCopies(t *testing.T) {
	t.Parallel()
	s := New()
	s.store([]Message{{ID: "1", To: []string{"a@example.com"}, Links: []string{"https://a.test/"}}})

	got := s.Messages("")
	got[0].To[0] = "changed@example.com"
	got[0].Links[0] = "https://changed.test/"

	want := []Message{{ID: "1", To: []string{"a@example.com"}, Links: []string{"https://a.test/"}}}
	if diff := cmp.Diff(want, s.Messages("")); diff != "" {
		t.Errorf("stored messages changed through a copy (-want +got):\n%s", diff)
	}
}

func TestStoreBounded(t *testing.T) {
	t.Parallel()
	s := New()
	for i := range maxMessages + 5 {
		s.store([]Message{{ID: string(rune('a' + i%26)), To: []string{"a@example.com"}}})
	}

	if got := len(s.Messages("")); got != maxMessages {
		t.Errorf("%d messages kept, want %d", got, maxMessages)
	}
}

func TestMessageLinkPath(t *testing.T) {
	m := Message{Links: []string{"https://other.example/x", "http://127.0.0.1:8080/verify-email/tok-123?x=1", "http://h/verify-email/second"}}
	cases := []struct {
		prefix, want string
		ok           bool
	}{
		{"/verify-email/", "tok-123", true},
		{"/x", "", true},
		{"/reset-password/", "", false},
	}
	for _, tc := range cases {
		if got, ok := m.LinkPath(tc.prefix); got != tc.want || ok != tc.ok {
			t.Errorf("LinkPath(%q) = %q, %v; want %q, %v", tc.prefix, got, ok, tc.want, tc.ok)
		}
	}
}

// TestRefuseMail: while refusing, the SendGrid API answers 500 and stores
// nothing; once the time given has passed, mail is accepted again.
func TestRefuseMail(t *testing.T) {
	t.Parallel()
	s, srv := newServer(t)
	body := mail.GetRequestBody(simpleMail("refused@example.com", "r", "t", "<p>h</p>"))

	s.RefuseMail(time.Now().Add(time.Hour))
	if resp := post(t, srv.URL, nil, body); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("refusing: status %d, want 500", resp.StatusCode)
	}
	if got := len(s.Messages("")); got != 0 {
		t.Errorf("refusing: %d messages stored, want 0", got)
	}
	if got := s.Refused(); got != 1 {
		t.Errorf("Refused() = %d, want 1", got)
	}

	s.RefuseMail(time.Time{})
	if resp := post(t, srv.URL, nil, body); resp.StatusCode != http.StatusAccepted {
		t.Errorf("after: status %d, want 202", resp.StatusCode)
	}
	if got := len(s.Messages("refused@example.com")); got != 1 {
		t.Errorf("after: %d messages stored, want 1", got)
	}
}
