package main

import (
	"testing"

	"github.com/workgate/workgate/shared/mail"
)

// TestTemplates: every template's subject, in Korean and English, is
// known, and no two templates share one (the checks tell mails apart by
// their subjects).
func TestTemplates(t *testing.T) {
	t.Parallel()
	n := map[string]int{}
	for _, tmpl := range templates {
		n[tmpl]++
	}
	for _, tmpl := range []string{mail.VerifyEmail, mail.Joined, mail.SetPassword, mail.LoginCode, mail.PasswordReset,
		mail.PasswordChanged, mail.DeviceApproved, mail.Nudge} {
		if n[tmpl] != 2 {
			t.Errorf("template %s: %d subjects known, want 2 (Korean and English)", tmpl, n[tmpl])
		}
	}
}
