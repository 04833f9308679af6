// Package testtrace lets tests prove that a process writes no file: it runs the process under
// `strace -f`, tracing every system call that can create or modify a file, and reads the trace back.
// It also snapshots folders so a test can compare them before and after. It is used by the tests that
// keep the promise "audio is processed in memory and never written to disk".
package testtrace

import (
	"bufio"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hushscribe/hushscribe/internal/testgate"
)

// Rules say what a traced process may do besides reading files.
type Rules struct {
	// SharedMemory allows memfd_create and ftruncate: anonymous shared memory, as a sound server's
	// client library uses for its buffers. Without it, both count as writing a file.
	SharedMemory bool
	// Allowed are exact paths the process may open for writing (a sound server's auth cookie, say).
	Allowed []string
}

// Calls is the strace -e trace= list: every call that can create or modify a file.
const Calls = "open,openat,openat2,creat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,mknod,mknodat,truncate,ftruncate,memfd_create,mkdir,mkdirat"

var (
	reOpen     = regexp.MustCompile(`\b(open|openat|openat2|creat)\((?:[A-Z_]+, )?"([^"]*)"(?:, ([A-Z_|]+))?`)
	reMutating = regexp.MustCompile(`\b(rename|renameat|renameat2|link|linkat|symlink|symlinkat|mknod|mknodat|truncate|mkdir|mkdirat)\(`)
	reShm      = regexp.MustCompile(`\b(ftruncate|memfd_create)\(`)
	reWriteFl  = regexp.MustCompile(`O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND`)
)

// deviceFiles are the device files a process may open for writing: none of them keeps what is
// written (or they are terminals). Everything else under /dev, /dev/shm above all, is a place a copy
// of the audio could be kept, and counts as a file.
var deviceFiles = map[string]bool{
	"/dev/null": true, "/dev/zero": true, "/dev/full": true, "/dev/random": true, "/dev/urandom": true,
	"/dev/tty": true, "/dev/ptmx": true,
}

// devicePrefixes are folders of character devices (terminals, sound cards, GPUs) that cannot hold a
// regular file.
var devicePrefixes = []string{"/dev/pts/", "/dev/snd/", "/dev/dri/", "/dev/nvidia", "/dev/kfd"}

// exempt reports whether path is a device or kernel pseudo-file where writing keeps nothing.
func exempt(path string, r Rules) bool {
	if deviceFiles[path] || strings.HasPrefix(path, "/proc/") || strings.HasPrefix(path, "/sys/") {
		return true
	}
	if r.SharedMemory && strings.HasPrefix(path, "/dev/shm/pulse-shm-") {
		return true // PulseAudio's client buffers (shm_open), allowed like memfd_create
	}
	for _, p := range devicePrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// Command returns cmd wrapped in strace, writing the trace to traceFile. It skips the test when
// strace is not installed (fails it under CI, see internal/testgate).
func Command(tb testing.TB, traceFile string, name string, args ...string) *exec.Cmd {
	tb.Helper()
	testgate.Tool(tb, "strace")
	return exec.Command("strace", append([]string{"-f", "-qq", "-o", traceFile, "-e", "trace=" + Calls, name}, args...)...)
}

// WriteAccess returns the strace line when it created or modified a file that r does not allow.
// Failed calls, /proc, /sys and the named device files (/dev/null, /dev/urandom, terminals, sound and
// GPU devices; not /dev/shm) are ignored.
func WriteAccess(line string, r Rules) string {
	if strings.Contains(line, "= -1 ") {
		return ""
	}
	if m := reOpen.FindStringSubmatch(line); m != nil {
		path, flags := m[2], m[3]
		if m[1] != "creat" && !reWriteFl.MatchString(flags) {
			return ""
		}
		if exempt(path, r) {
			return ""
		}
		for _, p := range r.Allowed {
			if path == p {
				return ""
			}
		}
		return line
	}
	if reMutating.MatchString(line) || !r.SharedMemory && reShm.MatchString(line) {
		return line
	}
	return ""
}

// Check fails the test for every write access in the trace file, and when the trace is empty.
func Check(tb testing.TB, traceFile string, r Rules) {
	tb.Helper()
	f, err := os.Open(traceFile)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	var bad []string
	for sc.Scan() {
		n++
		if v := WriteAccess(sc.Text(), r); v != "" {
			bad = append(bad, v)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if n == 0 {
		tb.Fatal("strace recorded nothing: the trace is not working")
	}
	if len(bad) > 0 {
		tb.Errorf("the traced process created or wrote files:\n%s", strings.Join(bad, "\n"))
	}
}

// Snapshot maps every regular file under dirs to its modification time.
func Snapshot(dirs ...string) map[string]time.Time {
	m := map[string]time.Time{}
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() {
				if info, err := e.Info(); err == nil {
					m[p] = info.ModTime()
				}
			}
			return nil
		})
	}
	return m
}

// NetCalls is the strace -e trace= list for NetworkAccess: every call that reaches or offers a
// network address.
const NetCalls = "connect,bind,sendto,sendmsg,sendmmsg"

var (
	reNetCall = regexp.MustCompile(`\b(connect|bind|sendto|sendmsg|sendmmsg)\(`)
	reInet    = regexp.MustCompile(`sa_family=AF_INET6?\b`)
)

// CommandNet returns cmd wrapped in strace tracing NetCalls, writing the trace to traceFile. It skips
// the test when strace is not installed (fails it under CI).
func CommandNet(tb testing.TB, traceFile string, name string, args ...string) *exec.Cmd {
	tb.Helper()
	testgate.Tool(tb, "strace")
	return exec.Command("strace", append([]string{"-f", "-qq", "-o", traceFile, "-e", "trace=" + NetCalls, name}, args...)...)
}

// NetworkAccess returns the strace line when it connected to, bound or sent to an IPv4 or IPv6
// address, loopback included, whether or not the call succeeded (an attempt is what counts). Unix
// sockets (D-Bus, a sound server) and netlink are not network access.
func NetworkAccess(line string) string {
	if reNetCall.MatchString(line) && reInet.MatchString(line) {
		return line
	}
	return ""
}

// CheckNoNetwork fails the test for every network access in a CommandNet trace file.
func CheckNoNetwork(tb testing.TB, traceFile string) {
	tb.Helper()
	b, err := os.ReadFile(traceFile)
	if err != nil {
		tb.Fatal(err)
	}
	var bad []string
	for _, line := range strings.Split(string(b), "\n") {
		if v := NetworkAccess(line); v != "" {
			bad = append(bad, v)
		}
	}
	if len(bad) > 0 {
		tb.Errorf("the traced process used the network:\n%s", strings.Join(bad, "\n"))
	}
}
