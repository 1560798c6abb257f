package push

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/i18n"
)

func TestCompose(t *testing.T) {
	msg := &domain.Notification{ID: "message-m1", Kind: domain.NotifyMessage, Message: &domain.MessageNote{
		RoomID: "r1", MessageID: "m1", Seq: 1765000000123456, SenderID: "s1", SenderName: "김민수", Text: "회의는 3시",
	}}
	approval := &domain.Notification{ID: "device_approval-a1", Kind: domain.NotifyDeviceApproval, Approval: &domain.ApprovalNote{
		ApprovalID: "a1", AccountName: "Kim", Device: domain.Device{Name: "Kim's phone", Platform: "ios"},
	}}
	added := &domain.Notification{ID: "external_member_added-x1", Kind: domain.NotifyExternalMemberAdded, Added: &domain.AddedNote{
		Profile: domain.VisibleProfile{MemberID: "p1", DisplayName: "Park (Beta)", Name: "Park"},
	}}
	cases := []struct {
		name   string
		n      *domain.Notification
		locale i18n.Locale
		want   Message
	}{
		{"a message, whatever the language", msg, i18n.English, Message{Title: "김민수", Body: "회의는 3시", Data: map[string]string{
			"kind": "message", "notificationId": "message-m1", "roomId": "r1", "seq": "1765000000123456",
		}}},
		{"an approval in Korean", approval, i18n.Korean, Message{Title: "새 기기 로그인 승인 요청", Body: "Kim님의 Kim's phone", Data: map[string]string{
			"kind": "device_approval", "notificationId": "device_approval-a1",
		}}},
		{"an approval in English", approval, i18n.English, Message{Title: "New device sign-in", Body: "Kim on Kim's phone", Data: map[string]string{
			"kind": "device_approval", "notificationId": "device_approval-a1",
		}}},
		{"an addition in Korean", added, i18n.Korean, Message{Title: "외부 멤버 추가", Body: "Park (Beta)님이 회원님을 외부 멤버로 추가했습니다", Data: map[string]string{
			"kind": "external_member_added", "notificationId": "external_member_added-x1",
		}}},
		{"an addition in English", added, i18n.English, Message{Title: "Added as an external member", Body: "Park (Beta) added you as an external member", Data: map[string]string{
			"kind": "external_member_added", "notificationId": "external_member_added-x1",
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := compose(tc.n, tc.locale)
			if !ok {
				t.Fatal("not pushed")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, ok := compose(&domain.Notification{ID: "x", Kind: "other"}, i18n.Korean); ok {
		t.Error("a notification of another kind is pushed")
	}
	for _, l := range i18n.Locales() {
		for key := range text[i18n.Default] {
			if text[l][key] == "" {
				t.Errorf("%s has no %s", l, key)
			}
		}
	}
}

func TestPushable(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	active := &domain.Member{Status: domain.MemberActive}
	muted := &domain.Member{Status: domain.MemberActive, MutedUntil: now.Add(time.Minute)}
	mutedBefore := &domain.Member{Status: domain.MemberActive, MutedUntil: now}
	deleted := &domain.Member{Status: domain.MemberDeleted}
	msg := &domain.Notification{Kind: domain.NotifyMessage, Message: &domain.MessageNote{}}
	approval := &domain.Notification{Kind: domain.NotifyDeviceApproval, Approval: &domain.ApprovalNote{}, ExpiresAt: now.Add(time.Minute)}
	expired := &domain.Notification{Kind: domain.NotifyDeviceApproval, Approval: &domain.ApprovalNote{}, ExpiresAt: now}
	added := &domain.Notification{Kind: domain.NotifyExternalMemberAdded, Added: &domain.AddedNote{}}
	cases := []struct {
		name string
		n    *domain.Notification
		m    *domain.Member
		want bool
	}{
		{"a message", msg, active, true},
		{"a message while muted", msg, muted, false},
		{"a message when the mute ended", msg, mutedBefore, true},
		{"an approval while muted (messages only)", approval, muted, true},
		{"an expired approval", expired, active, false},
		{"an addition", added, active, true},
		{"to a deleted member", added, deleted, false},
		{"to no member", msg, nil, false},
		{"another kind", &domain.Notification{Kind: "other"}, active, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := pushable(tc.n, tc.m, now); got != tc.want {
				t.Errorf("pushable = %v, want %v", got, tc.want)
			}
		})
	}
}
