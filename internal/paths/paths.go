// Package paths decides where Hushscribe keeps its files on this device. Everything the product stores
// lives under one root, so that "delete all my data" has one place to look:
//
//	<root>/library.db (+ -wal, -shm)   the transcript library
//	<root>/settings.json              user settings
//	<root>/models/                    downloaded or imported model files
//	<root>/logs/                      logs (never audio, never transcript text)
//
// The root is $HUSHSCRIBE_HOME when set, else $XDG_DATA_HOME/hushscribe, else the OS's per-user data
// folder (~/.local/share/hushscribe on Linux, ~/Library/Application Support/Hushscribe on macOS,
// %AppData%\Hushscribe on Windows).
package paths

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// Dirs are the resolved locations. The zero value is not useful; use Resolve.
type Dirs struct {
	Root     string
	Library  string // the SQLite file
	Settings string // the settings file
	Models   string
	Logs     string
}

// Resolve computes Dirs from the environment (getenv is os.Getenv in production).
func Resolve(getenv func(string) string) (Dirs, error) {
	root := getenv("HUSHSCRIBE_HOME")
	if root == "" {
		root = defaultRoot(getenv)
	}
	if root == "" {
		return Dirs{}, errors.New("cannot find a data folder: set HUSHSCRIBE_HOME")
	}
	return At(root), nil
}

// At returns the layout under an explicit root.
func At(root string) Dirs {
	return Dirs{
		Root:     root,
		Library:  filepath.Join(root, "library.db"),
		Settings: filepath.Join(root, "settings.json"),
		Models:   filepath.Join(root, "models"),
		Logs:     filepath.Join(root, "logs"),
	}
}

func defaultRoot(getenv func(string) string) string {
	switch runtime.GOOS {
	case "darwin":
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support", "Hushscribe")
		}
	case "windows":
		if a := getenv("AppData"); a != "" {
			return filepath.Join(a, "Hushscribe")
		}
	default:
		if x := getenv("XDG_DATA_HOME"); x != "" {
			return filepath.Join(x, "hushscribe")
		}
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, ".local", "share", "hushscribe")
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".hushscribe")
	}
	return ""
}
