package longform

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/engine"
	"github.com/hushscribe/hushscribe/internal/testcorpus"
	"github.com/hushscribe/hushscribe/internal/testmodel"
)

// A file shorter than a window gives, through longform with the real engine (the production
// path of the CLI), exactly what one engine call on the whole decoded file gives: the path the
// whisper-cli parity test covers.
func TestShortFileSameAsEngine(t *testing.T) {
	e, err := engine.Open(testmodel.ForTest(t, testmodel.Micro), engine.Config{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	opt := engine.Options{Language: "en", WordTimestamps: true, Prompt: "Kennedy"}
	for _, name := range []string{"jfk.flac", "hotwords.mp3"} {
		path := filepath.Join(testcorpus.Dir(t), name)
		a, err := audio.DecodeFile(context.Background(), path, audio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := e.Transcribe(context.Background(), a.Mono(), opt)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Run(context.Background(), FileSource(context.Background(), path, audio.Options{}), EngineTranscriber(e, opt), Config{Prompt: opt.Prompt})
		if err != nil {
			t.Fatal(err)
		}
		if Looping(want.Segments) {
			// The generated model's random weights may loop; then the guard rightly re-decodes.
			t.Fatalf("%s: the engine's own text loops: %q", name, texts(want.Segments))
		}
		if res.Windows != 1 || !reflect.DeepEqual(res.Segments, want.Segments) || res.Language != want.Language || res.Duration != a.Duration() {
			t.Errorf("%s: %d windows, %d segments (want %d), language %q, %v (want %v)\n%+v\nwant\n%+v", name, res.Windows, len(res.Segments), len(want.Segments), res.Language, res.Duration, a.Duration(), res.Segments, want.Segments)
		}
	}
}
