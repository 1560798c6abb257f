package domain

import (
	"strings"
	"testing"

	"github.com/workgate/workgate/shared/errs"
)

func TestCheckPushToken(t *testing.T) {
	cases := []struct {
		name, provider, token string
		ok                    bool
	}{
		{"an FCM token", "fcm", "dGVzdA:APA91bH-token_1", true},
		{"the longest", "fcm", strings.Repeat("a", MaxPushToken), true},
		{"one byte too long", "fcm", strings.Repeat("a", MaxPushToken+1), false},
		{"empty", "fcm", "", false},
		{"a newline", "fcm", "tok\nen", false},
		{"a DEL", "fcm", "tok\x7fen", false},
		{"a space", "fcm", "tok en", false},
		{"not UTF-8", "fcm", "tok\xffen", false},
		{"APNs", "apns", "token", false},
		{"no provider", "", "token", false},
		{"FCM in capitals", "FCM", "token", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPushToken(tc.provider, tc.token)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckPushToken = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errs.Is(err, errs.Invalid) {
				t.Errorf("CheckPushToken = %v, want invalid_request", err)
			}
		})
	}
}
