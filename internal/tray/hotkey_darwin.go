package tray

import "golang.design/x/hotkey"

const (
	modAlt   = hotkey.ModOption
	modSuper = hotkey.ModCmd
)
