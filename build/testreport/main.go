// Command testreport turns `go test -json` output (on stdin) into go test's usual human-readable
// report, then lists every skipped test with its reason and checks each against an allowlist.
// build/test.sh runs it; under CI (the CI environment variable set, see internal/testgate) a skip
// that the allowlist does not name fails the run, so a green CI run cannot hide a test that did not
// run.
//
//	go test -json ./... | go run ./build/testreport -allowlist build/skip-allowlist.txt
//
// The allowlist has one entry per line: a package pattern, a test-name pattern (both Go regular
// expressions, anchored) and, after "#", the reason the test may skip, which is required. Blank
// lines and lines starting with "#" are comments.
//
// Exit status: 0; 1 when a test or package failed, or (under CI) a skip is not allowlisted; 2 for
// bad usage or a bad allowlist.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output and build-fail events
}

// rule is one allowlist entry.
type rule struct {
	pkg, test *regexp.Regexp
	reason    string
	line      int
}

// skip is one skipped test.
type skip struct {
	pkg, test, reason string
}

func main() {
	allow := flag.String("allowlist", "", "file of allowed skips")
	flag.Parse()
	var rules []rule
	if *allow != "" {
		f, err := os.Open(*allow)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
		rules, err = parseAllowlist(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "testreport: %s: %v\n", *allow, err)
			os.Exit(2)
		}
	}
	r, err := report(os.Stdin, os.Stdout, rules, ciValue(os.Getenv("CI")))
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	os.Exit(r)
}

func ciValue(v string) bool { return v != "" && v != "false" && v != "0" }

// parseAllowlist reads allowlist entries; every entry needs a reason.
func parseAllowlist(r io.Reader) ([]rule, error) {
	var out []rule
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		spec, reason, _ := strings.Cut(line, "#")
		f := strings.Fields(spec)
		reason = strings.TrimSpace(reason)
		if len(f) != 2 || reason == "" {
			return nil, fmt.Errorf("line %d: want `PACKAGE-PATTERN TEST-PATTERN # reason`", n)
		}
		pkg, err := regexp.Compile("^(?:" + f[0] + ")$")
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		test, err := regexp.Compile("^(?:" + f[1] + ")$")
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, rule{pkg, test, reason, n})
	}
	return out, sc.Err()
}

// report prints the human-readable report and the skip list to w and returns the exit status.
func report(in io.Reader, w io.Writer, rules []rule, ci bool) (int, error) {
	type key struct{ pkg, test string }
	buf := map[key][]string{}
	var skips []skip
	failed := false
	dec := json.NewDecoder(in)
	for {
		var e event
		if err := dec.Decode(&e); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return 2, fmt.Errorf("reading go test -json output: %w", err)
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			fmt.Fprint(w, e.Output)
		case "build-fail":
			failed = true
		case "output":
			if e.Test == "" {
				// Package lines: "ok  pkg 1.2s", "FAIL pkg", "--- FAIL" summaries, panics.
				if o := strings.TrimSpace(e.Output); o != "PASS" && !strings.HasPrefix(o, "=== ") {
					fmt.Fprint(w, e.Output)
				}
				continue
			}
			buf[k] = append(buf[k], e.Output)
		case "fail":
			if e.Test != "" {
				fmt.Fprint(w, strings.Join(buf[k], ""))
			}
			failed = true
			delete(buf, k)
		case "skip":
			if e.Test != "" {
				skips = append(skips, skip{e.Package, e.Test, skipReason(buf[k])})
			}
			delete(buf, k)
		case "pass":
			delete(buf, k)
		}
	}
	bad := printSkips(w, skips, rules)
	status := 0
	if failed {
		status = 1
	}
	if len(bad) > 0 {
		if ci {
			fmt.Fprintf(w, "FAIL: %d skipped test(s) not in the allowlist under CI: %s\n", len(bad), strings.Join(bad, ", "))
			status = 1
		} else {
			fmt.Fprintf(w, "note: %d skipped test(s) not in the allowlist (under CI this fails): %s\n", len(bad), strings.Join(bad, ", "))
		}
	}
	return status, nil
}

// skipReason is what the test said when it skipped, without go test's own framing lines.
func skipReason(lines []string) string {
	var out []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		out = append(out, t)
	}
	return strings.Join(out, " ")
}

// printSkips lists the skips, each with its allowlist reason or marked NOT ALLOWED, and returns the
// names of those not allowed.
func printSkips(w io.Writer, skips []skip, rules []rule) []string {
	sort.Slice(skips, func(i, j int) bool {
		if skips[i].pkg != skips[j].pkg {
			return skips[i].pkg < skips[j].pkg
		}
		return skips[i].test < skips[j].test
	})
	fmt.Fprintf(w, "\n%d skipped test(s)\n", len(skips))
	var bad []string
	for _, s := range skips {
		allowed := ""
		for _, r := range rules {
			if r.pkg.MatchString(s.pkg) && r.test.MatchString(s.test) {
				allowed = r.reason
				break
			}
		}
		mark := "allowed: " + allowed
		if allowed == "" {
			mark = "NOT ALLOWED"
			bad = append(bad, s.pkg+"."+s.test)
		}
		fmt.Fprintf(w, "  SKIP %s %s (%s): %s\n", s.pkg, s.test, mark, s.reason)
	}
	return bad
}
