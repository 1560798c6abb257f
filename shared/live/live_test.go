package live

import (
	"context"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
	"github.com/workgate/workgate/test/testenv"
)

// TestHeartbeatOutlivesTheClient: a heartbeat whose stream's client has
// gone still writes the device's mark and keeps its time, so that the
// stream's end clears it. (A mark written by a write the client's going
// cancelled in flight was left behind: CI's
// TestF19OpenStreamKeepsTheMemberOnline, "liveDevices/…: exists should be
// false within 15s".)
func TestHeartbeatOutlivesTheClient(t *testing.T) {
	t.Parallel()
	testenv.RequireEmulators(t)
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.Project(t), &store.Meter{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s := &Service{Store: st, Clock: clock.System{}, LiveFor: time.Minute}
	p := &session.Principal{AccountID: "a-heartbeat", WorkspaceID: "acme", DeviceID: "d-heartbeat"}

	gone, cancel := context.WithCancel(ctx)
	cancel()
	str := &stream{}
	s.heartbeat(gone, p, str, false)
	if str.liveAt.IsZero() {
		t.Fatal("the heartbeat of a stream whose client went kept no mark time")
	}
	live, err := st.LiveDevices(ctx, p.AccountID, time.Now())
	if err != nil || !live[p.DeviceID] {
		t.Fatalf("live devices after the heartbeat = %v, %v; want the device", live, err)
	}
	if err := st.ClearDeviceLive(ctx, p.AccountID, p.DeviceID, str.liveAt); err != nil {
		t.Fatal(err)
	}
	live, err = st.LiveDevices(ctx, p.AccountID, time.Now())
	if err != nil || len(live) != 0 {
		t.Fatalf("live devices after the stream's end = %v, %v; want none", live, err)
	}
}
