// Window-wide state: the job queue, settings, vault and models, kept current by the Go side's events.
import {
  api,
  ApiError,
  Events,
  on,
  onFileDrop,
  setTitle,
  type DeviceFallback,
  type Job,
  type JobOptions,
  type Model,
  type ModelProgress,
  type QuickRecordState,
  type Settings,
  type SystemInfo,
  type VaultStatus,
} from "./api";
import { finished, outcome } from "./quickrecord";
import { addToast, explainError } from "./messages";

export type View = "transcribe" | "library" | "editor" | "settings";

export interface Toast {
  id: number;
  kind: "info" | "error" | "success";
  text: string;
}

class AppState {
  #view = $state<View>("transcribe");
  /** view is the page shown; every change is logged at debug level with its caller, for tests' diagnostics. */
  get view(): View {
    return this.#view;
  }
  set view(v: View) {
    if (v !== this.#view) console.debug(`[view] ${this.#view} -> ${v}`, new Error().stack?.split("\n").slice(2, 4).join(" < ") ?? "");
    this.#view = v;
  }
  editorId = $state("");
  /** editorFind is the text Find starts with when the editor opens (from a library search). */
  editorFind = $state("");
  /** editorSegment is the segment the editor lands on when it opens from a search hit (-1: none). */
  editorSegment = $state(-1);
  /** unlockThen is the transcript to open once the vault is unlocked (a locked entry was clicked). */
  unlockThen = $state("");
  /** batchExport holds the ids chosen for "Export…" in the library while its dialog is open. */
  batchExport = $state<string[] | null>(null);
  jobs = $state<Job[]>([]);
  settings = $state<Settings | null>(null);
  vault = $state<VaultStatus | null>(null);
  models = $state<Model[]>([]);
  modelsLoaded = $state(false);
  downloads = $state<Record<string, ModelProgress>>({});
  system = $state<SystemInfo | null>(null);
  toasts = $state<Toast[]>([]);
  libraryVersion = $state(0);
  unlockOpen = $state(false);
  ready = $state(false);
  /** quick is the microphone quick recording (null until known; available false without a microphone backend). */
  quick = $state<QuickRecordState | null>(null);
  private toastSeq = 0;
  // Settings saves go to the backend one at a time, in order; while one is pending the page's own
  // (newer) settings win over events and responses carrying older ones.
  private saveChain: Promise<unknown> = Promise.resolve();
  private savesPending = 0;
  private unsubs: (() => void)[] = [];

  installedModels = $derived(this.models.filter((m) => m.installed));
  activeJobs = $derived(this.jobs.filter((j) => j.state === "queued" || j.state === "running").length);

  async init(): Promise<void> {
    this.unsubs.push(
      on<Job>(Events.job, (j) => this.upsertJob(j)),
      on<string>(Events.jobRemoved, (id) => (this.jobs = this.jobs.filter((j) => j.id !== id))),
      on<string>(Events.library, () => this.libraryVersion++),
      on<VaultStatus>(Events.vault, (v) => this.vaultChanged(v)),
      on<SystemInfo>(Events.system, (info) => (this.system = info)),
      on(Events.filesRequested, () => (this.view = "transcribe")), // "Open with": show the queue
      on<ModelProgress>(Events.model, (p) => this.modelProgress(p)),
      on(Events.modelsChanged, () => void this.loadModels()),
      on<Settings>(Events.settings, (s) => {
        if (this.savesPending === 0) this.settings = s;
      }),
      on(Events.dataDeleted, () => void this.afterWipe()),
      on<QuickRecordState>(Events.quickRecord, (q) => this.quickChanged(q)),
      on<string>(Events.showTranscript, (id) => id && this.openTranscript(id)),
      // A chosen GPU could not be used: say why, once per loaded model (the job also records it).
      on<DeviceFallback>(Events.deviceFallback, (f) => this.toast("error", `Transcribing on the CPU: ${f.reason}`, 12000)),
      onFileDrop((paths) => void this.addFiles(paths)),
    );
    await Promise.all([
      this.guard(async () => (this.settings = await api.settings())),
      this.guard(async () => (this.system = await api.systemInfo())),
      this.guard(async () => (this.jobs = await api.jobs())),
      this.loadVault(),
      this.loadModels(),
      this.loadQuick(),
    ]);
    this.ready = true;
    // The ready signal: the native window starts titled "Hushscribe (starting)" and gets its name
    // only from a mounted page; build/screenshot.sh and build/dndtest.sh wait for that title, so an
    // error page or a page that never mounts fails them. The e2e tests check the data attribute.
    setTitle("Hushscribe");
    document.documentElement.dataset.ready = "true";
  }

  destroy(): void {
    for (const u of this.unsubs) u();
    this.unsubs = [];
  }

  /** guard runs f and shows its error as a toast. */
  async guard<T>(f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (e) {
      this.error(e);
      return undefined;
    }
  }

  error(e: unknown): void {
    const msg = explainError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    if (e instanceof ApiError && e.locked) this.unlockOpen = true;
    this.toast("error", msg);
  }

  toast(kind: Toast["kind"], text: string, ms = kind === "error" ? 7000 : 3500): void {
    const id = ++this.toastSeq;
    this.toasts = addToast(this.toasts, { id, kind, text });
    setTimeout(() => this.dismiss(id), ms);
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  upsertJob(j: Job): void {
    const i = this.jobs.findIndex((x) => x.id === j.id);
    if (i < 0) this.jobs = [...this.jobs, j];
    else this.jobs[i] = j;
  }

  async loadVault(): Promise<void> {
    try {
      this.vault = await api.vaultStatus();
    } catch {
      this.vault = null; // a build without a vault
    }
  }

  vaultChanged(v: VaultStatus): void {
    this.vault = v;
    // A lock forgets the last quick recording (its title may be private), as the Go side does.
    if (v.locked && this.quick?.last) this.quick = { ...this.quick, last: null as unknown as QuickRecordState["last"] };
  }

  async loadQuick(): Promise<void> {
    try {
      this.quick = await api.quickRecordStatus();
    } catch {
      this.quick = null;
    }
  }

  /** quickChanged shows a quick recording's new state and tells the user when its text is ready. */
  quickChanged(q: QuickRecordState): void {
    const prev = this.quick;
    this.quick = q;
    if (finished(prev, q) && q.last) {
      const o = outcome(q.last);
      this.toast(o.kind, o.text);
    }
  }

  async quickRecordToggle(): Promise<void> {
    const recording = this.quick?.phase === "recording";
    const q = await this.guard(() => (recording ? api.quickRecordStop() : api.quickRecordStart()));
    // Events may already carry a newer state (a silence stop, the level); only take the answer when
    // none came in between.
    if (q && this.quick?.phase === (recording ? "recording" : "idle")) this.quick = q;
  }

  async loadModels(): Promise<void> {
    try {
      this.models = await api.models();
    } catch (e) {
      this.error(e);
    } finally {
      this.modelsLoaded = true;
    }
  }

  modelProgress(p: ModelProgress): void {
    this.downloads = { ...this.downloads, [p.name]: p };
    if (p.state === "done") {
      this.toast("success", `Model “${p.name}” is ready.`);
      const { [p.name]: _, ...rest } = this.downloads;
      this.downloads = rest;
    } else if (p.state === "failed") {
      this.toast("error", `Downloading “${p.name}” failed: ${p.error}`);
    } else if (p.state === "cancelled") {
      const { [p.name]: _, ...rest } = this.downloads;
      this.downloads = rest;
    }
  }

  /** jobOptions are the options for new jobs: the remembered defaults. */
  jobOptions(): JobOptions {
    const s = this.settings;
    return {
      model: s?.model ?? "",
      language: s?.language ?? "auto",
      translate: s?.translate ?? false,
      level: s?.level ?? "standard",
      speakerPerChannel: s?.speakerPerChannel ?? false,
    };
  }

  async addFiles(paths: string[]): Promise<void> {
    if (!paths.length) return;
    console.debug("[drop]", paths.join(", "));
    // Wait for pending settings saves so that the backend and the page agree on the options. The
    // backend decides whether Private work is possible (the page's cached vault status can lag).
    await this.saveChain;
    const opt = this.jobOptions();
    let jobs: Job[];
    try {
      jobs = await api.addFiles(paths, opt);
    } catch (e) {
      console.debug("[drop] refused:", String(e));
      this.error(e);
      if (e instanceof ApiError && e.noVaultPassword) this.view = "settings";
      return;
    }
    // Events may have delivered newer states of these jobs already; they win.
    for (const j of jobs) if (!this.jobs.some((x) => x.id === j.id)) this.jobs = [...this.jobs, j];
    this.view = "transcribe";
  }

  async chooseFiles(): Promise<void> {
    const paths = await this.guard(() => api.chooseFiles());
    if (paths?.length) await this.addFiles(paths);
  }

  /**
   * saveSettings applies patch at once and saves the result. Saves run one after another, each
   * sending the whole settings as they were when it was asked for, so the last one asked for is the
   * one the backend keeps; only the last answer is applied.
   */
  async saveSettings(patch: Partial<Settings>): Promise<void> {
    if (!this.settings) return;
    const next = { ...this.settings, ...patch };
    this.settings = next;
    this.savesPending++;
    const run = this.saveChain.then(() => this.guard(() => api.saveSettings(next)));
    this.saveChain = run;
    const saved = await run;
    if (--this.savesPending === 0) {
      if (saved) this.settings = saved;
      else await this.guard(async () => (this.settings = await api.settings())); // failed: show what is stored
    }
  }

  openTranscript(id: string, find = "", segment = -1): void {
    this.editorFind = find;
    this.editorSegment = segment;
    this.editorId = id;
    this.view = "editor";
  }

  /** unlockFor asks for the vault password and then opens transcript id. */
  unlockFor(id: string, find = ""): void {
    this.unlockThen = id;
    this.editorFind = find;
    this.unlockOpen = true;
  }

  /** unlocked is called after a successful unlock from the dialog. */
  unlocked(): void {
    const id = this.unlockThen;
    this.unlockThen = "";
    if (id) {
      const find = this.editorFind;
      // Re-opening the same id re-mounts nothing; the editor reloads itself on unlock.
      this.openTranscript(id, find);
    }
  }

  private async afterWipe(): Promise<void> {
    this.editorId = "";
    this.view = "transcribe";
    this.libraryVersion++;
    await Promise.all([
      this.guard(async () => (this.settings = await api.settings())),
      this.guard(async () => (this.jobs = await api.jobs())),
      this.loadVault(),
      this.loadModels(),
    ]);
  }
}

export const appState = new AppState();
