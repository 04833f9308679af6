package server

import (
	"bufio"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// promText is a parsed Prometheus text exposition (format 0.0.4), checked strictly.
type promText struct {
	raw     string
	types   map[string]string
	samples map[string]float64 // seriesKey(name, labels) -> value
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

func seriesKey(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		fmt.Fprintf(&b, "|%s=%s", k, labels[k])
	}
	return b.String()
}

// parseProm parses and validates an exposition: HELP/TYPE syntax, one TYPE per family before its
// samples, families not interleaved, valid names, label escapes and values, no duplicate series,
// non-negative counters, and consistent histograms.
func parseProm(text string) (*promText, error) {
	p := &promText{raw: text, types: map[string]string{}, samples: map[string]float64{}}
	help := map[string]bool{}
	done := map[string]bool{} // families whose samples ended
	current := ""
	type hist struct {
		buckets map[string][]float64 // other labels -> cumulative counts in order
		les     map[string][]float64
		count   map[string]float64
	}
	hists := map[string]*hist{}

	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# "); ok {
			kind, rest, _ := strings.Cut(rest, " ")
			name, arg, _ := strings.Cut(rest, " ")
			switch kind {
			case "HELP":
				if !metricName.MatchString(name) || help[name] {
					return nil, fmt.Errorf("line %d: bad or repeated HELP: %q", n, line)
				}
				help[name] = true
			case "TYPE":
				if !metricName.MatchString(name) || p.types[name] != "" {
					return nil, fmt.Errorf("line %d: bad or repeated TYPE: %q", n, line)
				}
				switch arg {
				case "counter", "gauge", "histogram", "summary", "untyped":
				default:
					return nil, fmt.Errorf("line %d: unknown type %q", n, arg)
				}
				if arg == "counter" && !strings.HasSuffix(name, "_total") {
					return nil, fmt.Errorf("line %d: counter %s does not end in _total", n, name)
				}
				p.types[name] = arg
			}
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, labels, value, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w: %q", n, err, line)
		}
		family := name
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(name, suf); ok && p.types[base] == "histogram" {
				family = base
			}
		}
		typ := p.types[family]
		if typ == "" {
			return nil, fmt.Errorf("line %d: sample %s has no TYPE before it", n, name)
		}
		if family != current {
			if done[family] {
				return nil, fmt.Errorf("line %d: family %s interleaved with others", n, family)
			}
			if current != "" {
				done[current] = true
			}
			current = family
		}
		key := seriesKey(name, labels)
		if _, dup := p.samples[key]; dup {
			return nil, fmt.Errorf("line %d: duplicate series %s", n, key)
		}
		p.samples[key] = value
		if typ == "counter" && !(value >= 0) {
			return nil, fmt.Errorf("line %d: negative counter", n)
		}
		if typ == "histogram" {
			h := hists[family]
			if h == nil {
				h = &hist{buckets: map[string][]float64{}, les: map[string][]float64{}, count: map[string]float64{}}
				hists[family] = h
			}
			other := map[string]string{}
			for k, v := range labels {
				if k != "le" {
					other[k] = v
				}
			}
			ok := seriesKey("", other)
			switch {
			case strings.HasSuffix(name, "_bucket"):
				le, err := strconv.ParseFloat(labels["le"], 64)
				if err != nil {
					return nil, fmt.Errorf("line %d: bucket without a valid le", n)
				}
				h.buckets[ok] = append(h.buckets[ok], value)
				h.les[ok] = append(h.les[ok], le)
			case strings.HasSuffix(name, "_count"):
				h.count[ok] = value
			}
		}
	}
	for fam, h := range hists {
		for k, counts := range h.buckets {
			les := h.les[k]
			if !slices.IsSorted(les) || !slices.IsSorted(counts) {
				return nil, fmt.Errorf("histogram %s: buckets not cumulative and ordered", fam)
			}
			if !math.IsInf(les[len(les)-1], 1) || counts[len(counts)-1] != h.count[k] {
				return nil, fmt.Errorf("histogram %s: +Inf bucket missing or != _count", fam)
			}
		}
	}
	return p, sc.Err()
}

func parseSample(line string) (name string, labels map[string]string, value float64, err error) {
	labels = map[string]string{}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return "", nil, 0, fmt.Errorf("no value")
	}
	name, rest := line[:i], line[i:]
	if !metricName.MatchString(name) {
		return "", nil, 0, fmt.Errorf("bad metric name")
	}
	if strings.HasPrefix(rest, "{") {
		rest = rest[1:]
		for !strings.HasPrefix(rest, "}") {
			eq := strings.Index(rest, `="`)
			if eq < 0 {
				return "", nil, 0, fmt.Errorf("bad label")
			}
			ln := rest[:eq]
			if !labelName.MatchString(ln) {
				return "", nil, 0, fmt.Errorf("bad label name %q", ln)
			}
			rest = rest[eq+2:]
			var v strings.Builder
			for {
				if rest == "" {
					return "", nil, 0, fmt.Errorf("unterminated label value")
				}
				c := rest[0]
				rest = rest[1:]
				if c == '"' {
					break
				}
				if c == '\n' {
					return "", nil, 0, fmt.Errorf("raw newline in label value")
				}
				if c == '\\' {
					if rest == "" {
						return "", nil, 0, fmt.Errorf("bad escape")
					}
					switch rest[0] {
					case '\\':
						v.WriteByte('\\')
					case '"':
						v.WriteByte('"')
					case 'n':
						v.WriteByte('\n')
					default:
						return "", nil, 0, fmt.Errorf("bad escape \\%c", rest[0])
					}
					rest = rest[1:]
					continue
				}
				v.WriteByte(c)
			}
			if _, dup := labels[ln]; dup {
				return "", nil, 0, fmt.Errorf("repeated label %s", ln)
			}
			labels[ln] = v.String()
			rest = strings.TrimPrefix(rest, ",")
		}
		rest = rest[1:]
	}
	fields := strings.Fields(rest)
	if len(fields) < 1 || len(fields) > 2 || !strings.HasPrefix(rest, " ") {
		return "", nil, 0, fmt.Errorf("bad value/timestamp")
	}
	value, err = strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return "", nil, 0, fmt.Errorf("bad value: %w", err)
	}
	return name, labels, value, nil
}

// value returns a sample's value, or NaN when absent; labels are name/value pairs.
func (p *promText) value(name string, labels ...string) float64 {
	m := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		m[labels[i]] = labels[i+1]
	}
	if v, ok := p.samples[seriesKey(name, m)]; ok {
		return v
	}
	return math.NaN()
}

func scrape(t testing.TB, ts *testServer) *promText {
	t.Helper()
	r := ts.get(t, "/metrics")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %v", r)
	}
	p, err := parseProm(string(r.body))
	if err != nil {
		t.Fatalf("invalid exposition: %v\n%s", err, r.body)
	}
	return p
}

func TestMetrics(t *testing.T) {
	eng := newFake()
	cfg := testConfig(t)
	cfg.Version = `v1.0 "quoted"\path`
	ts := start(t, cfg, fakeDeps(eng))
	for range 3 {
		if r := ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: fakeAudio(2500 * time.Millisecond)}); r.status != 200 {
			t.Fatal(r)
		}
	}
	ts.upload(t, "/v1/audio/transcriptions", testKey, form{file: []byte("BAD")})
	ts.upload(t, "/v1/audio/transcriptions", "wrong", form{file: fakeAudio(time.Second)})
	ts.get(t, "/v1/no/such/route")

	m := scrape(t, ts)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"hushscribe_http_requests_total", []string{"route", "POST /v1/audio/transcriptions", "code", "200"}, 3},
		{"hushscribe_http_requests_total", []string{"route", "POST /v1/audio/transcriptions", "code", "400"}, 1},
		{"hushscribe_http_requests_total", []string{"route", "POST /v1/audio/transcriptions", "code", "401"}, 1},
		{"hushscribe_http_requests_total", []string{"route", "other", "code", "404"}, 1},
		{"hushscribe_jobs_total", []string{"status", "succeeded"}, 3},
		{"hushscribe_jobs_total", []string{"status", "failed"}, 1},
		{"hushscribe_audio_seconds_total", nil, 7.5},
		{"hushscribe_transcription_duration_seconds_count", nil, 3},
		{"hushscribe_transcription_duration_seconds_bucket", []string{"le", "+Inf"}, 3},
		{"hushscribe_queue_depth", nil, 0},
		{"hushscribe_jobs_running", nil, 0},
		{"hushscribe_queue_capacity", nil, 5},
		{"hushscribe_build_info", []string{"version", cfg.Version, "engine", "fake 1.0"}, 1},
		{"hushscribe_model_info", []string{"model", "fake", "sha256", ts.models["fake"].SHA256}, 1},
	} {
		if got := m.value(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v\n%s", c.name, c.labels, got, c.want, m.raw)
		}
	}
	if m.value("hushscribe_go_heap_objects_bytes") <= 0 || m.value("hushscribe_go_goroutines") <= 0 {
		t.Error("runtime gauges missing")
	}
}

func TestParsePromRejects(t *testing.T) {
	for _, bad := range []string{
		"x 1\n",                        // no TYPE
		"# TYPE x gauge\nx{a=\"1} 1\n", // unterminated
		"# TYPE x gauge\nx{a=\"\\q\"} 1\n",
		"# TYPE x gauge\nx 1\nx 2\n",
		"# TYPE x counter\n",
		"# TYPE x_total counter\nx_total -1\n",
		"# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx{a=\"b\"} 2\n",
		"# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n",
		"# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n",
	} {
		if _, err := parseProm(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}
