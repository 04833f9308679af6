package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/server"
)

// modelFlags collects repeated -model NAME=PATH values.
type modelFlags map[string]string

func (m modelFlags) String() string { return fmt.Sprint(map[string]string(m)) }
func (m modelFlags) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("want NAME=PATH, got %q", v)
	}
	m[name] = path
	return nil
}

func runServe(ctx context.Context, args []string, env Env) error {
	if len(args) > 0 && args[0] == "keygen" {
		key, hash := server.GenerateKey()
		fmt.Fprintf(env.Stderr, "API key (give it to the client; it is not stored anywhere): %s\n", key)
		fmt.Fprintf(env.Stdout, "%s\n", hash)
		return nil
	}
	var cfg server.Config
	models := modelFlags{}
	var keysFile, modelsDir string
	var gpu bool
	var device string
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, "Usage: hushscribe serve [flags]\n       hushscribe serve keygen >> keys.txt   (prints a new API key on stderr, its hash on stdout)\n\nAn OpenAI-compatible transcription API on this machine; audio stays in memory; no outbound connections.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", "", "TLS certificate (PEM); with -tls-key the server speaks TLS 1.3 only")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", "", "TLS private key (PEM)")
	fs.StringVar(&keysFile, "keys", "", "file of API key hashes, one `sha256:<hex> [label]` per line (see serve keygen)")
	fs.BoolVar(&cfg.AllowUnauthenticated, "allow-unauthenticated", false, "serve without API keys (only on a trusted network)")
	fs.BoolVar(&cfg.PublicMetrics, "public-metrics", false, "serve /metrics without an API key")
	fs.StringVar(&modelsDir, "models-dir", "", "serve every ggml model file in this folder (default: <data>/models)")
	fs.Var(models, "model", "serve the model file PATH as NAME (NAME=PATH, repeatable)")
	fs.StringVar(&cfg.DefaultModel, "default-model", "", "model used when a request names none (or whisper-1)")
	fs.IntVar(&cfg.Workers, "workers", 1, "transcriptions running at once")
	fs.IntVar(&cfg.QueueSize, "queue", 8, "jobs waiting for a worker before 429")
	fs.Int64Var(&cfg.MaxUploadBytes, "max-upload", 25<<20, "largest accepted upload in bytes (413 above)")
	fs.IntVar(&cfg.MaxUploadsPerKey, "max-uploads-per-key", 0, "uploads one API key may send at once (default: half of workers+queue; 429 above)")
	fs.Int64Var(&cfg.MinUploadRate, "upload-min-rate", 4<<10, "bytes per second an upload must average after -upload-grace (408 below)")
	fs.DurationVar(&cfg.UploadGrace, "upload-grace", 10*time.Second, "time an upload may take before -upload-min-rate applies")
	fs.DurationVar(&cfg.MaxAudioDuration, "max-audio", server.DefaultMaxAudioDuration, "most audio one upload may decode to, checked while decoding (413 above)")
	fs.DurationVar(&cfg.JobRetention, "retention", 15*time.Minute, "how long finished jobs and kept results live")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long running jobs may finish at shutdown")
	fs.StringVar(&cfg.InstanceID, "instance-id", "", "embedded in job IDs so a load balancer can route polls")
	fs.BoolVar(&gpu, "gpu", true, "use a GPU when there is one (-gpu=false: the CPU, same as -device cpu)")
	fs.StringVar(&device, "device", "auto", "compute device: auto (the best GPU, else the CPU), cpu, or a name from `hushscribe devices`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return withCode(ExitUsage, err)
	}
	if fs.NArg() > 0 {
		return usageErr("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := checkDevice("serve", device); err != nil {
		return err
	}
	if !gpu {
		device = engine.DeviceCPUName
	}
	if keysFile != "" {
		h, err := server.LoadKeyHashes(keysFile)
		if err != nil {
			return usageErr("serve: %v", err)
		}
		cfg.APIKeyHashes = h
	}
	if len(models) == 0 {
		if modelsDir == "" {
			d, err := dirs(env)
			if err != nil {
				return err
			}
			modelsDir = d.Models
		}
		found, err := server.ModelsInDir(modelsDir)
		if err != nil {
			return withCode(ExitNoModel, fmt.Errorf("serve: %w", err))
		}
		models = found
	}
	if len(models) == 0 {
		return withCode(ExitNoModel, fmt.Errorf("serve: no model: import one with `hushscribe models import FILE` or pass -model NAME=PATH"))
	}
	cfg.Models = models
	cfg.Version = Version
	cfg.EngineVersion = "whisper.cpp 1.9.1"
	threads := max(1, runtime.NumCPU()/max(1, cfg.Workers))
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv, err := server.New(cfg, server.Deps{
		Open:   server.EngineOpener(engine.Config{Threads: threads, Device: device}),
		Decode: server.AudioDecoder(audio.Options{MaxDuration: cfg.MaxAudioDuration}),
		Logger: logger,
	})
	if err != nil {
		return usageErr("serve: %v", err)
	}
	logger.Info("serving", "addr", cfg.Addr, "models", len(models), "workers", cfg.Workers, "tls", cfg.TLSCertFile != "", "device", device)
	if err := srv.ListenAndServe(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
