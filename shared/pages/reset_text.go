package pages

import "github.com/workgate/workgate/shared/i18n"

// resetText holds the strings of the password reset page (F8).
//
//nolint:gosec // G101: page strings about passwords, not credentials.
var resetText = map[i18n.Locale]map[string]string{
	i18n.Korean: {
		"reset.title":        "비밀번호 재설정",
		"reset.message":      "새 비밀번호를 입력해 주세요. 비밀번호를 바꾸면 모든 기기에서 로그아웃됩니다.",
		"reset.password":     "새 비밀번호 (8자 이상)",
		"reset.button":       "비밀번호 변경하기",
		"reset.weak":         "이 비밀번호는 사용할 수 없습니다. 8자 이상 128자 이하로, 흔히 쓰이지 않는 비밀번호를 입력해 주세요.",
		"reset.done.title":   "비밀번호 변경 완료",
		"reset.done.message": "비밀번호가 변경되었고 모든 기기에서 로그아웃되었습니다. workgate 앱에서 새 비밀번호로 다시 로그인해 주세요.",
		"reset.gone":         "이 링크는 만료되었거나 이미 사용되었거나, 더 최근에 요청한 링크로 대체되었습니다. workgate 앱에서 비밀번호 재설정을 다시 요청해 주세요.",
	},
	i18n.English: {
		"reset.title":        "Reset your password",
		"reset.message":      "Choose a new password. Changing it logs you out on every device.",
		"reset.password":     "New password (at least 8 characters)",
		"reset.button":       "Change my password",
		"reset.weak":         "This password can't be used. Choose one of 8 to 128 characters that is not a common password.",
		"reset.done.title":   "Password changed",
		"reset.done.message": "Your password has been changed and you have been logged out on every device. Log in again in the workgate app with your new password.",
		"reset.gone":         "This link has expired, has already been used, or was replaced by a newer one. Please request a new password reset in the workgate app.",
	},
}
