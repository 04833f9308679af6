// The page's only door to the Go side. Nothing else imports the generated wailsjs bindings, so the
// same code runs in the desktop window (Wails) and in a browser against the e2e dev server (whose shim
// provides window.go and window.runtime).
import * as App from "../../../wailsjs/go/app/App";
import * as rt from "../../../wailsjs/runtime/runtime";
import type { app, transcript } from "../../../wailsjs/go/models";

export type Job = app.Job;
export type JobOptions = app.JobOptions;
export type Entry = app.Entry;
export type Query = app.Query;
export type Settings = app.Settings;
export type VaultStatus = app.VaultStatus;
export type Model = app.Model;
export type ModelProgress = app.ModelProgress;
export type Format = app.Format;
export type FormatOption = app.FormatOption;
export type ExportOptions = app.ExportOptions;
export type SystemInfo = app.SystemInfo;
export type BackupStatus = app.BackupStatus;
export type BackupAccount = app.BackupAccount;
export type BackupDevice = app.BackupDevice;
export type BackupReport = app.BackupReport;
export type QuickRecordState = app.QuickRecordState;
export type QuickRecordResult = app.QuickRecordResult;
export type InputDevice = app.InputDevice;
export type InputLevel = app.InputLevel;
export type DictationSettings = app.DictationSettings;
export type DictationState = app.DictationState;
export type ComputeDevices = app.ComputeDevices;
export type DeviceFallback = app.DeviceFallback;
export type Transcript = transcript.Transcript;
export type Segment = transcript.Segment;
export type Speaker = transcript.Speaker;
export type Level = "standard" | "private";

/** ApiError is what every failed call rejects with; message is the Go error's text. */
export class ApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApiError";
  }
  /** noVaultPassword reports whether the error says Private work needs a vault password first. */
  get noVaultPassword(): boolean {
    return /set a vault password/i.test(this.message);
  }
  /** locked reports whether the error says the vault is locked. */
  get locked(): boolean {
    return /locked/i.test(this.message);
  }
}

function wrap<A extends unknown[], R>(f: (...a: A) => Promise<R>): (...a: A) => Promise<R> {
  return async (...a: A) => {
    try {
      return await f(...a);
    } catch (e) {
      throw new ApiError(typeof e === "string" ? e : e instanceof Error ? e.message : String(e));
    }
  };
}

export const api = {
  // Queue
  addFiles: wrap((paths: string[], opt: JobOptions) => App.AddFiles(paths, opt)),
  chooseFiles: wrap(() => App.ChooseFiles()),
  jobs: wrap(() => App.Jobs()),
  cancelJob: wrap((id: string) => App.CancelJob(id)),
  retryJob: wrap((id: string) => App.RetryJob(id)),
  setJobSpeakerPerChannel: wrap((id: string, on: boolean) => App.SetJobSpeakerPerChannel(id, on)),
  removeJob: wrap((id: string) => App.RemoveJob(id)),
  clearFinished: wrap(() => App.ClearFinished()),

  // Library
  list: wrap((q: Query) => App.ListTranscripts(q)),
  languages: wrap(() => App.Languages()),
  get: wrap((id: string) => App.GetTranscript(id)),
  save: wrap((t: Transcript) => App.SaveTranscript(t)),
  rename: wrap((id: string, title: string) => App.RenameTranscript(id, title)),
  remove: wrap((id: string) => App.DeleteTranscript(id)),
  setLevel: wrap((id: string, level: Level) => App.SetLevel(id, level)),
  mediaURL: wrap((id: string) => App.MediaURL(id)),
  waveform: wrap((id: string, buckets: number) => App.Waveform(id, buckets)),

  // Export
  formats: wrap(() => App.ExportFormats()),
  exportText: wrap((id: string, format: string, opt: ExportOptions) => App.ExportText(id, format, opt)),
  exportToFile: wrap((id: string, format: string, opt: ExportOptions) => App.ExportToFile(id, format, opt)),
  exportManyToFile: wrap((ids: string[], format: string, opt: ExportOptions) => App.ExportManyToFile(ids, format, opt)),
  exportToFileProtected: wrap((id: string, format: string, opt: ExportOptions, password: string) =>
    App.ExportToFileProtected(id, format, opt, password)),

  // Vault
  vaultStatus: wrap(() => App.VaultStatus()),
  setPassword: wrap((pw: string) => App.SetPassword(pw)),
  changePassword: wrap((oldPw: string, newPw: string) => App.ChangePassword(oldPw, newPw)),
  unlock: wrap((pw: string) => App.Unlock(pw)),
  lock: wrap(() => App.Lock()),
  setIdleTimeout: wrap((minutes: number) => App.SetIdleTimeout(minutes)),
  setRemember: wrap((on: boolean) => App.SetRemember(on)),

  // Models
  models: wrap(() => App.ListModels()),
  downloadModel: wrap((name: string) => App.DownloadModel(name)),
  cancelDownload: wrap((name: string) => App.CancelDownload(name)),
  importModel: wrap(() => App.ImportModel()),
  deleteModel: wrap((name: string) => App.DeleteModel(name)),
  setDefaultModel: wrap((name: string) => App.SetDefaultModel(name)),

  // Settings and system
  settings: wrap(() => App.GetSettings()),
  saveSettings: wrap((s: Settings) => App.SaveSettings(s)),
  systemInfo: wrap(() => App.SystemInfo()),
  computeDevices: wrap(() => App.ComputeDevices()),
  deleteAllData: wrap((confirm: string) => App.DeleteAllData(confirm)),
  deleteAllDataAndBackup: wrap((confirm: string, backupPassword: string) => App.DeleteAllDataAndBackup(confirm, backupPassword)),

  // Quick recording from the microphone (also driven by the tray and the global hotkey)
  quickRecordStatus: wrap(() => App.QuickRecordStatus()),
  quickRecordStart: wrap(() => App.QuickRecordStart()),
  quickRecordStop: wrap(() => App.QuickRecordStop()),
  inputDevices: wrap(() => App.ListInputDevices()),

  // Dictation into other apps (push-to-talk shortcut; settings in Settings.dictation)
  dictationStatus: wrap(() => App.DictationStatus()),

  // Cloud backup (opt-in)
  backupStatus: wrap(() => App.BackupStatus()),
  backupSignUp: wrap((a: BackupAccount) => App.BackupSignUp(a)),
  backupSignIn: wrap((a: BackupAccount) => App.BackupSignIn(a)),
  syncBackup: wrap(() => App.SyncBackup()),
  backupSignOut: wrap(() => App.BackupSignOut()),
  deleteBackupAccount: wrap((password: string) => App.DeleteBackupAccount(password)),
  changeBackupPassword: wrap((oldPw: string, newPw: string) => App.ChangeBackupPassword(oldPw, newPw)),
  backupDevices: wrap(() => App.BackupDevices()),
  resolveBackupDowngrade: wrap((id: string, accept: boolean) => App.ResolveBackupDowngrade(id, accept)),
  passwordStrength: wrap((pw: string) => App.PasswordStrength(pw)),
};

/** Event names the Go side emits (see app/app.go). */
export const Events = {
  job: "job",
  jobRemoved: "job:removed",
  library: "library:changed",
  vault: "vault",
  model: "model",
  modelsChanged: "models:changed",
  settings: "settings",
  dataDeleted: "data:deleted",
  backup: "backup",
  quickRecord: "quickrecord",
  showTranscript: "transcript:show",
  system: "system",
  filesRequested: "files:requested",
  dictation: "dictation",
  deviceFallback: "device:fallback",
} as const;

/** on subscribes to a Go event and returns the unsubscribe function. */
export function on<T = unknown>(name: string, cb: (data: T) => void): () => void {
  return rt.EventsOn(name, (data: T) => cb(data));
}

/** onFileDrop receives the absolute paths of files dropped on the window. */
export function onFileDrop(cb: (paths: string[]) => void): () => void {
  rt.OnFileDrop((_x: number, _y: number, paths: string[]) => cb(paths ?? []), true);
  return () => rt.OnFileDropOff();
}

/** copyText puts text on the system clipboard. */
export async function copyText(text: string): Promise<boolean> {
  return rt.ClipboardSetText(text);
}

/** setTitle sets the window title. */
export function setTitle(title: string): void {
  rt.WindowSetTitle(title);
}
