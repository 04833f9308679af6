// Package cli implements Hushscribe's command line: the headless subcommands of the one binary whose
// default is the desktop app.
//
//	hushscribe                      start the desktop app (builds with -tags desktop)
//	hushscribe transcribe [flags] FILE...
//	hushscribe models list|download|import|delete|default
//	hushscribe serve [flags]        the self-hosted HTTP API
//	hushscribe devices [--json]     the compute devices
//	hushscribe version
//
// Exit codes distinguish what went wrong, so scripts can react: see the Exit* constants.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hushscribe/hushscribe/internal/paths"
)

// Exit codes.
const (
	ExitOK        = 0   // everything worked
	ExitInternal  = 1   // a bug, an I/O failure, anything not covered below
	ExitUsage     = 2   // bad flags or arguments
	ExitBadInput  = 3   // an input file is missing, unreadable, corrupt or of an unsupported format
	ExitNoModel   = 4   // the model is not installed, not found, or not a valid model file
	ExitCancelled = 130 // interrupted (Ctrl-C / SIGTERM)
)

// Version is the product version, reported by `hushscribe version`.
const Version = "0.1.0"

// Commit is the source commit, set at link time by build/package.sh (-X); without it the Go build
// information supplies it when the binary was built in a git checkout.
var Commit string

// Env is the process environment the commands run in; main passes the real one, tests a fake.
type Env struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Desktop func(args []string) error // starts the desktop app; nil in headless tests
	Devices DeviceLister              // compute devices; nil = devices.System{} (ggml's)

	// observeAudio, when set (by tests only), is shown every file's decoded samples right after
	// decoding, so a test can check that they are zeroed once the file is transcribed.
	observeAudio func(channels [][]float32)
}

// exitError carries an exit code through the error chain.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func usageErr(format string, a ...any) error {
	return withCode(ExitUsage, fmt.Errorf(format, a...))
}

// Run runs one command line and returns the process exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	err := dispatch(ctx, args, env)
	if err == nil {
		return ExitOK
	}
	code := codeOf(ctx, err)
	if code != ExitOK {
		fmt.Fprintf(env.Stderr, "hushscribe: %v\n", err)
	}
	return code
}

func codeOf(ctx context.Context, err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return ExitCancelled
	default:
		return ExitInternal
	}
}

func dispatch(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && !isHelp(args[0]) && !isVersion(args[0]) {
		if env.Desktop == nil {
			return usageErr("no desktop shell in this build; see `hushscribe help`")
		}
		return env.Desktop(args)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "transcribe":
		return runTranscribe(ctx, rest, env)
	case "models":
		return runModels(ctx, rest, env)
	case "serve":
		return runServe(ctx, rest, env)
	case "devices":
		return runDevices(ctx, rest, env)
	case "version", "--version", "-version", "-V":
		return runVersion(ctx, rest, env)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, usage)
		return nil
	default:
		// `hushscribe FILE...` (a file manager's "Open with") opens the desktop app with the files
		// queued.
		if env.Desktop != nil && isFile(cmd) {
			return env.Desktop(args)
		}
		return usageErr("unknown command %q; see `hushscribe help`", cmd)
	}
}

// isFile reports whether p names an existing file (not a folder).
func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func isHelp(s string) bool { return s == "-h" || s == "-help" || s == "--help" }

func isVersion(s string) bool { return s == "--version" || s == "-version" || s == "-V" }

const usage = `Hushscribe — private speech-to-text on your own machine.

Usage:
  hushscribe [FILE...]                    start the desktop app (and transcribe the files)
  hushscribe transcribe [flags] FILE...   transcribe audio/video files (see transcribe -h)
  hushscribe models list                  installed and known models
  hushscribe models download NAME         download a model from the official host (or --mirror URL)
  hushscribe models import FILE [NAME]    add a model file you already have (air-gapped machines)
  hushscribe models delete NAME           remove an installed model
  hushscribe models default [NAME]        show or set the default model
  hushscribe serve [flags]                run the self-hosted HTTP API (see serve -h)
  hushscribe devices [--json]             compute devices (CPU, GPUs) and which one auto picks
  hushscribe version [--json]             version, commit, whisper.cpp version, compute backends

Data lives in $HUSHSCRIBE_HOME (default ~/.local/share/hushscribe). Nothing is sent over the network
except by 'models download' and the opt-in cloud backup.

Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input file, 4 model missing or invalid, 130 interrupted.
`

func dirs(env Env) (paths.Dirs, error) {
	d, err := paths.Resolve(env.Getenv)
	if err != nil {
		return paths.Dirs{}, withCode(ExitInternal, err)
	}
	return d, nil
}
