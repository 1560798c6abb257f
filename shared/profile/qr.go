package profile

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// qrSize is the side of a QR code image, in pixels: large enough to print
// on a business card or scan from a screen.
const qrSize = 320

// QRCode returns a PNG image of a QR code that holds url, with medium
// error correction (15% of the code may be damaged).
func QRCode(url string) ([]byte, error) {
	png, err := qrcode.Encode(url, qrcode.Medium, qrSize)
	if err != nil {
		return nil, fmt.Errorf("profile.QRCode: %w", err)
	}
	return png, nil
}
