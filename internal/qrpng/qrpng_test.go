package qrpng

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/boombuler/barcode/qr"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// awsURI has the shape of the URI behind an AWS QRCodePNG: a 40-byte secret
// is 64 base32 characters.
const awsURI = "otpauth://totp/Amazon%20Web%20Services:alice-phone@123456789012?secret=" +
	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Amazon%20Web%20Services"

// awsModules is the width of awsURI's code with its quiet zone: version 9
// (53 modules) plus 4 on each side.
const awsModules = 53 + 2*QuietZone

func TestEncodeDecodes(t *testing.T) {
	if n := len("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"); n != 64 {
		t.Fatalf("test secret has %d characters, want 64", n)
	}
	code, err := qr.Encode(awsURI, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	if got := code.Bounds().Dx() + 2*QuietZone; got != awsModules {
		t.Fatalf("qr.Encode(awsURI) has %d modules with quiet zone, want %d", got, awsModules)
	}
	tests := []struct {
		name     string
		text     string
		size     int
		wantSize int
	}{
		{"AWS URI default size", awsURI, 0, DefaultSize},
		{"AWS URI negative size", awsURI, -1, DefaultSize},
		{"AWS URI 512", awsURI, 512, 512},
		{"AWS URI one pixel per module", awsURI, awsModules, awsModules},
		{"short text", "hello", 0, DefaultSize},
		{"digits", "0123456789", 100, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Encode(tc.text, tc.size)
			if err != nil {
				t.Fatalf("Encode(%q, %d) error: %v", tc.text, tc.size, err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("png.Decode(Encode(%q, %d)) error: %v", tc.text, tc.size, err)
			}
			if got := img.Bounds(); got != image.Rect(0, 0, tc.wantSize, tc.wantSize) {
				t.Errorf("Encode(%q, %d) bounds = %v, want %dx%d", tc.text, tc.size, got, tc.wantSize, tc.wantSize)
			}
			checkQuietZone(t, tc.text, img)
			if got := decodeQR(t, img); got != tc.text {
				t.Errorf("decode(Encode(%q, %d)) = %q, want %q", tc.text, tc.size, got, tc.text)
			}
		})
	}
}

// decodeQR reads the QR code in img with gozxing.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("NewBinaryBitmapFromImage error: %v", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QRCodeReader.Decode error: %v", err)
	}
	return res.GetText()
}

// checkQuietZone checks that the dark pixels of img span exactly the code's
// modules and leave at least QuietZone white modules on every side.
func checkQuietZone(t *testing.T, text string, img image.Image) {
	t.Helper()
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	dim := code.Bounds().Dx()
	size := img.Bounds().Dx()
	scale := size / (dim + 2*QuietZone)
	minX, minY, maxX, maxY := size, size, -1, -1
	for y := range size {
		for x := range size {
			if color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y >= 0x80 {
				continue
			}
			minX, minY, maxX, maxY = min(minX, x), min(minY, y), max(maxX, x), max(maxY, y)
		}
	}
	if w, h := maxX-minX+1, maxY-minY+1; w != dim*scale || h != dim*scale {
		t.Errorf("dark area of %q is %dx%d pixels, want %dx%d (%d modules of %d px)", text, w, h, dim*scale, dim*scale, dim, scale)
	}
	border := QuietZone * scale
	if minX < border || minY < border || size-1-maxX < border || size-1-maxY < border {
		t.Errorf("quiet zone of %q: dark area (%d,%d)-(%d,%d) in %d px, want a %d px white border", text, minX, minY, maxX, maxY, size, border)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		size int
	}{
		{"empty text", "", 0},
		{"size below one pixel per module", awsURI, awsModules - 1},
		{"too long for a QR code", strings.Repeat("x", 3000), 4096},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := Encode(tc.text, tc.size); err == nil {
				t.Errorf("Encode(%d bytes, %d) = %d bytes, want error", len(tc.text), tc.size, len(got))
			}
		})
	}
}
