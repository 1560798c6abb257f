package login

import (
	"fmt"
	"testing"
	"time"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
)

// TestApprovalCap: a new request is refused while the account has 10
// pending requests, or 3 from a device of the same name (any case) and
// platform, until enough of them expire.
func TestApprovalCap(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	phone := domain.Device{Name: "Kim's phone", Platform: "ios"}
	pending := func(d domain.Device, minutesLeft ...int) []*domain.Approval {
		var out []*domain.Approval
		for _, m := range minutesLeft {
			out = append(out, &domain.Approval{Device: d, ExpiresAt: now.Add(time.Duration(m) * time.Minute)})
		}
		return out
	}
	tablets := func(n int) []*domain.Approval {
		var out []*domain.Approval
		for i := range n {
			out = append(out, pending(domain.Device{Name: fmt.Sprint("Tablet ", i), Platform: "android"}, 9-i%9)...)
		}
		return out
	}
	cases := []struct {
		name    string
		pending []*domain.Approval
		device  domain.Device
		wait    time.Duration // 0: allowed
	}{
		{"none", nil, phone, 0},
		{"2 of the device", pending(phone, 5, 7), phone, 0},
		{"3 of the device", pending(phone, 7, 2, 5), phone, 2 * time.Minute},
		{"3 of the device, named in other letters", pending(domain.Device{Name: "KIM'S PHONE", Platform: "ios"}, 7, 2, 5), phone, 2 * time.Minute},
		{"3 of a device of the same name on another platform", pending(domain.Device{Name: "Kim's phone", Platform: "android"}, 7, 2, 5), phone, 0},
		{"9 for the account", tablets(9), phone, 0},
		{"10 for the account: the oldest", append(tablets(8), pending(phone, 4, 6)...), phone, 2 * time.Minute},
		{"both full: the later", append(tablets(7), pending(phone, 8, 6, 9)...), phone, 6 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := approvalCap(tc.pending, tc.device, now)
			if tc.wait == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.RateLimited || e.RetryAfter != tc.wait {
				t.Fatalf("error %v, want rate_limited for %s", err, tc.wait)
			}
		})
	}
}
