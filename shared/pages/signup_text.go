package pages

import "github.com/workgate/workgate/shared/i18n"

// signupText holds the strings of the invite-link and set-password pages
// (F2, F3).
var signupText = map[i18n.Locale]map[string]string{
	i18n.Korean:  {},
	i18n.English: {},
}
