package all

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/infra"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/server"
)

// TestRegistryMatchesTopology: every function of the topology is linked in
// and registered, and nothing else is.
func TestRegistryMatchesTopology(t *testing.T) {
	top, err := infra.Load()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range top.Functions {
		want = append(want, f.Name)
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, server.Registered()); diff != "" {
		t.Fatalf("registered functions (-topology +registered):\n%s", diff)
	}
}

// TestEventTopicsMatchTopology: every topic an event is published to is
// declared, with a subscription, in the topology.
func TestEventTopicsMatchTopology(t *testing.T) {
	top, err := infra.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range events.Topics {
		if !slices.ContainsFunc(top.Subscriptions, func(s infra.Subscription) bool { return s.Topic == topic }) {
			t.Errorf("topic %q has no subscription in the topology", topic)
		}
	}
}
