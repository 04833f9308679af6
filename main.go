// Command hushscribe is a privacy-first speech-to-text application.
//
// Without a subcommand it starts the desktop app (in builds made with -tags desktop); the headless
// subcommands (transcribe, models, serve) work in every build. main only wires the process to the cli
// package and maps its result to an exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hushscribe/hushscribe/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.Env{
		Stdin:   os.Stdin,
		Stdout:  os.Stdout,
		Stderr:  os.Stderr,
		Getenv:  os.Getenv,
		Desktop: runDesktop,
	})
	stop()
	os.Exit(code)
}
