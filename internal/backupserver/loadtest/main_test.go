package main

import (
	"os"
	"testing"
	"time"
)

// TestMain lets the test binary act as the server child that run starts (os.Executable -serve).
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "-serve" {
		if err := runServer(os.Args[2], false); err != nil {
			os.Exit(1)
		}
		return
	}
	os.Exit(m.Run())
}

func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	if err := run(3, 30, 20*time.Second, 2048, false); err != nil {
		t.Fatal(err)
	}
}
