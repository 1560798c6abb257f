// Package qr draws QR codes of the product's links (profile links, F12;
// invite links, F2) and serves them as PNG images.
package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"

	qrcode "github.com/skip2/go-qrcode"
)

// size is the side of a QR code image, in pixels: large enough to print
// on a business card or scan from a screen.
const size = 320

var (
	light = image.NewUniform(color.White)
	dark  = image.NewUniform(color.Black)
)

// PNG returns a PNG image of a QR code that holds url, with medium error
// correction (15% of the code may be damaged). Every module is the same
// whole number of pixels, centred in the image with its quiet zone and
// what is left over as margin: a module of 6 or 7 pixels by turns (the
// encoder's own scaling) made 1 in 100 of our links unreadable to a
// ZXing reader.
func PNG(url string) ([]byte, error) {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("qr.PNG: %w", err)
	}
	bitmap := q.Bitmap() // the symbol with its quiet zone
	module := size / len(bitmap)
	if module == 0 {
		return nil, fmt.Errorf("qr.PNG: %d characters do not fit %d pixels", len(url), size)
	}
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	draw.Draw(img, img.Bounds(), light, image.Point{}, draw.Src)
	margin := (size - module*len(bitmap)) / 2
	for y, row := range bitmap {
		for x, set := range row {
			if set {
				at := image.Pt(margin+x*module, margin+y*module)
				draw.Draw(img, image.Rectangle{Min: at, Max: at.Add(image.Pt(module, module))}, dark, image.Point{}, draw.Src)
			}
		}
	}
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img); err != nil {
		return nil, fmt.Errorf("qr.PNG: %w", err)
	}
	return b.Bytes(), nil
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
