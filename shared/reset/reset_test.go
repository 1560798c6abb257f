package reset

import (
	"testing"
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
