package profiles

import (
	"testing"

	"github.com/workgate/workgate/shared/web/webtest"
)

// FuzzDecodeEditProfileRequest fuzzes a profile's partial update, whose
// fields tell absent from null, into its request type.
func FuzzDecodeEditProfileRequest(f *testing.F) {
	webtest.FuzzDecode[editProfileRequest](f, false,
		`{"nickname":"워키","title":null,"mobile":"010-1234-5678","birthday":"1990-02-03","photoUrl":"https://example.com/me.png"}`,
		`{"statusMessage":""}`, `{"landline":null,"workLocation":"Seoul"}`, `{"nickname":1}`, `{"department":"x"}`,
		`{"nickname":"a","nickname":null}`,
	)
}
