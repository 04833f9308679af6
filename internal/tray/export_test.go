package tray

// Icons returns the generated icons as PNG, for tests.
func Icons() [][]byte {
	return [][]byte{iconPNG(iconIdle, 32), iconPNG(iconRecording, 32), iconPNG(iconBusy, 32)}
}
