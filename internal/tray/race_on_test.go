//go:build race

package tray_test

const raceDetector = true
