// Package qrpng draws text as a QR code PNG, the QRCodePNG that IAM returns
// for a new virtual MFA device and the console shows for enrolment.
package qrpng

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/qr"
)

// DefaultSize is the width and height in pixels used when Encode is given
// no size.
const DefaultSize = 256

// QuietZone is the white border around the code, in modules, that the QR
// specification asks for and that scanners need to find the code; the
// encoder draws none.
const QuietZone = 4

// Encode returns a PNG of size×size pixels (DefaultSize if size <= 0) of a QR
// code for text, with error correction level M, the most compact encoding
// mode for text and a QuietZone border. Each module is a whole number of
// pixels, so the code is centred and any pixels left over widen the border.
// It fails for empty text, text too long for a QR code, or a size smaller
// than one pixel per module.
func Encode(text string, size int) ([]byte, error) {
	if text == "" {
		return nil, errors.New("qrpng: empty text")
	}
	if size <= 0 {
		size = DefaultSize
	}
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("qrpng: encoding %d bytes: %w", len(text), err)
	}
	b := code.Bounds()
	dim := b.Dx()
	modules := dim + 2*QuietZone
	scale := size / modules
	if scale < 1 {
		return nil, fmt.Errorf("qrpng: size %d is smaller than the %d modules of the code", size, modules)
	}
	origin := (size-scale*modules)/2 + QuietZone*scale

	// Two colours give a 1-bit PNG; index 0, white, is the background.
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y := range dim {
		for x := range dim {
			if g := color.GrayModel.Convert(code.At(b.Min.X+x, b.Min.Y+y)).(color.Gray); g.Y >= 0x80 {
				continue // light module
			}
			px, py := origin+x*scale, origin+y*scale
			for yy := py; yy < py+scale; yy++ {
				row := img.Pix[yy*img.Stride:]
				for xx := px; xx < px+scale; xx++ {
					row[xx] = 1
				}
			}
		}
	}

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qrpng: %w", err)
	}
	return buf.Bytes(), nil
}
