package main

import (
	"bytes"
	"strings"
	"testing"
)

const stream = `{"Action":"start","Package":"x/a"}
{"Action":"run","Package":"x/a","Test":"TestOK"}
{"Action":"output","Package":"x/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"pass","Package":"x/a","Test":"TestOK"}
{"Action":"run","Package":"x/a","Test":"TestHelperProc"}
{"Action":"output","Package":"x/a","Test":"TestHelperProc","Output":"    a_test.go:9: helper process\n"}
{"Action":"output","Package":"x/a","Test":"TestHelperProc","Output":"--- SKIP: TestHelperProc (0.00s)\n"}
{"Action":"skip","Package":"x/a","Test":"TestHelperProc"}
{"Action":"run","Package":"x/a","Test":"TestNeedsTool"}
{"Action":"output","Package":"x/a","Test":"TestNeedsTool","Output":"    a_test.go:20: strace is not installed\n"}
{"Action":"skip","Package":"x/a","Test":"TestNeedsTool"}
{"Action":"output","Package":"x/a","Output":"PASS\n"}
{"Action":"output","Package":"x/a","Output":"ok  \tx/a\t0.1s\n"}
{"Action":"pass","Package":"x/a"}
`

const allow = `# comment
x/.*  TestHelper.*   # helper processes re-executed by other tests
`

func TestReport(t *testing.T) {
	rules, err := parseAllowlist(strings.NewReader(allow))
	if err != nil {
		t.Fatal(err)
	}
	for _, ci := range []bool{false, true} {
		var out bytes.Buffer
		code, err := report(strings.NewReader(stream), &out, rules, ci)
		if err != nil {
			t.Fatal(err)
		}
		o := out.String()
		for _, want := range []string{"ok  \tx/a\t0.1s", "2 skipped test(s)",
			"SKIP x/a TestHelperProc (allowed: helper processes re-executed by other tests): a_test.go:9: helper process",
			"SKIP x/a TestNeedsTool (NOT ALLOWED): a_test.go:20: strace is not installed"} {
			if !strings.Contains(o, want) {
				t.Errorf("ci=%v: output lacks %q:\n%s", ci, want, o)
			}
		}
		if strings.Contains(o, "=== RUN") || strings.Contains(o, "PASS\n") {
			t.Errorf("ci=%v: verbose lines in the report:\n%s", ci, o)
		}
		if want := map[bool]int{false: 0, true: 1}[ci]; code != want {
			t.Errorf("ci=%v: exit %d, want %d", ci, code, want)
		}
	}
}

func TestReportFailure(t *testing.T) {
	s := `{"Action":"run","Package":"x/b","Test":"TestBad"}
{"Action":"output","Package":"x/b","Test":"TestBad","Output":"    b_test.go:3: boom\n"}
{"Action":"output","Package":"x/b","Test":"TestBad","Output":"--- FAIL: TestBad (0.00s)\n"}
{"Action":"fail","Package":"x/b","Test":"TestBad"}
{"Action":"output","Package":"x/b","Output":"FAIL\tx/b\t0.1s\n"}
{"Action":"fail","Package":"x/b"}
{"ImportPath":"x/c","Action":"build-output","Output":"x/c/c.go:1:1: syntax error\n"}
{"ImportPath":"x/c","Action":"build-fail"}
`
	var out bytes.Buffer
	code, err := report(strings.NewReader(s), &out, nil, false)
	if err != nil || code != 1 {
		t.Fatalf("code %d, err %v", code, err)
	}
	for _, want := range []string{"b_test.go:3: boom", "--- FAIL: TestBad", "FAIL\tx/b", "syntax error", "0 skipped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := report(strings.NewReader("not json"), &out, nil, false); err == nil {
		t.Error("garbage input accepted")
	}
}

func TestParseAllowlist(t *testing.T) {
	for _, bad := range []string{"x TestA", "x # reason", "x TestA #   ", "x ( # r"} {
		if _, err := parseAllowlist(strings.NewReader(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
