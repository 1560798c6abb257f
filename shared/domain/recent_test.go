package domain

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRecent(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	cases := []struct {
		name  string
		sends []time.Time
		want  []time.Time
	}{
		{"none", nil, []time.Time{}},
		{"all recent", []time.Time{ago(50 * time.Minute), ago(time.Minute)}, []time.Time{ago(50 * time.Minute), ago(time.Minute)}},
		{"old ones dropped", []time.Time{ago(2 * time.Hour), ago(time.Hour), ago(time.Hour - time.Second)}, []time.Time{ago(time.Hour - time.Second)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Recent(tc.sends, now, time.Hour)); diff != "" {
				t.Errorf("Recent (-want +got):\n%s", diff)
			}
		})
	}
}
