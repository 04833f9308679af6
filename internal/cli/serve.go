package cli

import "context"

func runServe(ctx context.Context, args []string, env Env) error {
	return usageErr("serve: not built yet")
}
