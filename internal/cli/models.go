package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hushscribe/hushscribe/internal/modelmgr"
	"github.com/hushscribe/hushscribe/models"
)

// manager opens the models folder. withNetwork gives it an HTTP client; every other command gets none,
// so nothing but an explicit `models download` can reach the network.
// installedModel returns the path of the installed catalogue model name, or "". It only looks:
// opening the model manager creates its folder, and a transcription must not write to disk
// (internal/cli TestNoAudioTouchesDisk, TestServeUploadsNeverTouchDisk).
func installedModel(env Env, modelsDir, name string) string {
	if modelsDir == "" {
		d, err := dirs(env)
		if err != nil {
			return ""
		}
		modelsDir = d.Models
	}
	if st, err := os.Stat(modelsDir); err != nil || !st.IsDir() {
		return ""
	}
	m, err := manager(env, modelsDir, "", false)
	if err != nil {
		return ""
	}
	p, _ := m.Path(name)
	return p
}

func manager(env Env, dir, mirror string, withNetwork bool) (*modelmgr.Manager, error) {
	if dir == "" {
		d, err := dirs(env)
		if err != nil {
			return nil, err
		}
		dir = d.Models
	}
	if mirror == "" {
		mirror = env.Getenv("HUSHSCRIBE_MODEL_MIRROR")
	}
	cfg := modelmgr.Config{Dir: dir, BaseURL: mirror}
	if withNetwork {
		cfg.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   30 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
		}}
	}
	m, err := modelmgr.New(cfg)
	if err != nil {
		return nil, withCode(ExitInternal, fmt.Errorf("open models folder: %w", err))
	}
	return m, nil
}

// resolveModel turns -model into a file path and a display name. A path to an existing file is used as
// it is, without touching the models folder.
func resolveModel(env Env, flagValue, modelsDir string) (path, name string, err error) {
	if flagValue != "" {
		if st, err := os.Stat(flagValue); err == nil && !st.IsDir() {
			return flagValue, filepath.Base(flagValue), nil
		}
	}
	m, err := manager(env, modelsDir, "", false)
	if err != nil {
		return "", "", err
	}
	p, err := m.Resolve(flagValue)
	switch {
	case err == nil:
		name = flagValue
		if name == "" {
			name, _ = m.Default()
		}
		return p, name, nil
	case errors.Is(err, modelmgr.ErrNoDefault):
		return "", "", withCode(ExitNoModel, errors.New("no model given and no default model: download one with `hushscribe models download base.en` or import a file with `hushscribe models import FILE`"))
	case errors.Is(err, modelmgr.ErrNotInstalled), errors.Is(err, modelmgr.ErrUnknownModel), errors.Is(err, os.ErrNotExist):
		return "", "", withCode(ExitNoModel, fmt.Errorf("model %q is not installed: run `hushscribe models download %s` (or `hushscribe models import FILE %s` on an offline machine): %w", flagValue, flagValue, flagValue, err))
	default:
		return "", "", withCode(ExitNoModel, fmt.Errorf("model %q: %w", flagValue, err))
	}
}

func runModels(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("models", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	dir := fs.String("models-dir", "", "models folder (default: <data>/models)")
	mirror := fs.String("mirror", "", "download from this base URL instead of the official host (also $HUSHSCRIBE_MODEL_MIRROR)")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, "Usage: hushscribe models [flags] list | catalog | download NAME | import FILE [NAME] | delete NAME | default [NAME] | verify NAME\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return withCode(ExitUsage, err)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		rest = []string{"list"}
	}
	sub, rest := rest[0], rest[1:]
	need := func(n int) error {
		if len(rest) < n {
			fs.Usage()
			return usageErr("models %s: missing argument", sub)
		}
		return nil
	}
	m, err := manager(env, *dir, *mirror, sub == "download")
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return modelsList(env.Stdout, m)
	case "catalog":
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSIZE\tMULTILINGUAL\tDESCRIPTION")
		for _, e := range m.Catalog() {
			if !e.IsWhisper() {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\n", e.Name, humanBytes(e.Size), e.Multilingual, e.Description)
		}
		fmt.Fprintln(tw, "\nNAME\tSIZE\tKIND\tDESCRIPTION (ONNX models for voice activity detection and speaker diarization)")
		for _, e := range m.Catalog() {
			if e.IsWhisper() {
				continue
			}
			installed := ""
			if _, err := m.Path(e.Name); err == nil {
				installed = " [installed]"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", e.Name, humanBytes(e.Size), e.Kind, e.Description, installed)
		}
		return tw.Flush()
	case "download":
		if err := need(1); err != nil {
			return err
		}
		bar := isTerminal(env.Stderr)
		start := time.Now()
		p, err := m.Download(ctx, rest[0], func(done, total int64) {
			if bar && total > 0 {
				rate := float64(done) / max(time.Since(start).Seconds(), 0.001)
				fmt.Fprintf(env.Stderr, "\rdownloading %s: %5.1f%% of %s (%s/s)   ", rest[0], 100*float64(done)/float64(total), humanBytes(total), humanBytes(int64(rate)))
			}
		})
		if bar {
			fmt.Fprintln(env.Stderr)
		}
		if err != nil {
			if errors.Is(err, modelmgr.ErrUnknownModel) {
				return withCode(ExitUsage, fmt.Errorf("%w (see `hushscribe models catalog`)", err))
			}
			return withCode(ExitNoModel, fmt.Errorf("download %s: %w", rest[0], err))
		}
		fmt.Fprintf(env.Stdout, "installed %s (checksum verified)\n", p)
		return setDefaultIfNone(env, m, rest[0])
	case "import":
		if err := need(1); err != nil {
			return err
		}
		name := ""
		if len(rest) > 1 {
			name = rest[1]
		}
		res, err := m.Import(ctx, rest[0], name)
		if err != nil {
			return withCode(ExitNoModel, fmt.Errorf("import %s: %w", rest[0], err))
		}
		if res.Verified {
			fmt.Fprintf(env.Stdout, "imported %s as %s (checksum verified)\n", rest[0], res.Name)
		} else {
			fmt.Fprintf(env.Stdout, "imported %s as %s\n", rest[0], res.Name)
			fmt.Fprintf(env.Stderr, "warning: %s\n", res.Warning)
		}
		return setDefaultIfNone(env, m, res.Name)
	case "delete":
		if err := need(1); err != nil {
			return err
		}
		if err := m.Delete(rest[0]); err != nil {
			return withCode(ExitNoModel, fmt.Errorf("delete %s: %w", rest[0], err))
		}
		fmt.Fprintf(env.Stdout, "deleted %s\n", rest[0])
		return nil
	case "default":
		if len(rest) == 0 {
			d, err := m.Default()
			if err != nil {
				return withCode(ExitNoModel, err)
			}
			fmt.Fprintln(env.Stdout, d)
			return nil
		}
		if err := m.SetDefault(rest[0]); err != nil {
			return withCode(ExitNoModel, fmt.Errorf("set default %s: %w", rest[0], err))
		}
		fmt.Fprintf(env.Stdout, "default model: %s\n", rest[0])
		return nil
	case "verify":
		if err := need(1); err != nil {
			return err
		}
		if err := m.Verify(ctx, rest[0]); err != nil {
			return withCode(ExitNoModel, fmt.Errorf("verify %s: %w", rest[0], err))
		}
		fmt.Fprintf(env.Stdout, "%s: checksum ok\n", rest[0])
		return nil
	default:
		fs.Usage()
		return usageErr("models: unknown subcommand %q", sub)
	}
}

func setDefaultIfNone(env Env, m *modelmgr.Manager, name string) error {
	if e, ok := models.Lookup(m.Catalog(), name); ok && !e.IsWhisper() {
		return nil // voice activity detection and diarization models are never the default
	}
	if _, err := m.Default(); errors.Is(err, modelmgr.ErrNoDefault) {
		if err := m.SetDefault(name); err != nil {
			return withCode(ExitInternal, err)
		}
		fmt.Fprintf(env.Stdout, "default model: %s\n", name)
	}
	return nil
}

func modelsList(w io.Writer, m *modelmgr.Manager) error {
	list, err := m.List()
	if err != nil {
		return withCode(ExitInternal, err)
	}
	if len(list) == 0 {
		fmt.Fprintln(w, "no models installed; `hushscribe models catalog` lists what `hushscribe models download NAME` can fetch")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSIZE\tSTATUS\tPATH")
	for _, x := range list {
		var st []string
		if x.Default {
			st = append(st, "default")
		}
		switch {
		case x.SizeMismatch:
			st = append(st, "DAMAGED (size differs from catalogue)")
		case x.Known:
			st = append(st, "catalogue")
		default:
			st = append(st, "imported, unverified")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.Name, humanBytes(x.Size), strings.Join(st, ", "), x.Path)
	}
	return tw.Flush()
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for x := n / unit; x >= unit; x /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
