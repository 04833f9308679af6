// Window-wide state: the job queue, settings, vault and models, kept current by the Go side's events.
import {
  api,
  ApiError,
  Events,
  on,
  onFileDrop,
  type Job,
  type JobOptions,
  type Model,
  type ModelProgress,
  type Settings,
  type SystemInfo,
  type VaultStatus,
} from "./api";

export type View = "transcribe" | "library" | "editor" | "settings";

export interface Toast {
  id: number;
  kind: "info" | "error" | "success";
  text: string;
}

class AppState {
  view = $state<View>("transcribe");
  editorId = $state("");
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
  private toastSeq = 0;
  private unsubs: (() => void)[] = [];

  installedModels = $derived(this.models.filter((m) => m.installed));
  activeJobs = $derived(this.jobs.filter((j) => j.state === "queued" || j.state === "running").length);

  async init(): Promise<void> {
    this.unsubs.push(
      on<Job>(Events.job, (j) => this.upsertJob(j)),
      on<string>(Events.jobRemoved, (id) => (this.jobs = this.jobs.filter((j) => j.id !== id))),
      on<string>(Events.library, () => this.libraryVersion++),
      on<VaultStatus>(Events.vault, (v) => (this.vault = v)),
      on<ModelProgress>(Events.model, (p) => this.modelProgress(p)),
      on(Events.modelsChanged, () => void this.loadModels()),
      on<Settings>(Events.settings, (s) => (this.settings = s)),
      on(Events.dataDeleted, () => void this.afterWipe()),
      onFileDrop((paths) => void this.addFiles(paths)),
    );
    await Promise.all([
      this.guard(async () => (this.settings = await api.settings())),
      this.guard(async () => (this.system = await api.systemInfo())),
      this.guard(async () => (this.jobs = await api.jobs())),
      this.loadVault(),
      this.loadModels(),
    ]);
    this.ready = true;
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
    const msg = e instanceof ApiError || e instanceof Error ? e.message : String(e);
    if (e instanceof ApiError && e.locked) this.unlockOpen = true;
    this.toast("error", msg);
  }

  toast(kind: Toast["kind"], text: string, ms = kind === "error" ? 7000 : 3500): void {
    const id = ++this.toastSeq;
    this.toasts = [...this.toasts, { id, kind, text }];
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
    const opt = this.jobOptions();
    // The cached vault status can lag behind a password set a moment ago (it is refreshed by an
    // event); ask the backend before refusing.
    if (opt.level === "private" && this.vault && !this.vault.hasPassword) await this.loadVault();
    if (opt.level === "private" && this.vault && !this.vault.hasPassword) {
      this.toast("error", "Set a vault password in Settings before making private transcripts.");
      this.view = "settings";
      return;
    }
    const jobs = await this.guard(() => api.addFiles(paths, opt));
    if (jobs) {
      // Events may have delivered newer states of these jobs already; they win.
      for (const j of jobs) if (!this.jobs.some((x) => x.id === j.id)) this.jobs = [...this.jobs, j];
      this.view = "transcribe";
    }
  }

  async chooseFiles(): Promise<void> {
    const paths = await this.guard(() => api.chooseFiles());
    if (paths?.length) await this.addFiles(paths);
  }

  async saveSettings(patch: Partial<Settings>): Promise<void> {
    if (!this.settings) return;
    const next = { ...this.settings, ...patch };
    this.settings = next;
    const saved = await this.guard(() => api.saveSettings(next));
    if (saved) this.settings = saved;
  }

  openTranscript(id: string): void {
    this.editorId = id;
    this.view = "editor";
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
