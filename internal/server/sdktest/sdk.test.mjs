// The official OpenAI JavaScript SDK (npm "openai", pinned in package.json) against a running
// `hushscribe serve`. Started by sdk_test.go, which builds the real binary, generates a model and
// passes: HS_URL (http://127.0.0.1:PORT/v1), HS_KEY (a valid API key), HS_AUDIO (a speech file),
// HS_BIG (a file larger than the server's -max-upload), HS_MODEL (the served model's name).
//
// Any field the SDK's types promise that the server lacks fails here, as does any error the SDK does
// not map to its typed classes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import OpenAI, { toFile } from 'openai';

const { HS_URL, HS_KEY, HS_AUDIO, HS_BIG, HS_MODEL } = process.env;
for (const [k, v] of Object.entries({ HS_URL, HS_KEY, HS_AUDIO, HS_BIG, HS_MODEL })) {
  if (!v) throw new Error(`${k} is not set (run through sdk_test.go)`);
}

// fetchLog records every HTTP exchange the SDK makes, to check its retries.
function client(opts = {}) {
  const log = [];
  const c = new OpenAI({
    apiKey: HS_KEY,
    baseURL: HS_URL,
    maxRetries: 0,
    timeout: 120_000,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      log.push({ url: String(url), status: res.status, retryAfter: res.headers.get('retry-after') });
      return res;
    },
    ...opts,
  });
  return { c, log };
}

const audio = () => fs.createReadStream(HS_AUDIO);

function isNum(x) {
  return typeof x === 'number' && Number.isFinite(x);
}

test('models.list and models.retrieve', async () => {
  const { c } = client();
  const models = [];
  for await (const m of c.models.list()) models.push(m);
  const m = models.find((m) => m.id === HS_MODEL);
  assert.ok(m, `model ${HS_MODEL} in ${JSON.stringify(models)}`);
  assert.equal(m.object, 'model');
  assert.ok(isNum(m.created));
  assert.equal(typeof m.owned_by, 'string');
  const one = await c.models.retrieve('whisper-1'); // OpenAI's name maps to the default model
  assert.equal(one.id, HS_MODEL);
});

test('transcriptions.create json (default)', async () => {
  const { c } = client();
  const r = await c.audio.transcriptions.create({ file: audio(), model: 'whisper-1' });
  assert.equal(typeof r.text, 'string');
  assert.ok(r.text.length > 0, 'some text');
  assert.equal(r.usage?.type, 'duration');
  assert.ok(r.usage.seconds > 10 && r.usage.seconds < 12, `usage ${JSON.stringify(r.usage)}`);
});

test('transcriptions.create text, srt, vtt', async () => {
  const { c } = client();
  const text = await c.audio.transcriptions.create({ file: audio(), model: HS_MODEL, response_format: 'text' });
  assert.equal(typeof text, 'string');
  assert.ok(text.trim().length > 0);
  const srt = await c.audio.transcriptions.create({ file: audio(), model: HS_MODEL, response_format: 'srt' });
  assert.match(srt, /^1\r?\n\d\d:\d\d:\d\d,\d\d\d --> \d\d:\d\d:\d\d,\d\d\d\r?\n/);
  const vtt = await c.audio.transcriptions.create({ file: audio(), model: HS_MODEL, response_format: 'vtt' });
  assert.match(vtt, /^WEBVTT\r?\n/);
  assert.match(vtt, /\d\d:\d\d:\d\d\.\d\d\d --> \d\d:\d\d:\d\d\.\d\d\d/);
});

test('transcriptions.create verbose_json with word and segment timestamps, language, prompt', async () => {
  const { c } = client();
  const r = await c.audio.transcriptions.create({
    file: audio(),
    model: HS_MODEL,
    response_format: 'verbose_json',
    timestamp_granularities: ['word', 'segment'],
    language: 'en',
    prompt: 'Kennedy, inauguration',
    temperature: 0,
  });
  assert.equal(r.language, 'english');
  assert.ok(isNum(r.duration) && r.duration > 10 && r.duration < 12);
  assert.equal(typeof r.text, 'string');
  assert.ok(Array.isArray(r.segments) && r.segments.length > 0);
  for (const s of r.segments) {
    for (const k of ['id', 'seek', 'start', 'end', 'temperature', 'avg_logprob', 'compression_ratio', 'no_speech_prob']) {
      assert.ok(isNum(s[k]), `segment.${k} = ${s[k]}`);
    }
    assert.equal(typeof s.text, 'string');
    assert.ok(Array.isArray(s.tokens));
    assert.ok(s.start <= s.end && s.end <= r.duration + 1e-9);
  }
  assert.ok(Array.isArray(r.words) && r.words.length > 0, 'words');
  for (const w of r.words) {
    assert.equal(typeof w.word, 'string');
    assert.ok(isNum(w.start) && isNum(w.end) && w.start <= w.end);
  }
  assert.equal(r.usage?.type, 'duration');
});

test('transcriptions.create verbose_json with word timestamps only', async () => {
  const { c } = client();
  const r = await c.audio.transcriptions.create({
    file: await toFile(fs.readFileSync(HS_AUDIO), 'speech.flac'),
    model: HS_MODEL,
    response_format: 'verbose_json',
    timestamp_granularities: ['word'],
  });
  assert.ok(r.words.length > 0);
  assert.equal(r.segments, undefined);
});

test('translations.create json, verbose_json, text', async () => {
  const { c } = client();
  const j = await c.audio.translations.create({ file: audio(), model: HS_MODEL });
  assert.equal(typeof j.text, 'string');
  const v = await c.audio.translations.create({ file: audio(), model: HS_MODEL, response_format: 'verbose_json', prompt: 'Speech.' });
  assert.ok(isNum(v.duration) && Array.isArray(v.segments) && typeof v.language === 'string');
  const t = await c.audio.translations.create({ file: audio(), model: HS_MODEL, response_format: 'text' });
  assert.equal(typeof t, 'string');
});

test('streaming transcription: transcript.text.delta events, then transcript.text.done', async () => {
  const { c } = client();
  const plain = await c.audio.transcriptions.create({ file: audio(), model: HS_MODEL, language: 'en' });
  const stream = await c.audio.transcriptions.create({ file: audio(), model: HS_MODEL, language: 'en', stream: true });
  let deltas = '';
  let done = null;
  let n = 0;
  for await (const ev of stream) {
    if (ev.type === 'transcript.text.delta') {
      assert.equal(done, null, 'delta after done');
      deltas += ev.delta;
      n++;
    } else if (ev.type === 'transcript.text.done') {
      done = ev;
    } else {
      assert.fail(`unexpected event ${JSON.stringify(ev)}`);
    }
  }
  assert.ok(done, 'transcript.text.done');
  assert.ok(n > 0, 'at least one delta');
  assert.equal(done.text, plain.text, 'the done text equals the non-streamed text');
  assert.equal(deltas, done.text, 'the deltas concatenate to the done text');
});

test('400: a corrupt file is a BadRequestError', async () => {
  const { c } = client();
  await assert.rejects(
    c.audio.transcriptions.create({ file: await toFile(Buffer.from('this is not audio at all'), 'x.wav'), model: HS_MODEL }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && e.error?.type === 'invalid_request_error',
  );
  await assert.rejects(
    c.audio.transcriptions.create({ file: audio(), model: 'no-such-model' }),
    (e) => e instanceof OpenAI.BadRequestError && e.code === 'model_not_found' && e.param === 'model',
  );
});

test('401: a wrong key is an AuthenticationError', async () => {
  const { c } = client({ apiKey: 'sk-hs-wrong-key' });
  await assert.rejects(
    c.audio.transcriptions.create({ file: audio(), model: HS_MODEL }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401,
  );
  await assert.rejects(c.models.list(), (e) => e instanceof OpenAI.AuthenticationError);
});

test('413: an upload over the limit is an APIError with status 413', async () => {
  const { c } = client();
  await assert.rejects(
    c.audio.transcriptions.create({ file: fs.createReadStream(HS_BIG), model: HS_MODEL }),
    (e) => e instanceof OpenAI.APIError && e.status === 413 && e.code === 'file_too_large',
  );
});

// The server runs with one worker and a queue of one: three requests at once leave one with 429.
test('429: a full queue is a RateLimitError with Retry-After; the SDK retries and then succeeds', async () => {
  const { c, log } = client();
  const results = await Promise.allSettled([0, 1, 2].map(() => c.audio.transcriptions.create({ file: audio(), model: HS_MODEL })));
  const limited = results.filter((r) => r.status === 'rejected');
  assert.ok(limited.length >= 1, `some request was limited: ${JSON.stringify(log)}`);
  for (const r of limited) {
    assert.ok(r.reason instanceof OpenAI.RateLimitError, `${r.reason}`);
    assert.equal(r.reason.status, 429);
    assert.ok(Number(r.reason.headers.get('retry-after')) > 0, 'Retry-After');
  }
  // With retries on, the SDK waits as Retry-After says and gets through. (The SDK never retries a
  // request whose body is a stream, so the file is handed over as a buffer here.)
  const retrying = client({ maxRetries: 5 });
  const bytes = fs.readFileSync(HS_AUDIO);
  const again = await Promise.all(
    [0, 1, 2].map(async () => retrying.c.audio.transcriptions.create({ file: await toFile(bytes, 'jfk.flac'), model: HS_MODEL })),
  );
  assert.equal(again.length, 3);
  const statuses = retrying.log.map((e) => e.status);
  assert.ok(statuses.includes(429), `a 429 was seen and retried: ${statuses}`);
  assert.ok(statuses.filter((s) => s === 200).length >= 3, `every request succeeded in the end: ${statuses}`);
  for (const e of retrying.log.filter((e) => e.status === 429)) assert.ok(Number(e.retryAfter) > 0);
});
