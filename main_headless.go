//go:build !desktop

package main

import "errors"

// runDesktop is the desktop shell; this build was made without it (no -tags desktop), so it needs no
// GTK or WebKit and serves headless use: transcribe, models, serve.
func runDesktop(args []string) error {
	return errors.New("this build has no desktop shell (built without -tags desktop); use `hushscribe transcribe`, `hushscribe models` or `hushscribe serve`")
}
