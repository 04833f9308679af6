package cli

// versionBackends names the compute backends this build has. (Filled in from the engine's
// backend registry.)
func versionBackends() []string { return []string{"CPU"} }
