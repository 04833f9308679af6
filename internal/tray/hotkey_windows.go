package tray

import "golang.design/x/hotkey"

const (
	modAlt   = hotkey.ModAlt
	modSuper = hotkey.ModWin
)
