package qr

import (
	"bytes"
	"image"
	"image/png"
	"net/http/httptest"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// TestWrite: the answer is a PNG of the asked size whose QR code reads back
// as the URL, with the headers that keep a secret link out of caches and
// referrers.
func TestWrite(t *testing.T) {
	cases := []struct{ name, url string }{
		{"invite link", "http://127.0.0.1:8080/invite/0123456789abcdef0123456789abcdef.s3cr-t_x"},
		{"profile link", "https://workgate.example/p/abc"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := Write(w, tc.url); err != nil {
				t.Fatal(err)
			}
			for k, want := range map[string]string{
				"Content-Type": "image/png", "Cache-Control": "no-store",
				"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
			} {
				if got := w.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			img, err := png.Decode(bytes.NewReader(w.Body.Bytes()))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
				t.Errorf("image %dx%d, want %dx%d", b.Dx(), b.Dy(), size, size)
			}
			if got := decode(t, img); got != tc.url {
				t.Errorf("QR code holds %q, want %q", got, tc.url)
			}
		})
	}
}

// decode reads the text of a QR code image.
func decode(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code in the image: %v", err)
	}
	return res.GetText()
}
