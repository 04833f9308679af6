package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hushscribe/hushscribe/internal/audio"
	"github.com/hushscribe/hushscribe/internal/longform"
	"github.com/hushscribe/hushscribe/internal/transcript"
)

// JobState is where a job is in its life.
type JobState string

// Job states.
const (
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobDone      JobState = "done"
	JobFailed    JobState = "failed"
	JobCancelled JobState = "cancelled"
)

func (s JobState) finished() bool { return s == JobDone || s == JobFailed || s == JobCancelled }

// JobOptions are the choices made before a job starts.
type JobOptions struct {
	Model             string           `json:"model"`    // "" = default model
	Language          string           `json:"language"` // "auto" or an ISO 639-1 code
	Translate         bool             `json:"translate"`
	Level             transcript.Level `json:"level"`
	SpeakerPerChannel bool             `json:"speakerPerChannel"`
	// IdentifySpeakers runs speaker diarization (who spoke when) after transcription; Speakers is
	// the number of speakers if the user knows it, 0 to find out.
	IdentifySpeakers bool `json:"identifySpeakers"`
	Speakers         int  `json:"speakers"`
}

// MaxSpeakers bounds JobOptions.Speakers.
const MaxSpeakers = 32

func (o *JobOptions) normalize() error {
	if o.Speakers < 0 || o.Speakers > MaxSpeakers {
		return fmt.Errorf("%w: %d speakers (0 to %d)", ErrInvalid, o.Speakers, MaxSpeakers)
	}
	if o.IdentifySpeakers && o.SpeakerPerChannel {
		return fmt.Errorf("%w: identify speakers or one speaker per channel, not both", ErrInvalid)
	}
	if o.Level == "" {
		o.Level = transcript.Standard
	}
	if !o.Level.Valid() {
		return fmt.Errorf("%w: privacy level %q", ErrInvalid, o.Level)
	}
	o.Language = strings.TrimSpace(strings.ToLower(o.Language))
	if o.Language == "" {
		o.Language = "auto"
	}
	return nil
}

// Job is one file in the queue.
type Job struct {
	ID      string     `json:"id"`
	Path    string     `json:"path"`
	Name    string     `json:"name"`
	Size    int64      `json:"size"`
	Options JobOptions `json:"options"`
	State   JobState   `json:"state"`
	// Stage says what a running job is doing: "decoding", "loading model", "transcribing", "saving".
	Stage   string `json:"stage"`
	Percent int    `json:"percent"` // 0..100
	// Duration is the audio's length, known once the file is decoded (0 before).
	Duration time.Duration `json:"duration"`
	// Notice is something the user should know about a finished job, e.g. that the two channels of
	// a "one speaker per channel" file were the same recording and were transcribed once.
	Notice string `json:"notice"`
	// Remaining is the estimated time left in whole seconds; -1 while unknown.
	Remaining    int       `json:"remaining"`
	Error        string    `json:"error"`     // a sentence for the user
	ErrorKind    ErrorKind `json:"errorKind"` // see the Kind* constants
	Detail       string    `json:"detail"`    // the underlying error, for "show details"
	TranscriptID string    `json:"transcriptId"`
	// Device is the compute device that did the work ("CPU", "Vulkan0"); DeviceNote says why it is
	// not the one chosen in Settings ("" when it is); Speed is seconds of audio per second of
	// transcription (× real time). Set once the model is loaded / the job is done.
	Device     string    `json:"device"`
	DeviceNote string    `json:"deviceNote"`
	Speed      float64   `json:"speed"`
	Added      time.Time `json:"added"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
}

type jobEntry struct {
	job    Job
	cancel context.CancelFunc // set while running
}

// queue holds jobs in the order they were added; workers take the first queued one.
type queue struct {
	now    func() time.Time
	mu     sync.Mutex
	cond   *sync.Cond
	jobs   []*jobEntry
	seq    int
	active int // workers inside a job
	closed bool
}

func newQueue(now func() time.Time) *queue {
	q := &queue{now: now}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *queue) add(j Job) Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	j.ID = "job-" + strconv.Itoa(q.seq)
	j.Added = q.now()
	j.Remaining = -1
	q.jobs = append(q.jobs, &jobEntry{job: j})
	q.cond.Broadcast()
	return j
}

// next blocks until a queued job exists (and marks it running) or the queue closes.
func (q *queue) next(ctx context.Context) (Job, context.Context, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			return Job{}, nil, false
		}
		for _, e := range q.jobs {
			if e.job.State == JobQueued {
				jctx, cancel := context.WithCancel(ctx)
				e.cancel = cancel
				e.job.State = JobRunning
				e.job.Started = q.now()
				e.job.Stage = "starting"
				e.job.Percent = 0
				e.job.Remaining = -1
				q.active++
				return e.job, jctx, true
			}
		}
		q.cond.Wait()
	}
}

func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	for _, e := range q.jobs {
		if e.cancel != nil {
			e.cancel()
		}
	}
	q.cond.Broadcast()
}

func (q *queue) find(id string) (*jobEntry, int) {
	for i, e := range q.jobs {
		if e.job.ID == id {
			return e, i
		}
	}
	return nil, -1
}

// update applies f to the job and returns the result.
func (q *queue) update(id string, f func(*Job)) (Job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, _ := q.find(id)
	if e == nil {
		return Job{}, false
	}
	f(&e.job)
	if e.job.State.finished() && e.cancel != nil {
		e.cancel()
		e.cancel = nil
	}
	return e.job, true
}

func (q *queue) get(id string) (Job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, _ := q.find(id)
	if e == nil {
		return Job{}, false
	}
	return e.job, true
}

func (q *queue) list() []Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]Job, len(q.jobs))
	for i, e := range q.jobs {
		out[i] = e.job
	}
	return out
}

// AddFiles queues one job per file with the given options and returns them. The jobs start in the
// background; watch EventJob. A path that is not a readable file becomes a failed job that says so,
// rather than an error for the whole drop.
func (a *App) AddFiles(paths []string, opt JobOptions) ([]Job, error) {
	if len(paths) == 0 {
		return []Job{}, nil
	}
	if err := opt.normalize(); err != nil {
		return nil, fmt.Errorf("add files: %w", err)
	}
	if opt.Level == transcript.Private && a.d.Vault != nil {
		// The backend decides, not the page's cached vault status (which can lag behind a password
		// set a moment ago).
		st, err := a.d.Vault.Status(a.background())
		if err != nil {
			return nil, fmt.Errorf("add files: vault status: %w", err)
		}
		if !st.HasPassword {
			return nil, fmt.Errorf("add files: %w", ErrNoVaultPassword)
		}
	}
	out := make([]Job, 0, len(paths))
	for _, p := range paths {
		j := Job{Path: p, Name: filepath.Base(p), Options: opt, State: JobQueued}
		st, err := os.Stat(p)
		switch {
		case err != nil:
			j.State = JobFailed
			j.ErrorKind, j.Error = classify(fmt.Errorf("%w: %w", ErrNotFound, err))
			j.Detail = err.Error()
		case st.IsDir():
			j.State = JobFailed
			j.ErrorKind, j.Error = KindUnsupported, "This is a folder. Drop the audio or video files inside it instead."
		default:
			j.Size = st.Size()
		}
		j = a.jobs.add(j)
		if j.State.finished() {
			a.jobs.update(j.ID, func(x *Job) { x.Finished = x.Added })
		}
		a.emit(EventJob, j)
		out = append(out, j)
	}
	return out, nil
}

// ChooseFiles shows the native open dialog for audio and video files and returns the chosen paths
// (none when the user cancels). Pass them to AddFiles.
func (a *App) ChooseFiles() ([]string, error) {
	paths, err := a.d.Runtime.OpenFiles(DialogOptions{
		Title:    "Choose recordings to transcribe",
		Multiple: true,
		Filters: []FileFilter{
			{Name: "Audio and video", Pattern: "*.wav;*.mp3;*.flac;*.ogg;*.oga;*.opus;*.m4a;*.aac;*.wma;*.mp4;*.m4v;*.mov;*.mkv;*.webm;*.avi"},
			{Name: "All files", Pattern: "*"},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("open dialog: %w", err)
	}
	if paths == nil {
		paths = []string{}
	}
	return paths, nil
}

// Jobs returns every job in the queue, in the order added.
func (a *App) Jobs() ([]Job, error) { return a.jobs.list(), nil }

// CancelJob stops a queued or running job. Cancelling a finished job does nothing.
func (a *App) CancelJob(id string) error {
	j, ok := a.jobs.update(id, func(j *Job) {
		if j.State == JobQueued || j.State == JobRunning {
			j.State = JobCancelled
			j.ErrorKind, j.Error = classify(context.Canceled)
			j.Finished = a.d.Now()
			j.Remaining = -1
		}
	})
	if !ok {
		return fmt.Errorf("cancel job %s: %w", id, ErrNotFound)
	}
	a.emit(EventJob, j)
	return nil
}

// RetryJob queues a failed or cancelled job again with the same file and options.
func (a *App) RetryJob(id string) (Job, error) {
	var bad bool
	j, ok := a.jobs.update(id, func(j *Job) {
		if j.State != JobFailed && j.State != JobCancelled {
			bad = true
			return
		}
		requeue(j, j.Options)
	})
	switch {
	case !ok:
		return Job{}, fmt.Errorf("retry job %s: %w", id, ErrNotFound)
	case bad:
		return Job{}, fmt.Errorf("retry job %s: %w: only failed or cancelled jobs can be retried", id, ErrInvalid)
	}
	a.queued(j)
	return j, nil
}

// requeue turns j back into a fresh queued job with options opt (the file's size read again).
func requeue(j *Job, opt JobOptions) {
	*j = Job{ID: j.ID, Path: j.Path, Name: j.Name, Options: opt, Added: j.Added, State: JobQueued, Remaining: -1}
	if st, err := os.Stat(j.Path); err == nil {
		j.Size = st.Size()
	}
}

// queued wakes the workers for a job that is waiting again and tells the page.
func (a *App) queued(j Job) {
	a.jobs.mu.Lock()
	a.jobs.cond.Broadcast()
	a.jobs.mu.Unlock()
	a.emit(EventJob, j)
}

// SetJobSpeakerPerChannel changes "one speaker per channel" for one file. A waiting job just takes
// the new choice; a finished one (done, failed or cancelled) is queued again with it (a done job's
// transcript stays in the library). A running job cannot change: ErrInvalid.
func (a *App) SetJobSpeakerPerChannel(id string, on bool) (Job, error) {
	var bad bool
	j, ok := a.jobs.update(id, func(j *Job) {
		switch {
		case j.State == JobQueued:
			j.Options.SpeakerPerChannel = on
		case j.State.finished():
			opt := j.Options
			opt.SpeakerPerChannel = on
			requeue(j, opt)
		default:
			bad = true
		}
	})
	switch {
	case !ok:
		return Job{}, fmt.Errorf("job %s: %w", id, ErrNotFound)
	case bad:
		return Job{}, fmt.Errorf("job %s: %w: it is being transcribed; cancel it first", id, ErrInvalid)
	}
	a.queued(j)
	return j, nil
}

// RemoveJob removes a finished job from the list (the transcript stays in the library).
func (a *App) RemoveJob(id string) error {
	q := a.jobs
	q.mu.Lock()
	e, i := q.find(id)
	if e == nil {
		q.mu.Unlock()
		return fmt.Errorf("remove job %s: %w", id, ErrNotFound)
	}
	if !e.job.State.finished() {
		q.mu.Unlock()
		return fmt.Errorf("remove job %s: %w: cancel it first", id, ErrInvalid)
	}
	q.jobs = append(q.jobs[:i], q.jobs[i+1:]...)
	q.mu.Unlock()
	a.emit(EventJobRemoved, id)
	return nil
}

// ClearFinished removes every finished job from the list and returns how many.
func (a *App) ClearFinished() (int, error) {
	q := a.jobs
	q.mu.Lock()
	var removed []string
	kept := q.jobs[:0]
	for _, e := range q.jobs {
		if e.job.State.finished() {
			removed = append(removed, e.job.ID)
			continue
		}
		kept = append(kept, e)
	}
	for i := len(kept); i < len(q.jobs); i++ {
		q.jobs[i] = nil
	}
	q.jobs = kept
	q.mu.Unlock()
	for _, id := range removed {
		a.emit(EventJobRemoved, id)
	}
	return len(removed), nil
}

func (a *App) worker(ctx context.Context) {
	for {
		j, jctx, ok := a.jobs.next(ctx)
		if !ok {
			return
		}
		a.emit(EventJob, j)
		id, err := a.run(jctx, j)
		a.finish(j.ID, id, err)
		a.jobs.mu.Lock()
		a.jobs.active--
		a.jobs.mu.Unlock()
	}
}

// finish records a job's outcome, unless it was cancelled meanwhile.
func (a *App) finish(jobID, transcriptID string, err error) {
	j, ok := a.jobs.update(jobID, func(j *Job) {
		if j.State != JobRunning {
			return // cancelled while running: keep the cancelled state
		}
		j.Finished = a.d.Now()
		j.Remaining = -1
		j.Stage = ""
		if err == nil {
			j.State, j.Percent, j.TranscriptID = JobDone, 100, transcriptID
			return
		}
		j.ErrorKind, j.Error = classify(err)
		j.Detail = err.Error()
		j.State = JobFailed
		if j.ErrorKind == KindCancelled {
			j.State = JobCancelled
		}
	})
	if !ok {
		return
	}
	a.emit(EventJob, j)
	if j.State == JobDone {
		a.emit(EventLibrary, transcriptID)
	}
}

// progress reports a running job's stage and percent, with a time-left estimate from the pace so far.
type progress struct {
	a       *App
	id      string
	mu      sync.Mutex
	last    int
	stage   string
	started time.Time // when the current estimated phase began
	base    int       // percent at started
}

func (p *progress) set(stage string, percent int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if percent < p.last {
		percent = p.last
	}
	if percent > 100 {
		percent = 100
	}
	if percent == p.last && stage == p.stage {
		return
	}
	now := p.a.d.Now()
	if stage != p.stage {
		p.started, p.base = now, percent
	}
	p.last, p.stage = percent, stage
	remaining := -1
	if done := percent - p.base; done > 0 && stage == "transcribing" {
		el := now.Sub(p.started)
		remaining = int((el*time.Duration(100-percent)/time.Duration(done) + time.Second/2) / time.Second)
	}
	j, ok := p.a.jobs.update(p.id, func(j *Job) {
		if j.State != JobRunning {
			return
		}
		j.Stage, j.Percent, j.Remaining = stage, percent, remaining
	})
	if ok && j.State == JobRunning {
		p.a.emit(EventJob, j)
	}
}

// Progress bands: decoding and loading are quick next to transcription.
const (
	pctDecoded = 3
	pctLoaded  = 5
	pctSpoken  = 98
	pctDiarize = 90 // with IdentifySpeakers: transcription ends here, diarization runs to pctSpoken
)

// run transcribes one job and returns the new transcript's id.
func (a *App) run(ctx context.Context, j Job) (string, error) {
	if a.d.Decoder == nil {
		return "", unavailable("decoder")
	}
	if a.d.Engines == nil {
		return "", unavailable("speech engine")
	}
	set, err := a.d.Settings.Load()
	if err != nil && !errors.Is(err, ErrInvalid) {
		return "", err
	}
	p := &progress{a: a, id: j.ID, last: -1}
	p.set("decoding", 0)

	modelPath := j.Options.Model
	if a.d.Models != nil {
		modelPath, err = a.d.Models.Path(ctx, j.Options.Model)
		if err != nil {
			return "", fmt.Errorf("find model: %w", err)
		}
	} else if modelPath == "" {
		return "", ErrNoModel
	}
	// Long files stream through windows (bounded memory). Speaker identification needs the whole
	// recording at once, so it keeps the one-piece path.
	if sd, ok := a.d.Decoder.(StreamDecoder); ok && !j.Options.SpeakerPerChannel && !j.Options.IdentifySpeakers {
		return a.runWindows(ctx, j, sd, modelPath, set, p)
	}
	channels, err := a.d.Decoder.DecodeFile(ctx, j.Path, j.Options.SpeakerPerChannel)
	// The audio exists only in this job's memory: zero it whatever happens, so no copy outlives the job.
	defer func() {
		for _, c := range channels {
			clear(c)
		}
	}()
	if err != nil {
		return "", fmt.Errorf("decode %s: %w", j.Name, err)
	}
	if len(channels) == 0 || len(channels[0]) == 0 {
		return "", fmt.Errorf("decode %s: %w", j.Name, ErrEmpty)
	}
	length := time.Duration(len(channels[0])) * time.Second / sampleRate
	perChannel := j.Options.SpeakerPerChannel && len(channels) > 1
	work := channels // what is transcribed; channels stays whole for the zeroing above
	notice := ""
	if perChannel && sameChannels(channels) {
		// A mono recording stored as stereo: one speaker per channel would give every sentence
		// twice, as Speaker 1 and Speaker 2.
		perChannel = false
		work = channels[:1]
		notice = "The channels are the same recording, so it was transcribed once, without a speaker per channel."
	}
	if nj, ok := a.jobs.update(j.ID, func(j *Job) { j.Duration, j.Notice = length, notice }); ok && nj.State == JobRunning {
		a.emit(EventJob, nj)
	}
	p.set("loading model", pctDecoded)
	eng, release, err := a.loadEngine(j, modelPath, set)
	if err != nil {
		return "", err
	}
	defer release()
	p.set("transcribing", pctLoaded)
	began := a.d.Now()

	opt := TranscribeOptions{Language: j.Options.Language, Translate: j.Options.Translate, Threads: set.Threads, SpeechOnly: !set.NoVAD,
		Words: j.Options.IdentifySpeakers}
	if j.Options.IdentifySpeakers && a.d.Diarizer == nil {
		return "", fmt.Errorf("identify speakers: %w", ErrUnavailable)
	}
	spokenEnd := pctSpoken
	if j.Options.IdentifySpeakers {
		spokenEnd = pctDiarize
	}
	var t *transcript.Transcript
	var m []float32 // the mono mix, for diarization too
	if perChannel {
		t, err = transcribeChannels(ctx, eng, work, opt, p)
	} else {
		opt.Progress = func(pc int) { p.set("transcribing", pctLoaded+pc*(spokenEnd-pctLoaded)/100) }
		m = mono(work) // a new buffer when there are several channels
		defer clear(m)
		t, err = eng.Transcribe(ctx, m, opt)
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("transcribe: %w", context.Canceled)
		}
		return "", fmt.Errorf("transcribe: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("transcribe: %w", context.Canceled)
	}
	audioLen := time.Duration(len(channels[0])) * time.Second / sampleRate
	took := a.d.Now().Sub(began)
	a.jobs.update(j.ID, func(j *Job) { j.Speed = speed(audioLen, took) })
	if j.Options.IdentifySpeakers && m != nil { // not with one speaker per channel (set later for the file)
		p.set("identifying speakers", pctDiarize)
		if err := a.d.Diarizer.Diarize(ctx, m, j.Options.Speakers, t); err != nil {
			if ctx.Err() != nil {
				return "", fmt.Errorf("identify speakers: %w", context.Canceled)
			}
			return "", fmt.Errorf("identify speakers: %w", err)
		}
	}
	return a.save(ctx, j, t, audioLen, modelPath, p)
}

// loadEngine acquires the job's model on the chosen device and tells the job (and, once per loaded
// model, the user) which device runs it.
func (a *App) loadEngine(j Job, modelPath string, set Settings) (Transcriber, func(), error) {
	eng, release, fresh, err := a.engines.acquire(modelPath, set.DeviceChoice())
	if err != nil {
		return nil, nil, fmt.Errorf("load model: %w", err)
	}
	rd := runDevice(eng)
	if rd.Fallback != "" && fresh {
		// Once per loaded model: the user and the log hear why the chosen device is not used.
		a.logger().Warn("compute device fallback", "wanted", set.DeviceChoice(), "device", rd.Device, "reason", rd.Fallback)
		a.emit(EventDeviceFallback, DeviceFallback{Wanted: set.DeviceChoice(), Device: rd.Device, Reason: rd.Fallback})
	}
	if j, ok := a.jobs.update(j.ID, func(j *Job) { j.Device, j.DeviceNote = rd.Device, rd.Fallback }); ok {
		a.emit(EventJob, j)
	}
	return eng, release, nil
}

// runWindows streams the file through longform: one engine call for a short file, windows of a
// few minutes with the text context carried across for a long one (bounded memory), and the
// repetition-loop guard on each.
func (a *App) runWindows(ctx context.Context, j Job, sd StreamDecoder, modelPath string, set Settings, p *progress) (string, error) {
	p.set("loading model", 0)
	eng, release, err := a.loadEngine(j, modelPath, set)
	if err != nil {
		return "", err
	}
	defer release()
	p.set("transcribing", pctDecoded)
	began := a.d.Now()
	opt := TranscribeOptions{Language: j.Options.Language, Translate: j.Options.Translate, Threads: set.Threads, SpeechOnly: !set.NoVAD}
	tr := longform.TranscriberFunc(func(ctx context.Context, samples []float32, w longform.WindowOptions) (*transcript.Transcript, error) {
		o := opt
		o.Prompt, o.Progress = w.Prompt, w.Progress
		if w.Retry > 0 {
			o.TemperatureFallback, o.Temperature = true, min(0.2*float32(w.Retry), 1)
		}
		return eng.Transcribe(ctx, samples, o)
	})
	src := func(fn func([]float32, float64) error) (int64, error) { return sd.StreamFile(ctx, j.Path, fn) }
	res, err := longform.Run(ctx, src, tr, longform.Config{
		Progress: func(pc int) { p.set("transcribing", pctDecoded+pc*(pctSpoken-pctDecoded)/100) },
	})
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return "", fmt.Errorf("transcribe: %w", context.Canceled)
		case errors.Is(err, ErrNotFound), errors.Is(err, ErrUnsupported), errors.Is(err, ErrEmpty),
			errors.Is(err, ErrMissingTool), errors.Is(err, ErrCorrupt):
			return "", fmt.Errorf("decode %s: %w", j.Name, err)
		}
		return "", fmt.Errorf("transcribe: %w", err)
	}
	took := a.d.Now().Sub(began)
	// A streamed file's length is known once it has been read through.
	if nj, ok := a.jobs.update(j.ID, func(j *Job) { j.Duration, j.Speed = res.Duration, speed(res.Duration, took) }); ok && nj.State == JobRunning {
		a.emit(EventJob, nj)
	}
	t := &transcript.Transcript{Language: res.Language, Model: res.Model, Segments: res.Segments}
	return a.save(ctx, j, t, res.Duration, modelPath, p)
}

// save stores a finished job's transcript and returns its id.
func (a *App) save(ctx context.Context, j Job, t *transcript.Transcript, duration time.Duration, modelPath string, p *progress) (string, error) {
	p.set("saving", pctSpoken)
	t.ID = ""
	t.Title = strings.TrimSuffix(j.Name, filepath.Ext(j.Name))
	t.SourceName = j.Name
	t.SourceSize = j.Size
	t.Duration = duration
	if t.Model == "" {
		t.Model = strings.TrimSuffix(filepath.Base(modelPath), filepath.Ext(modelPath))
	}
	t.Created = a.d.Now()
	t.Level = j.Options.Level
	if t.Segments == nil {
		t.Segments = []transcript.Segment{}
	}
	if err := a.d.Library.Save(context.WithoutCancel(ctx), t); err != nil {
		return "", fmt.Errorf("save transcript: %w", err)
	}
	if err := a.d.Sources.Set(t.ID, j.Path, t.Level == transcript.Standard); err != nil {
		// Playback is a convenience; the transcript is saved.
		_ = err
	}
	return t.ID, nil
}

const sampleRate = 16000

// sameChannels reports whether every channel carries the same signal as the first.
func sameChannels(ch [][]float32) bool {
	for _, c := range ch[1:] {
		if !audio.NearlyIdentical(ch[0], c) {
			return false
		}
	}
	return true
}

// mono returns the only channel, or the average of several.
func mono(ch [][]float32) []float32 {
	if len(ch) == 1 {
		return ch[0]
	}
	n := len(ch[0])
	for _, c := range ch[1:] {
		n = min(n, len(c))
	}
	out := make([]float32, n)
	for _, c := range ch {
		for i := range out {
			out[i] += c[i]
		}
	}
	inv := 1 / float32(len(ch))
	for i := range out {
		out[i] *= inv
	}
	return out
}

// transcribeChannels transcribes each channel as its own speaker and interleaves the segments by
// start time.
func transcribeChannels(ctx context.Context, eng Transcriber, ch [][]float32, opt TranscribeOptions, p *progress) (*transcript.Transcript, error) {
	var out *transcript.Transcript
	n := len(ch)
	band := (pctSpoken - pctLoaded) / n
	for i, c := range ch {
		base := pctLoaded + i*band
		opt.Progress = func(pc int) { p.set("transcribing", base+pc*band/100) }
		t, err := eng.Transcribe(ctx, c, opt)
		if err != nil {
			return nil, fmt.Errorf("channel %d: %w", i+1, err)
		}
		id := "S" + strconv.Itoa(i+1)
		segs := t.Segments
		if out == nil {
			out = t
			out.Segments = nil
			out.Speakers = nil
		}
		out.Speakers = append(out.Speakers, transcript.Speaker{ID: id, Name: "Speaker " + strconv.Itoa(i+1)})
		for _, s := range segs {
			s.Speaker = id
			out.Segments = append(out.Segments, s)
		}
	}
	sortSegments(out.Segments)
	return out, nil
}

// sortSegments orders segments by start time, keeping equal starts in their order (channel order).
func sortSegments(s []transcript.Segment) {
	slices.SortStableFunc(s, func(a, b transcript.Segment) int { return cmp.Compare(a.Start, b.Start) })
}

// enginePool keeps loaded models, closing the ones no job uses when another model is needed.
type enginePool struct {
	eng  Engines
	mu   sync.Mutex
	open map[string]*pooled
}

type pooled struct {
	t    Transcriber
	refs int
}

func newEnginePool(e Engines) *enginePool { return &enginePool{eng: e, open: map[string]*pooled{}} }

// acquire returns the model at path loaded on device, loading it when needed (fresh reports that).
func (p *enginePool) acquire(path, device string) (Transcriber, func(), bool, error) {
	key := path + "\x00" + device
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.open[key]
	if !ok {
		for k, o := range p.open {
			if o.refs == 0 {
				o.t.Close()
				delete(p.open, k)
			}
		}
		t, err := openOn(p.eng, path, device)
		if err != nil {
			return nil, nil, false, err
		}
		e = &pooled{t: t}
		p.open[key] = e
	}
	e.refs++
	var once sync.Once
	return e.t, func() {
		once.Do(func() {
			p.mu.Lock()
			e.refs--
			p.mu.Unlock()
		})
	}, !ok, nil
}

func (p *enginePool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, o := range p.open {
		o.t.Close()
		delete(p.open, k)
	}
}

// QueueFiles queues files passed to the program (a file manager's "Open with", or a second launch
// forwarded to the running app) with the remembered options, and asks the window to show the queue
// with EventFilesRequested. Relative paths are resolved against dir. A function, not a method, so
// that it is not bound to the page.
func QueueFiles(a *App, dir string, paths []string) ([]Job, error) {
	if len(paths) == 0 {
		return []Job{}, nil
	}
	abs := make([]string, len(paths))
	for i, p := range paths {
		if !filepath.IsAbs(p) && dir != "" {
			p = filepath.Join(dir, p)
		}
		abs[i] = filepath.Clean(p)
	}
	s, err := a.GetSettings()
	if err != nil {
		return nil, fmt.Errorf("open files: %w", err)
	}
	jobs, err := a.AddFiles(abs, JobOptions{Model: s.Model, Language: s.Language, Translate: s.Translate, Level: s.Level, SpeakerPerChannel: s.SpeakerPerChannel})
	if err != nil {
		return nil, fmt.Errorf("open files: %w", err)
	}
	a.emit(EventFilesRequested, abs)
	return jobs, nil
}
