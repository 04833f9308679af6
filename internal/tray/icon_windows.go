package tray

import "encoding/binary"

// platformIcon returns the icon in the format fyne.io/systray wants on Windows: an .ico file,
// here one holding a single PNG image (supported since Windows Vista).
func platformIcon(kind iconKind) []byte {
	const size = 32
	img := iconPNG(kind, size)
	ico := make([]byte, 6+16, 6+16+len(img))
	binary.LittleEndian.PutUint16(ico[2:], 1) // type: icon
	binary.LittleEndian.PutUint16(ico[4:], 1) // one image
	ico[6], ico[7] = size, size
	binary.LittleEndian.PutUint16(ico[10:], 1)  // planes
	binary.LittleEndian.PutUint16(ico[12:], 32) // bits per pixel
	binary.LittleEndian.PutUint32(ico[14:], uint32(len(img)))
	binary.LittleEndian.PutUint32(ico[18:], 6+16)
	return append(ico, img...)
}
