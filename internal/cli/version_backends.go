package cli

import (
	"context"
	"fmt"
)

// versionBackends names the compute devices this build's loaded backends found, as
// "Backend: description" ("CPU: AMD EPYC ...", "Vulkan: NVIDIA GeForce RTX 4070"), or why it could
// not tell.
func versionBackends(ctx context.Context, env Env) []string {
	inv, err := env.deviceLister().List(ctx)
	if err != nil {
		return []string{"unknown (" + err.Error() + ")"}
	}
	var out []string
	for _, d := range inv.Devices {
		s := d.Backend
		if d.Description != "" {
			s += ": " + d.Description
		}
		if !d.Usable {
			s += " (not usable for whisper)"
		}
		out = append(out, s)
	}
	if len(inv.Modules) > 0 {
		out = append(out, fmt.Sprintf("modules in %s: %v", inv.BackendDir, inv.Modules))
	}
	return out
}
