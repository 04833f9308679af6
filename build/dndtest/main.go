// Command dndtest is build/dndtest.sh's helper: it writes the generated test model and waits for a
// transcript to appear in a library, reading it without writing anything.
//
//	go run ./build/dndtest model FILE              write the micro test model (internal/testmodel)
//	go run ./build/dndtest wait LIBRARY.db NAME [DURATION]
//	                                               wait until a transcript whose source file name
//	                                               or title contains NAME is in the library, with
//	                                               at least one segment of text and, when DURATION
//	                                               (a Go duration) is given, that long within 0.5 s
//
// wait polls every half second until DNDTEST_TIMEOUT (a Go duration, default 3m) has passed, prints
// the transcript it found and exits 0, or exits 1.
package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/hushscribe/hushscribe/internal/testmodel"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "model":
		err = testmodel.WriteFile(os.Args[2], testmodel.Micro, testmodel.DefaultSeed)
	case "wait":
		if len(os.Args) != 4 && len(os.Args) != 5 {
			usage()
		}
		var want time.Duration
		if len(os.Args) == 5 {
			if want, err = time.ParseDuration(os.Args[4]); err != nil {
				break
			}
		}
		timeout := 3 * time.Minute
		if s := os.Getenv("DNDTEST_TIMEOUT"); s != "" {
			if timeout, err = time.ParseDuration(s); err != nil {
				break
			}
		}
		var e entry
		if e, err = wait(os.Args[2], os.Args[3], want, timeout); err == nil {
			fmt.Printf("dndtest: in the library: %q (source %s, %s, level %s, %d segment(s)): %q\n",
				e.title, e.source, e.duration.Round(100*time.Millisecond), e.level, e.segments, e.text)
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dndtest:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: dndtest model FILE | dndtest wait LIBRARY.db NAME [DURATION]")
	os.Exit(2)
}

// entry is a transcript as wait reports it.
type entry struct {
	title, source, level, text string
	duration                   time.Duration
	segments                   int
}

// wait polls the library at path until find reports a transcript matching name that check accepts.
func wait(path, name string, duration, timeout time.Duration) (entry, error) {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		e, err := find(path, name)
		if err == nil {
			err = check(e, duration)
		}
		if err == nil {
			return e, nil
		}
		last = err
		if time.Now().After(deadline) {
			return entry{}, fmt.Errorf("no transcript of %q after %s: %v", name, timeout, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// check accepts a transcript with at least one segment of text and, when duration is not 0, a
// length within 0.5 s of it: a transcript row with the right name but no text, or of the wrong
// audio, does not count.
func check(e entry, duration time.Duration) error {
	if e.segments == 0 || strings.TrimSpace(e.text) == "" {
		return fmt.Errorf("transcript %q (source %s) has no text (%d segments)", e.title, e.source, e.segments)
	}
	if duration != 0 && (e.duration < duration-500*time.Millisecond || e.duration > duration+500*time.Millisecond) {
		return fmt.Errorf("transcript %q (source %s) is %s long, want %s", e.title, e.source, e.duration, duration)
	}
	return nil
}

// errNone means the library has no matching transcript (yet).
var errNone = errors.New("not in the library")

// find opens the library read-only and returns the newest transcript whose source file name or
// title contains name (case-insensitive), with its segment count and text.
func find(path, name string) (entry, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return entry{}, err
	}
	if _, err := os.Stat(abs); err != nil {
		return entry{}, err // the app has not created it yet
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro&_busy_timeout=5000"}
	db, err := sql.Open("sqlite3", u.String())
	if err != nil {
		return entry{}, err
	}
	defer db.Close()
	var e entry
	var dur int64
	var rid int64
	pat := "%" + strings.ToLower(name) + "%"
	err = db.QueryRow(`SELECT rid, title, source_name, duration_ns, level FROM transcripts
		WHERE lower(source_name) LIKE ? OR lower(title) LIKE ? ORDER BY created_ns DESC LIMIT 1`, pat, pat).
		Scan(&rid, &e.title, &e.source, &dur, &e.level)
	if errors.Is(err, sql.ErrNoRows) {
		return entry{}, errNone
	}
	if err != nil {
		return entry{}, err
	}
	e.duration = time.Duration(dur)
	rows, err := db.Query(`SELECT text FROM segments WHERE rid = ? ORDER BY idx`, rid)
	if err != nil {
		return entry{}, err
	}
	defer rows.Close()
	var texts []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return entry{}, err
		}
		e.segments++
		texts = append(texts, strings.TrimSpace(t))
	}
	if err := rows.Err(); err != nil {
		return entry{}, err
	}
	e.text = strings.Join(texts, " ")
	if len(e.text) > 120 {
		e.text = e.text[:120] + "…"
	}
	return e, nil
}
