package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"github.com/hushscribe/hushscribe/internal/devices"
)

// DeviceLister lists the compute devices (devices.System; devices.Fake in tests).
type DeviceLister interface {
	List(ctx context.Context) (devices.Inventory, error)
}

func (env Env) deviceLister() DeviceLister {
	if env.Devices != nil {
		return env.Devices
	}
	return devices.System{}
}

// runDevices prints the compute devices: `hushscribe devices [--json]`.
func runDevices(ctx context.Context, args []string, env Env) error {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, "Usage: hushscribe devices [--json]\n\nThe compute devices whisper.cpp can use here (the CPU and every GPU a Vulkan, CUDA or Metal\nbackend found). Settings, `transcribe -device` and `serve -device` take a device name, auto or cpu.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return withCode(ExitUsage, err)
	}
	if fs.NArg() > 0 {
		return usageErr("devices: unexpected argument %q", fs.Arg(0))
	}
	inv, err := env.deviceLister().List(ctx)
	if err != nil {
		return withCode(ExitInternal, err)
	}
	if *asJSON {
		out := struct {
			devices.Inventory
			Auto string `json:"auto"`
		}{inv, inv.Auto().ID}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	_, err = fmt.Fprint(env.Stdout, devices.Format(inv))
	return err
}

// checkDevice rejects a -device value no setting could hold.
func checkDevice(cmd, d string) error {
	if !devices.Valid(d) {
		return usageErr("%s: -device %q: want auto, cpu or a device name from `hushscribe devices`", cmd, d)
	}
	return nil
}
