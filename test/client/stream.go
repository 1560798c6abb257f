package client

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Event is one server-sent event of the live events stream.
type Event struct {
	ID   string
	Name string
	Data string
}

// Stream is an open live events stream (GET /v1/me/events), read by a
// goroutine of its own.
type Stream struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Open opens the stream as the holder of token, resuming after
// lastEventID if it is not empty, and returns once the answer's headers
// are in: 200 text/event-stream, or a *StatusError. Each event is handed
// to on, in order, from the stream's goroutine. Streams need a client
// without an overall timeout.
func Open(ctx context.Context, hc *http.Client, base, token, lastEventID string, on func(Event)) (*Stream, error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/me/events", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := hc.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("client: GET /v1/me/events: %w", err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
		_ = res.Body.Close()
		cancel()
		return nil, &StatusError{Route: "GET /v1/me/events", Response: Response{Status: res.StatusCode, Header: res.Header, Body: body}}
	}
	s := &Stream{cancel: cancel, done: make(chan struct{})}
	go s.read(res.Body, on)
	return s, nil
}

// read reads the stream until it ends.
func (s *Stream) read(body io.ReadCloser, on func(Event)) {
	defer close(s.done)
	defer body.Close()
	s.err = ReadEvents(body, on, nil)
}

// ReadEvents parses server-sent events as API.md frames them: blank-line
// separated blocks of "field: value" lines, a line starting with ':' a
// comment (handed to comment, if not nil). Data lines of one event are
// joined with "\n", as the standard has it. It returns when r ends.
func ReadEvents(r io.Reader, on func(Event), comment func(string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var ev Event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" || ev.Data != "" {
				on(ev)
			}
			ev = Event{}
		case strings.HasPrefix(line, ":"):
			if comment != nil {
				comment(strings.TrimSpace(line[1:]))
			}
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				ev.ID = value
			case "event":
				ev.Name = value
			case "data":
				if ev.Data != "" {
					value = ev.Data + "\n" + value
				}
				ev.Data = value
			}
		}
	}
	return sc.Err()
}

// Done is closed when the stream has ended (the server ended it, the
// connection broke, or Close).
func (s *Stream) Done() <-chan struct{} { return s.done }

// Err is why the stream ended, once Done is closed: nil if the server
// ended it cleanly.
func (s *Stream) Err() error { return s.err }

// Close ends the stream and waits for its goroutine.
func (s *Stream) Close() {
	s.cancel()
	<-s.done
}

// StreamClient is an HTTP client for streams: no overall timeout (a
// stream lasts), a bound on the wait for the answer's headers, and one
// connection per stream.
func StreamClient(streams int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy: nil, MaxIdleConnsPerHost: streams, ResponseHeaderTimeout: 60 * time.Second, DisableCompression: true,
	}}
}
