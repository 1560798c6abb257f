package profiles

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/pages"
)

// cardPage is the page a profile link opens in a browser (F12): the
// owner's card, a button that opens the link in the web app (on a phone,
// where there is nothing to scan the QR code with) and the link's QR code,
// to open in the app. Opening it never uses a one-time link up. A link
// that cannot be used, unknown or dead, says so.
func (h *handler) cardPage(w http.ResponseWriter, r *http.Request) error {
	locale := i18n.Negotiate(r.Header.Get("Accept-Language"))
	token := r.PathValue("token")
	sh, err := h.profiles.Open(r.Context(), token)
	if err != nil {
		return pages.Failure(w, locale, err, pages.Dead{Gone: "card.gone"})
	}
	v := sh.Profile()
	var role []string
	for _, f := range []*string{v.Title, v.Position} {
		if f != nil && *f != "" {
			role = append(role, *f)
		}
	}
	return pages.Render(w, http.StatusOK, pages.Page{
		Locale: locale, Name: "card", Title: "card.title",
		Card: &pages.Card{
			DisplayName: v.DisplayName, Department: v.Department, StatusMessage: v.StatusMessage,
			Workspace: sh.Owner.Workspace.Name, Role: strings.Join(role, " · "), Photo: v.PhotoURL,
			QR:   "/v1/profile-links/" + url.PathEscape(token) + "/qr.png",
			Open: strings.TrimSuffix(h.appURL, "/") + "/links/" + url.PathEscape(token),
		},
	})
}
