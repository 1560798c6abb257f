package pages

import "github.com/workgate/workgate/shared/i18n"

// resetText holds the strings of the password reset page (F8).
var resetText = map[i18n.Locale]map[string]string{
	i18n.Korean:  {},
	i18n.English: {},
}
