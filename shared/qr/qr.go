// Package qr draws QR codes of the product's links (profile links, F12;
// invite links, F2) and serves them as PNG images.
package qr

import (
	"fmt"
	"net/http"

	qrcode "github.com/skip2/go-qrcode"
)

// size is the side of a QR code image, in pixels: large enough to print
// on a business card or scan from a screen.
const size = 320

// PNG returns a PNG image of a QR code that holds url, with medium error
// correction (15% of the code may be damaged).
func PNG(url string) ([]byte, error) {
	png, err := qrcode.Encode(url, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("qr.PNG: %w", err)
	}
	return png, nil
}

// Write answers a request with the QR code of url as image/png. The image
// holds a secret link, so it is neither cached nor sent on as a referrer.
func Write(w http.ResponseWriter, url string) error {
	png, err := PNG(url)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(png) //nolint:gosec // G705: a PNG we drew, served as image/png with nosniff
	return err
}
