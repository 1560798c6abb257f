// Package e2e tests workgate end to end through the running stack: real
// Firestore and Pub/Sub emulators, real Pub/Sub push to the functions, real
// SendGrid calls into the mail sink. Every JSON response is also checked
// against the OpenAPI document.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/workgate/workgate/emulator/mailsink"
	"github.com/workgate/workgate/emulator/stack"
	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/config"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/openapi/contract"
	"github.com/workgate/workgate/shared/store"
	"github.com/workgate/workgate/test/testenv"
)

// env is one running stack with its own project.
type env struct {
	t     testing.TB
	s     *stack.Stack
	meter *store.Meter
	http  *http.Client
}

var (
	apiOnce sync.Once
	api     *contract.Checker
	apiErr  error
)

// start runs a stack for the test, with its own project and free ports.
func start(t testing.TB, opts ...func(*stack.Options)) *env {
	t.Helper()
	testenv.RequireEmulators(t)
	apiOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
		api, apiErr = contract.New()
	})
	if apiErr != nil {
		t.Fatal(apiErr)
	}
	m := &store.Meter{}
	o := stack.Options{
		Project: testenv.Project(t), Addr: "127.0.0.1:0", MailAddr: "127.0.0.1:0", Meter: m,
		Log: logging.New(testLog(t), slog.LevelWarn),
		// WORKGATE_STACK=split: every function in its own process, as in
		// production.
		Split: stack.SplitFromEnv(), Output: testLog(t),
	}
	for _, opt := range opts {
		opt(&o)
	}
	keys, configure := t.TempDir(), o.Configure
	o.Configure = func(c *config.Config) {
		c.KeyDir = keys // dev keys of this test only
		// Passwords hashed with 1 MiB, not 19: a tenth of the suite's
		// CPU went on argon2id. Nothing here measures a hash's cost.
		c.HashMemoryKiB = auth.MinHashMemoryKiB
		if configure != nil {
			configure(c)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := stack.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &env{t: t, s: s, meter: m, http: &http.Client{Timeout: 30 * time.Second}}
}

// testLog sends the stack's warnings to the test log when -v asks for them.
func testLog(t testing.TB) io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	return io.Discard
}

// response is an HTTP answer, read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// Code returns the problem code of an error response.
func (r response) Code(t testing.TB) string {
	t.Helper()
	var p struct {
		Code string `json:"code"`
	}
	r.JSON(t, &p)
	return p.Code
}

// call sends a request; body is JSON-encoded unless it is a string or
// []byte (sent as is, with contentType). A redirect is the answer (see
// noRedirects).
func (e *env) call(method, path string, body any, headers ...string) response {
	e.t.Helper()
	var raw []byte
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	case url.Values:
		raw, contentType = []byte(b.Encode()), "application/x-www-form-urlencoded"
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.s.URL+path, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := noRedirects(e.http).Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	r := response{Status: res.StatusCode, Header: res.Header, Body: got}
	checkContract(e.t, req, raw, r)
	return r
}

// noRedirects is c answering a redirect itself instead of following it,
// so that a call sees (and checks against the document) the 303 a page's
// form answers.
func noRedirects(c *http.Client) *http.Client {
	nc := *c
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &nc
}

// checkContract checks an exchange against the OpenAPI document by
// contract.Checker.Check's rules: a request the document refuses must be
// answered 4xx, and the response must be one the operation lists.
func checkContract(t testing.TB, req *http.Request, reqBody []byte, r response) {
	t.Helper()
	if r.Status == http.StatusRequestEntityTooLarge && len(reqBody) > 64<<10 {
		return // answered before routing; the document lists 413 where bodies are taken
	}
	x := contract.Exchange{Request: req, RequestBody: reqBody, Status: r.Status, Header: r.Header, Body: r.Body}
	if err := api.Check(context.Background(), x); err != nil {
		t.Fatalf("%v\nrequest: %s\nresponse: %s", err, clip(reqBody), clip(r.Body))
	}
}

// mails returns the mails the sink holds for an address, newest first,
// through its HTTP API.
func (e *env) mails(to string) []mailsink.Message {
	e.t.Helper()
	res, err := e.http.Get(e.s.MailURL + "/api/messages?to=" + url.QueryEscape(to))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Messages []mailsink.Message `json:"messages"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out.Messages
}

// waitMails waits until the sink holds n mails for an address.
func (e *env) waitMails(to string, n int) []mailsink.Message {
	e.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		m := e.mails(to)
		if len(m) >= n {
			return m
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d mails to %s after 45s, want %d", len(m), to, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// linkToken returns the token of the first link in m under prefix.
func linkToken(t testing.TB, m mailsink.Message, prefix string) string {
	t.Helper()
	tok, ok := m.LinkPath(prefix)
	if !ok {
		t.Fatalf("no %s link in %q: %v", prefix, m.Subject, m.Links)
	}
	return tok
}

// fs returns the stack's Firestore client.
func (e *env) fs() *firestore.Client { return e.s.Deps.Store.Firestore() }

// documents returns the paths of every document in the project, in
// every subcollection too (one query of all collections).
func (e *env) documents() []string {
	e.t.Helper()
	paths, err := e.s.Deps.Store.Paths(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	out := paths[:0]
	for _, p := range paths {
		if !strings.HasPrefix(p, "_dev/") { // the dev clock is not the test's data
			out = append(out, p)
		}
	}
	return out
}

// doc reads one document's data.
func (e *env) doc(path string) map[string]any {
	e.t.Helper()
	snap, err := e.fs().Doc(path).Get(context.Background())
	if err != nil {
		e.t.Fatalf("reading %s: %v", path, err)
	}
	return snap.Data()
}

func sleep() { time.Sleep(50 * time.Millisecond) }

// configT is the configuration stack.Options.Configure adjusts.
type configT = config.Config

// stackOptions are the options start passes to stack.Start.
type stackOptions = stack.Options

// race runs call(0) … call(n-1) at once, released together, and returns
// the status each answered (by i) and how many answered each status.
func race(n int, call func(i int) int) ([]int, map[int]int) {
	statuses := make([]int, n)
	var wg sync.WaitGroup
	gun := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-gun
			statuses[i] = call(i)
		})
	}
	close(gun)
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	return statuses, count
}

func TestMain(m *testing.M) {
	code := m.Run()
	stack.RemoveBinary() // a split stack's
	os.Exit(code)
}
