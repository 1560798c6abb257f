package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMemberListShowsPermissions: the member list shows each member's
// granted permissions beside the role (the admin console's role editor
// starts from them): an admin's grants in the order granted, none for a
// plain member or the super admin (who holds every one implicitly), and a
// change of role shows on the next list, to any member.
func TestMemberListShowsPermissions(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	type entry struct {
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
	}
	list := func(s session) map[string]entry {
		t.Helper()
		r := e.listMembers(s, "acme", url.Values{})
		requireStatus(t, r, http.StatusOK)
		var page struct {
			Members []struct {
				Name string `json:"name"`
				entry
			} `json:"members"`
		}
		r.JSON(t, &page)
		out := map[string]entry{}
		for _, m := range page.Members {
			out[m.Name] = m.entry
		}
		return out
	}
	want := map[string]entry{
		"Kim Workgate":     {"super_admin", []string{}},
		"Lee member":       {"member", []string{}},
		"Lee admin-access": {"admin", []string{"admin_access"}},
		"Lee member-mgmt":  {"admin", []string{"member_management"}},
	}
	for _, s := range []session{c.owner, c.member} {
		if diff := cmp.Diff(want, list(s)); diff != "" {
			t.Fatalf("member list as %s (-want +got):\n%s", s.AccountID, diff)
		}
	}
	requireStatus(t, e.setRole(c.owner, "acme", c.member.AccountID,
		map[string]any{"role": "admin", "permissions": []string{"member_management", "admin_access"}}), http.StatusOK)
	want["Lee member"] = entry{"admin", []string{"admin_access", "member_management"}}
	if diff := cmp.Diff(want, list(c.adminAccess)); diff != "" {
		t.Fatalf("member list after the grant (-want +got):\n%s", diff)
	}
}
