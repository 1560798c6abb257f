package workspace

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/store"
)

func ptr[T any](v T) *T { return &v }

func TestEditChecked(t *testing.T) {
	cases := []struct {
		name string
		in   Edit
		want Edit
		kind errs.Kind // "" for no error
	}{
		{"nothing", Edit{}, Edit{}, ""},
		{"same ID", Edit{WorkspaceID: ptr("acme")}, Edit{}, ""},
		{"other ID", Edit{WorkspaceID: ptr("other")}, Edit{}, errs.Immutable},
		{"name trimmed", Edit{Name: ptr(" Acme ")}, Edit{Name: ptr("Acme")}, ""},
		{"name of 60", Edit{Name: ptr(strings.Repeat("가", 60))}, Edit{Name: ptr(strings.Repeat("가", 60))}, ""},
		{"name of 61", Edit{Name: ptr(strings.Repeat("가", 61))}, Edit{}, errs.Invalid},
		{"colour upper-cased", Edit{Color: ptr("#a1b2c3")}, Edit{Color: ptr("#A1B2C3")}, ""},
		{"colour cleared", Edit{Color: ptr("")}, Edit{Color: ptr("")}, ""},
		{"colour of 3", Edit{Color: ptr("#abc")}, Edit{}, errs.Invalid},
		{"tone", Edit{ColorTone: ptr("dark")}, Edit{ColorTone: ptr("dark")}, ""},
		{"tone unknown", Edit{ColorTone: ptr("grey")}, Edit{}, errs.Invalid},
		{"logo", Edit{LogoURL: ptr("https://x.example/l.png")}, Edit{LogoURL: ptr("https://x.example/l.png")}, ""},
		{"logo not http", Edit{LogoURL: ptr("data:image/png;base64,AAAA")}, Edit{}, errs.Invalid},
		{"chat", Edit{ExternalChatAllowed: ptr(true)}, Edit{ExternalChatAllowed: ptr(true)}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.checked("acme")
			if tc.kind != "" {
				if errs.KindOf(err) != tc.kind {
					t.Fatalf("error %v, want %s", err, tc.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEditApply(t *testing.T) {
	ws := &domain.Workspace{ID: "acme", Name: "Acme", Color: "#3A5BD9", ColorTone: "light"}
	if (Edit{Name: ptr("Acme"), Color: ptr("#3A5BD9")}).apply(ws) {
		t.Fatal("an edit to the same values reports a change")
	}
	if (Edit{LogoURL: ptr("")}).apply(ws) {
		t.Fatal("clearing an empty logo reports a change")
	}
	if !(Edit{ColorTone: ptr("")}).apply(ws) || ws.ColorTone != "" || ws.Name != "Acme" {
		t.Fatalf("clearing the tone: %+v", ws)
	}
}

func TestRoleChangeChecked(t *testing.T) {
	cases := []struct {
		name  string
		in    RoleChange
		perms []string // nil: refused
	}{
		{"admin", RoleChange{"admin", []string{"member_management", "admin_access"}}, []string{"admin_access", "member_management"}},
		{"admin without permissions", RoleChange{"admin", []string{}}, []string{}},
		{"member", RoleChange{"member", []string{}}, []string{}},
		{"member with a permission", RoleChange{"member", []string{"admin_access"}}, nil},
		{"permissions missing", RoleChange{"admin", nil}, nil},
		{"repeated", RoleChange{"admin", []string{"admin_access", "admin_access"}}, nil},
		{"unknown", RoleChange{"admin", []string{"owner"}}, nil},
		{"super admin", RoleChange{"super_admin", []string{}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.checked()
			if tc.perms == nil {
				if errs.KindOf(err) != errs.Invalid {
					t.Fatalf("= %+v, %v; want invalid_request", got, err)
				}
				return
			}
			if err != nil || got.Role != tc.in.Role {
				t.Fatalf("= %+v, %v", got, err)
			}
			if diff := cmp.Diff(tc.perms, got.Permissions); diff != "" {
				t.Fatalf("permissions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCursor(t *testing.T) {
	c := store.MemberCursor{SortKey: "kim 민수 \"x\"", AccountID: domain.NewID()}
	got, err := decodeCursor(encodeCursor(c))
	if err != nil || got == nil || *got != c {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	if got, err := decodeCursor(""); got != nil || err != nil {
		t.Fatalf("no token = %+v, %v", got, err)
	}
	for _, bad := range []string{"!", "e30", encodeCursor(store.MemberCursor{SortKey: "a", AccountID: "../x"}), strings.Repeat("A", 2000)} {
		if _, err := decodeCursor(bad); errs.KindOf(err) != errs.Invalid {
			t.Errorf("token %q: %v", bad, err)
		}
	}
}

func TestPageSize(t *testing.T) {
	for in, want := range map[string]int{"": 50, "1": 1, "100": 100, "101": 100, "100000": 100} {
		if got, err := pageSize(in); err != nil || got != want {
			t.Errorf("pageSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "x", "1.0", " 5", "99999999999999999999"} {
		if _, err := pageSize(in); errs.KindOf(err) != errs.Invalid {
			t.Errorf("pageSize(%q): %v", in, err)
		}
	}
}
