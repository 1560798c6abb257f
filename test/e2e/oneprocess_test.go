package e2e

import (
	"testing"
)

// The suite runs against the split stack in `make test` (every function
// its own process, as in production). These tests run the one-process
// stack of `make run` whatever WORKGATE_STACK says: its router, its push
// paths and its relay, through the product's main chain.

// oneProcess runs every function in the test's process.
func oneProcess(o *stackOptions) { o.Split = false }

// TestOneProcessChain: a workspace is created and verified through its
// mail (signup → Pub/Sub → mailer → sink), its owner and a colleague log
// in, a message reaches the colleague's live stream (rooms → Pub/Sub →
// fanout → feed) and the dev clock moves for every function.
func TestOneProcessChain(t *testing.T) {
	t.Parallel()
	e := start(t, oneProcess)
	if e.s.PushURL("mailer") != e.s.URL+"/_push/mailer" {
		t.Fatalf("push URL %s: not the one-process router's", e.s.PushURL("mailer"))
	}
	a := e.ownerSession("acme", "owner@acme.example")
	b := e.colleague(a, "b")
	r := e.mustCreateRoom(a, directRoom, "", b.AccountID)
	s := e.openStream(b, "")
	e.mustPost(a, r.RoomID, "through one process")
	if ev := s.nextOf("message"); ev.Name != "message" {
		t.Fatalf("event %q, want message", ev.Name)
	}
	before := e.devNow()
	e.advance(3600)
	if moved := e.devNow().Sub(before).Hours(); moved < 1 {
		t.Fatalf("the dev clock moved %.2f hours, want 1", moved)
	}
}
