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
		"reset.gone":         "이 링크는 만료되었거나 더 최근에 요청한 링크로 대체되었습니다. 가장 최근에 받은 메일의 링크를 열거나, workgate 로그인 화면의 [비밀번호를 잊어버렸어요]에서 다시 요청해 주세요.",
		"reset.used.title":   "이미 사용한 링크",
		"reset.used":         "이 링크로 이미 비밀번호를 변경했습니다. 새 비밀번호로 로그인해 주세요. 직접 변경하지 않았다면 workgate 로그인 화면의 [비밀번호를 잊어버렸어요]에서 바로 다시 재설정해 주세요.",
	},
	i18n.English: {
		"reset.title":        "Reset your password",
		"reset.message":      "Choose a new password. Changing it logs you out on every device.",
		"reset.password":     "New password (at least 8 characters)",
		"reset.button":       "Change my password",
		"reset.weak":         "This password can't be used. Choose one of 8 to 128 characters that is not a common password.",
		"reset.done.title":   "Password changed",
		"reset.done.message": "Your password has been changed and you have been logged out on every device. Log in again in the workgate app with your new password.",
		"reset.gone":         "This link has expired or was replaced by a newer one. Open the link of the newest reset e-mail, or request a new one: choose “I forgot my password” on the workgate login screen.",
		"reset.used.title":   "This link was used",
		"reset.used":         "Your password was already changed with this link. Log in with the new password. If you did not change it, reset it again at once: choose “I forgot my password” on the workgate login screen.",
	},
}
