package mailsink

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/sendgrid/sendgrid-go/helpers/mail"
)

// cmpSorted compares string slices as sets.
var cmpSorted = cmpopts.SortSlices(func(a, b string) bool { return a < b })

// do makes a request to the sink and returns the status, header and body.
func do(tb testing.TB, method, u string) (int, http.Header, string) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), method, u, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, u, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// sendAll sends one simple mail per (to, subject) pair, in order.
func sendAll(tb testing.TB, baseURL string, mails [][2]string) {
	tb.Helper()
	for _, m := range mails {
		resp := post(tb, baseURL, nil, mail.GetRequestBody(simpleMail(m[0], m[1], "text", "<p>html</p>")))
		if resp.StatusCode != http.StatusAccepted {
			tb.Fatalf("send to %s: status %d body %q", m[0], resp.StatusCode, resp.Body)
		}
	}
}

func TestListMessages(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	sendAll(t, srv.URL, [][2]string{
		{"alice@example.com", "first"},
		{"bob@example.com", "second"},
		{"Alice@Example.COM", "third"},
	})
	cases := []struct {
		name  string
		query string
		want  []string // subjects
	}{
		{name: "all, newest first", query: "", want: []string{"third", "second", "first"}},
		{name: "one address, any case, trimmed", query: "?to=" + url.QueryEscape(" ALICE@example.com "), want: []string{"third", "first"}},
		{name: "other address", query: "?to=bob@example.com", want: []string{"second"}},
		{name: "no such address", query: "?to=carol@example.com", want: []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			status, _, body := do(t, http.MethodGet, srv.URL+"/api/messages"+tc.query)

			if status != http.StatusOK {
				t.Fatalf("status %d body %q, want 200", status, body)
			}
			var got struct {
				Messages []Message `json:"messages"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if got.Messages == nil {
				t.Fatalf("body %q: messages is not an array", body)
			}
			subjects := []string{}
			for _, m := range got.Messages {
				subjects = append(subjects, m.Subject)
			}
			if diff := cmp.Diff(tc.want, subjects); diff != "" {
				t.Errorf("subjects (-want +got):\n%s", diff)
			}
		})
	}
}

func TestListMessagesJSONShape(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)

	_, _, empty := do(t, http.MethodGet, srv.URL+"/api/messages")
	sendAll(t, srv.URL, [][2]string{{"shape@example.com", "s"}})
	_, _, one := do(t, http.MethodGet, srv.URL+"/api/messages")

	if want := "{\"messages\":[]}\n"; empty != want {
		t.Errorf("empty list %q, want %q", empty, want)
	}
	var got struct {
		Messages []map[string]any `json:"messages"`
	}
	if err := json.Unmarshal([]byte(one), &got); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range got.Messages[0] {
		keys = append(keys, k)
	}
	want := []string{"from", "html", "id", "links", "receivedAt", "subject", "text", "to"}
	if diff := cmp.Diff(want, keys, cmpSorted); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if links, ok := got.Messages[0]["links"].([]any); !ok || len(links) != 0 {
		t.Errorf("links = %#v, want []", got.Messages[0]["links"])
	}
}

func TestDeleteMessages(t *testing.T) {
	t.Parallel()
	s, srv := newServer(t)
	sendAll(t, srv.URL, [][2]string{{"a@example.com", "1"}, {"b@example.com", "2"}})

	status, _, body := do(t, http.MethodDelete, srv.URL+"/api/messages")

	if status != http.StatusNoContent || body != "" {
		t.Errorf("status %d body %q, want 204 and no body", status, body)
	}
	if got := s.Messages(""); len(got) != 0 {
		t.Errorf("%d messages left after DELETE", len(got))
	}
	sendAll(t, srv.URL, [][2]string{{"c@example.com", "3"}})
	if got := s.Messages(""); len(got) != 1 || got[0].Subject != "3" {
		t.Errorf("after DELETE and one send: %+v, want the new message only", got)
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	_, srv := newServer(t)
	cases := []struct {
		name   string
		method string
		path   string
		want   int
	}{
		{name: "get send", method: http.MethodGet, path: "/v3/mail/send", want: http.StatusMethodNotAllowed},
		{name: "post messages", method: http.MethodPost, path: "/api/messages", want: http.StatusMethodNotAllowed},
		{name: "unknown", method: http.MethodGet, path: "/nope", want: http.StatusNotFound},
		{name: "unknown message", method: http.MethodGet, path: "/messages/nope", want: http.StatusNotFound},
		{name: "get push send", method: http.MethodGet, path: "/v1/projects/p/messages:send", want: http.StatusMethodNotAllowed},
		{name: "push send without project", method: http.MethodPost, path: "/v1/messages:send", want: http.StatusNotFound},
		{name: "post pushes", method: http.MethodPost, path: "/api/pushes", want: http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			status, _, body := do(t, tc.method, srv.URL+tc.path)

			if status != tc.want {
				t.Errorf("status %d body %q, want %d", status, body, tc.want)
			}
		})
	}
}
