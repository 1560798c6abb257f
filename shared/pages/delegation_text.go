package pages

import (
	"fmt"

	"github.com/workgate/workgate/shared/i18n"
)

// DelegationOffer is the sentence the delegation page shows under its
// message: who offers the super admin role of which workspace (user data,
// escaped when rendered as a Detail).
func DelegationOffer(l i18n.Locale, fromName, workspaceName string) string {
	return fmt.Sprintf(text(l, "delegation.offer"), fromName, workspaceName)
}

// delegationText holds the strings of the super admin delegation page
// (F16).
//
//nolint:gosec // G101: page strings about passwords, not credentials.
var delegationText = map[i18n.Locale]map[string]string{
	i18n.Korean: {
		"delegation.title":        "슈퍼 관리자 위임",
		"delegation.message":      "수락하면 이 워크스페이스의 모든 권한을 가진 슈퍼 관리자가 되고, 위임한 분은 관리자가 됩니다. 본인의 workgate 비밀번호로 확인해 주세요.",
		"delegation.offer":        "%s 님이 워크스페이스 「%s」의 슈퍼 관리자 권한을 위임하려고 합니다.",
		"delegation.password":     "내 비밀번호",
		"delegation.button":       "슈퍼 관리자 권한 수락하기",
		"delegation.wrong":        "비밀번호가 올바르지 않습니다. 다시 입력해 주세요. 여러 번 틀리면 로그인이 잠깁니다.",
		"delegation.invalid":      "비밀번호를 입력해 주세요.",
		"delegation.locked":       "비밀번호를 여러 번 틀려 잠시 잠겼습니다. 잠시 후 다시 시도하거나 비밀번호를 재설정해 주세요.",
		"delegation.done.title":   "슈퍼 관리자가 되었습니다",
		"delegation.done.message": "이제 이 워크스페이스의 슈퍼 관리자입니다. 이전 복구 키는 더 이상 사용할 수 없으니 workgate 앱에서 새 복구 키를 만들어 주세요.",
		"delegation.gone":         "이 링크는 만료되었거나 이미 사용되었거나, 더 최근의 위임 요청으로 대체되었습니다. 필요하면 슈퍼 관리자에게 다시 요청해 주세요.",
		"delegation.locked.title": "잠시 잠겼습니다",
		"delegation.used.title":   "이미 수락한 위임",
		"delegation.used":         "이 링크로 슈퍼 관리자 권한 위임을 이미 수락했습니다. workgate에 로그인해 워크스페이스를 관리해 주세요.",
	},
	i18n.English: {
		"delegation.title":        "Become super admin",
		"delegation.message":      "If you accept, you become the super admin of this workspace, with every permission, and the member who offered it becomes an admin. Confirm with your own workgate password.",
		"delegation.offer":        "%s offers you the super admin role of the workspace “%s”.",
		"delegation.password":     "Your password",
		"delegation.button":       "Accept the super admin role",
		"delegation.wrong":        "The password is not right. Please enter it again; too many wrong passwords lock your login.",
		"delegation.invalid":      "Please enter your password.",
		"delegation.locked":       "Too many wrong passwords: this is locked for a while. Try again later, or reset your password.",
		"delegation.done.title":   "You are the super admin",
		"delegation.done.message": "You are now the super admin of this workspace. The old recovery key no longer works: make a new one in the workgate app.",
		"delegation.gone":         "This link has expired, has already been used, or was replaced by a newer delegation. Ask the super admin again if you still need it.",
		"delegation.locked.title": "Locked for a while",
		"delegation.used.title":   "Already accepted",
		"delegation.used":         "This offer of the super admin role was already accepted with this link. Log in to workgate to manage the workspace.",
	},
}
