package signup

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestInvalidFields: the sign-up form marks exactly the fields that
// AcceptInvite refuses.
func TestInvalidFields(t *testing.T) {
	const good = "correct horse battery"
	cases := []struct {
		name string
		in   InviteSignUp
		want []string
	}{
		{"all right", InviteSignUp{Name: "Choi Yuna", Email: "Choi@Example.com", Password: good}, nil},
		{"blank name", InviteSignUp{Name: "   ", Email: "choi@example.com", Password: good}, []string{"name"}},
		{"address without a dot", InviteSignUp{Name: "Choi", Email: "choi@example", Password: good}, []string{"email"}},
		{"common password", InviteSignUp{Name: "Choi", Email: "choi@example.com", Password: "password123"}, []string{"password"}},
		{"all wrong", InviteSignUp{}, []string{"name", "email", "password"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.in.InvalidFields()); diff != "" {
				t.Errorf("invalid fields (-want +got):\n%s", diff)
			}
		})
	}
}
