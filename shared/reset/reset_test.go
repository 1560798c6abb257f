package reset

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSameName(t *testing.T) {
	cases := []struct {
		name           string
		account, given string
		want           bool
	}{
		{"identical", "Kim Workgate", "Kim Workgate", true},
		{"case", "Kim Workgate", "kIM wORKGATE", true},
		{"surrounding spaces", "Kim Workgate", "  Kim Workgate \t", true},
		{"inner spaces", "Kim Workgate", "Kim    Workgate", true},
		{"spaces in the stored name", "Kim  Workgate ", "Kim Workgate", true},
		{"Korean", "김 워크", " 김  워크 ", true},
		{"other name", "Kim Workgate", "Lee Workgate", false},
		{"missing space", "Kim Workgate", "KimWorkgate", false},
		{"prefix", "Kim Workgate", "Kim", false},
		{"empty", "Kim Workgate", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := SameName(tc.account, tc.given); got != tc.want {
				t.Errorf("SameName(%q, %q) = %v, want %v", tc.account, tc.given, got, tc.want)
			}
		})
	}
}

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
		{"old ones dropped", []time.Time{ago(2 * time.Hour), ago(SendWindow), ago(SendWindow - time.Second)}, []time.Time{ago(SendWindow - time.Second)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Recent(tc.sends, now)); diff != "" {
				t.Errorf("Recent (-want +got):\n%s", diff)
			}
		})
	}
}
