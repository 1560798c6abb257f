package push

import (
	"strconv"
	"strings"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/i18n"
)

// text holds the titles and bodies of the pushes, by locale; {name} and
// {device} are filled in. A message's push is the sender's name and the
// message's preview, in no language of ours.
var text = map[i18n.Locale]map[string]string{
	i18n.Korean: {
		"approval.title": "새 기기 로그인 승인 요청",
		"approval.body":  "{name}님의 {device}",
		"added.title":    "외부 멤버 추가",
		"added.body":     "{name}님이 회원님을 외부 멤버로 추가했습니다",
	},
	i18n.English: {
		"approval.title": "New device sign-in",
		"approval.body":  "{name} on {device}",
		"added.title":    "Added as an external member",
		"added.body":     "{name} added you as an external member",
	},
}

// say returns the text of key in locale, its placeholders filled in from
// pairs (placeholder, value, …).
func say(locale i18n.Locale, key string, pairs ...string) string {
	t, ok := text[locale][key]
	if !ok {
		t = text[i18n.Default][key]
	}
	return strings.NewReplacer(pairs...).Replace(t)
}

// compose returns the push of a notification to a device whose app
// speaks locale; false for a notification that is not pushed.
func compose(n *domain.Notification, locale i18n.Locale) (Message, bool) {
	data := map[string]string{"kind": n.Kind, "notificationId": n.ID}
	switch {
	case n.Kind == domain.NotifyMessage && n.Message != nil:
		m := n.Message
		data["roomId"], data["seq"] = m.RoomID, strconv.FormatInt(m.Seq, 10)
		return Message{Title: m.SenderName, Body: m.Text, Data: data}, true
	case n.Kind == domain.NotifyDeviceApproval && n.Approval != nil:
		a := n.Approval
		return Message{
			Title: say(locale, "approval.title"),
			Body:  say(locale, "approval.body", "{name}", a.AccountName, "{device}", a.Device.Name),
			Data:  data,
		}, true
	case n.Kind == domain.NotifyExternalMemberAdded && n.Added != nil:
		name := n.Added.Profile.DisplayName
		if name == "" {
			name = n.Added.Profile.Name
		}
		return Message{Title: say(locale, "added.title"), Body: say(locale, "added.body", "{name}", name), Data: data}, true
	}
	return Message{}, false
}
