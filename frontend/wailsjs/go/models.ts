export namespace app {
	export interface BackupAccount {
	    server: string;
	    fingerprint: string;
	    email: string;
	    password: string;
	    remember: boolean;
	    invite: string;
	}
	
	export interface BackupDevice {
	    id: string;
	    name: string;
	    created: string;
	    lastSeen: string;
	    current: boolean;
	}
	
	export interface BackupReport {
	    pushed: number;
	    pulled: number;
	    deletedLocal: number;
	    deletedRemote: number;
	    conflicts: number;
	    skipped: number;
	    damaged: number;
	}
	
	export interface BackupStatus {
	    available: boolean;
	    enabled: boolean;
	    server: string;
	    fingerprint: string;
	    email: string;
	    deviceId: string;
	    lastSync: string;
	    remember: boolean;
	    pendingDowngrades: Array<string>;
	    syncing: boolean;
	    lastReport: app.BackupReport;
	    lastError: string;
	    offline: boolean;
	    signedOut: boolean;
	    tampered: boolean;
	    lastTry: string;
	}
	
	export interface BuildInfo {
	    commit: string;
	    modified: boolean;
	    whisper: string;
	    backends: Array<string>;
	}
	
	export interface ComputeDevice {
	    id: string;
	    description: string;
	    backend: string;
	    type: string;
	    memoryTotal: number;
	    memoryFree: number;
	    usable: boolean;
	}
	
	export interface ComputeDevices {
	    devices: Array<app.ComputeDevice>;
	    auto: string;
	    notes: Array<string>;
	    selected: string;
	    modelMemory: number;
	}
	
	export interface DeviceFallback {
	    wanted: string;
	    device: string;
	    reason: string;
	}
	
	export interface DictationSettings {
	    mode: string;
	    shortcut: string;
	    method: string;
	    trailing: string;
	    language: string;
	    model: string;
	    prompt: string;
	    save: boolean;
	}
	
	export interface DictationState {
	    available: boolean;
	    phase: string;
	    elapsed: number;
	    level: app.InputLevel;
	    shortcut: string;
	    tool: string;
	    problem: string;
	    last: string;
	}
	
	export interface Entry {
	    id: string;
	    title: string;
	    sourceName: string;
	    language: string;
	    model: string;
	    level: string;
	    duration: number;
	    created: string;
	    locked: boolean;
	    snippet: string;
	    hits: number;
	    matches: Array<app.EntryMatch>;
	    preview: string;
	    segments: number;
	}
	
	export interface EntryMatch {
	    segment: number;
	    start: number;
	    spans: Array<app.MatchSpan>;
	}
	
	export interface ExportOptions {
	    timestamps: boolean;
	    speakers: boolean;
	    maxLineLength: number;
	    maxLines: number;
	    wordCues: boolean;
	    wordsPerCue: number;
	    escapeFormulas: boolean;
	}
	
	export interface Format {
	    id: string;
	    name: string;
	    ext: string;
	    binary: boolean;
	    options: Array<app.FormatOption>;
	}
	
	export interface FormatOption {
	    key: string;
	    label: string;
	    kind: string;
	    min: number;
	    max: number;
	    hint: string;
	}
	
	export interface InputDevice {
	    id: string;
	    name: string;
	    default: boolean;
	}
	
	export interface InputLevel {
	    rms: number;
	    peak: number;
	    silent: boolean;
	}
	
	export interface Job {
	    id: string;
	    path: string;
	    name: string;
	    size: number;
	    options: app.JobOptions;
	    state: string;
	    stage: string;
	    percent: number;
	    duration: number;
	    notice: string;
	    remaining: number;
	    error: string;
	    errorKind: string;
	    detail: string;
	    transcriptId: string;
	    device: string;
	    deviceNote: string;
	    speed: number;
	    added: string;
	    started: string;
	    finished: string;
	}
	
	export interface JobOptions {
	    model: string;
	    language: string;
	    translate: boolean;
	    level: string;
	    speakerPerChannel: boolean;
	    identifySpeakers: boolean;
	    speakers: number;
	}
	
	export interface MatchSpan {
	    text: string;
	    match: boolean;
	}
	
	export interface Model {
	    name: string;
	    description: string;
	    size: number;
	    installed: boolean;
	    default: boolean;
	    downloadable: boolean;
	    multilingual: boolean;
	    kind?: string;
	}
	
	export interface ModelProgress {
	    name: string;
	    done: number;
	    total: number;
	    percent: number;
	    state: string;
	    error: string;
	}
	
	export interface PasswordStrength {
	    acceptable: boolean;
	    problem: string;
	    score: number;
	    bits: number;
	}
	
	export interface Query {
	    text: string;
	    language: string;
	    level: string;
	    from: string;
	    to: string;
	    limit: number;
	}
	
	export interface QuickRecordResult {
	    transcriptId: string;
	    title: string;
	    duration: number;
	    copied: boolean;
	    saved: boolean;
	    error: string;
	}
	
	export interface QuickRecordState {
	    available: boolean;
	    phase: string;
	    device: app.InputDevice;
	    elapsed: number;
	    level: app.InputLevel;
	    preview: string;
	    last: app.QuickRecordResult;
	}
	
	export interface Settings {
	    model: string;
	    language: string;
	    translate: boolean;
	    level: string;
	    speakerPerChannel: boolean;
	    noVad: boolean;
	    identifySpeakers: boolean;
	    speakers: number;
	    threads: number;
	    useGpu: boolean;
	    device: string;
	    exportFormat: string;
	    exportOptions: app.ExportOptions;
	    inputDevice: string;
	    quickSilenceSeconds: number;
	    quickCopy: boolean;
	    quickSave: boolean;
	    quickPreview: boolean;
	    dictation: app.DictationSettings;
	    cloudBackup: boolean;
	    uiLanguage: string;
	}
	
	export interface SystemInfo {
	    version: string;
	    build: app.BuildInfo;
	    backend: string;
	    maxCpu: number;
	    dataDir: string;
	    hasVault: boolean;
	    os: string;
	    hotkey: string;
	}
	
	export interface VaultStatus {
	    hasPassword: boolean;
	    locked: boolean;
	    remember: boolean;
	    idleMinutes: number;
	}

}

export namespace transcript {
	export interface Segment {
	    start: number;
	    end: number;
	    text: string;
	    speaker?: string;
	    words?: Array<transcript.Word>;
	    uncertain?: boolean;
	}
	
	export interface Speaker {
	    id: string;
	    name: string;
	}
	
	export interface Transcript {
	    id?: string;
	    title: string;
	    source_name?: string;
	    source_size?: number;
	    duration: number;
	    language?: string;
	    model?: string;
	    created: string;
	    level?: string;
	    segments: Array<transcript.Segment>;
	    speakers?: Array<transcript.Speaker>;
	}
	
	export interface Word {
	    start: number;
	    end: number;
	    text: string;
	    probability: number;
	}

}
