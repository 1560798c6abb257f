package workspaces

import (
	"net/http"

	"github.com/workgate/workgate/shared/errs"
)

// Stubs: the F16–F18 handlers replace this file.
func (h *handler) withdraw(w http.ResponseWriter, r *http.Request) error { return errNotBuilt }

var errNotBuilt = errs.E(errs.Internal, "not built")
