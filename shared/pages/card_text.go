package pages

import "github.com/workgate/workgate/shared/i18n"

// cardText holds the strings of the profile card page (F12).
var cardText = map[i18n.Locale]map[string]string{
	i18n.Korean: {
		"card.title":   "프로필",
		"card.message": "workgate 앱에서 이 프로필 링크를 열면 외부 멤버로 추가하고 대화할 수 있습니다.",
		"card.qr":      "이 프로필의 QR 코드",
		"card.open":    "workgate에서 열기",
		"card.gone":    "이 프로필 링크는 사용할 수 없습니다. 만료되었거나 이미 사용되었거나 취소되었거나, 주소가 정확하지 않습니다. 프로필을 공유한 분께 새 링크를 요청해 주세요.",
	},
	i18n.English: {
		"card.title":   "Profile",
		"card.message": "Open this profile link in the workgate app to add this person as an external member and chat.",
		"card.qr":      "QR code of this profile",
		"card.open":    "Open in workgate",
		"card.gone":    "This profile link can't be used: it has expired, has been used or was revoked, or the address is not complete. Ask the person who shared it for a new one.",
	},
}
