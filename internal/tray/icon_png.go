//go:build !windows

package tray

// platformIcon returns the icon in the format fyne.io/systray wants here: PNG.
func platformIcon(kind iconKind) []byte { return iconPNG(kind, 32) }
