package qr

import (
	"bytes"
	"image"
	"image/png"
	"net/http/httptest"
	"strings"
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

// TestWholeModules: every module of a code is the same whole number of
// pixels, which a ZXing reader's pure-barcode mode requires (it read none
// of 3,000 profile links when the encoder scaled modules to 6 or 7 pixels
// by turns, and every one since), for links of every length we make.
func TestWholeModules(t *testing.T) {
	for n := range 60 {
		url := "https://workgate.example/p/" + strings.Repeat("x", 2*n)
		png, err := PNG(url)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(bytes.NewReader(png))
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, img); got != url {
			t.Fatalf("QR code holds %q, want %q", got, url)
		}
	}
}

// decode reads the text of a QR code image as a pure barcode: modules of
// one whole size, in a quiet zone.
func decode(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	pure := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, pure)
	if err != nil {
		t.Fatalf("no QR code in the image: %v", err)
	}
	return res.GetText()
}
