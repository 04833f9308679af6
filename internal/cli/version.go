package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/hushscribe/hushscribe/internal/engine"
)

// VersionInfo is what `hushscribe version` reports (and the desktop app's About box shows).
type VersionInfo struct {
	Version  string   `json:"version"`
	Commit   string   `json:"commit,omitempty"`
	Modified bool     `json:"modified,omitempty"` // built from a checkout with uncommitted changes
	Whisper  string   `json:"whisper_cpp"`
	Backends []string `json:"backends"` // compute backends this build found (e.g. "CPU", "Vulkan")
	Go       string   `json:"go"`
	Platform string   `json:"platform"`
}

// BuildVersion describes this binary.
func BuildVersion(ctx context.Context, env Env) VersionInfo {
	v := VersionInfo{Version: Version, Commit: Commit, Whisper: engine.WhisperVersion(), Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, Backends: versionBackends(ctx, env)}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.Commit == "" {
					v.Commit = s.Value
				}
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	return v
}

func (v VersionInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hushscribe %s\n", v.Version)
	commit := v.Commit
	if commit == "" {
		commit = "unknown"
	}
	if v.Modified {
		commit += " (modified)"
	}
	fmt.Fprintf(&b, "commit:      %s\n", commit)
	fmt.Fprintf(&b, "whisper.cpp: %s\n", v.Whisper)
	if len(v.Backends) == 0 {
		fmt.Fprintf(&b, "backends:    none found\n")
	}
	for i, be := range v.Backends {
		label := "backends:   "
		if i > 0 {
			label = "            "
		}
		fmt.Fprintf(&b, "%s %s\n", label, be)
	}
	fmt.Fprintf(&b, "built with:  %s %s\n", v.Go, v.Platform)
	return b.String()
}

func runVersion(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return usageErr("version: %v", err)
	}
	v := BuildVersion(ctx, env)
	if *asJSON {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "%s\n", b)
		return nil
	}
	fmt.Fprint(env.Stdout, v.String())
	return nil
}
