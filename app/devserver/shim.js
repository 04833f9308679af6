// Hushscribe dev/e2e shim: gives a plain browser the window.go and window.runtime objects that the
// Wails webview provides, backed by the dev server's HTTP API and event stream.
(function () {
  "use strict";
  const listeners = new Map(); // name -> [{cb, left}]
  let dropCallback = null;

  function dispatch(name, args) {
    if (name === "wails:file-drop") {
      if (dropCallback) dropCallback(args[0], args[1], args[2]);
      return;
    }
    const ls = listeners.get(name);
    if (!ls) return;
    for (const l of ls.slice()) {
      try {
        l.cb(...args);
      } catch (e) {
        console.error("event listener for " + name + " failed", e);
      }
      if (l.left > 0 && --l.left === 0) {
        const i = ls.indexOf(l);
        if (i >= 0) ls.splice(i, 1);
      }
    }
  }

  let es = null;
  function connect() {
    es = new EventSource("/api/events");
    es.onopen = () => { window.__hushscribeEventsReady = true; };
    es.onmessage = (m) => {
      const ev = JSON.parse(m.data);
      const args = ev.name === "wails:file-drop" ? ev.data : [ev.data];
      dispatch(ev.name, args);
    };
  }
  connect();

  const call = (method) => (...args) =>
    fetch("/api/call/" + method, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(args),
    })
      .then((r) => r.json())
      .then((r) => {
        if (r.error !== undefined) throw r.error;
        return r.result;
      });

  window.go = { app: { App: new Proxy({}, { get: (_, name) => call(String(name)) }) } };

  let clipboard = "";
  const noop = () => {};
  window.runtime = {
    EventsOnMultiple(name, cb, max) {
      const l = { cb, left: max };
      if (!listeners.has(name)) listeners.set(name, []);
      listeners.get(name).push(l);
      return () => {
        const ls = listeners.get(name) || [];
        const i = ls.indexOf(l);
        if (i >= 0) ls.splice(i, 1);
      };
    },
    EventsOff(name, ...more) {
      for (const n of [name, ...more]) listeners.delete(n);
    },
    EventsOffAll() {
      listeners.clear();
    },
    EventsEmit(name, ...data) {
      dispatch(name, data);
    },
    OnFileDrop(cb) {
      dropCallback = cb;
    },
    OnFileDropOff() {
      dropCallback = null;
    },
    CanResolveFilePaths: () => false,
    ResolveFilePaths: noop,
    ClipboardSetText(text) {
      clipboard = String(text);
      window.__hushscribeClipboard = clipboard;
      return Promise.resolve(true);
    },
    ClipboardGetText: () => Promise.resolve(clipboard),
    Environment: () => Promise.resolve({ buildType: "dev", platform: "browser", arch: "" }),
    BrowserOpenURL: (u) => window.open(u, "_blank", "noopener"),
    WindowSetTitle: (t) => { document.title = t; },
    WindowReload: () => location.reload(),
    WindowReloadApp: () => location.reload(),
    Quit: noop, Hide: noop, Show: noop,
    LogPrint: (m) => console.log(m), LogTrace: (m) => console.debug(m), LogDebug: (m) => console.debug(m),
    LogInfo: (m) => console.info(m), LogWarning: (m) => console.warn(m), LogError: (m) => console.error(m),
    LogFatal: (m) => console.error(m),
  };
  for (const n of ["WindowCenter", "WindowFullscreen", "WindowUnfullscreen", "WindowHide", "WindowShow",
    "WindowMaximise", "WindowUnmaximise", "WindowToggleMaximise", "WindowMinimise", "WindowUnminimise",
    "WindowSetAlwaysOnTop", "WindowSetBackgroundColour", "WindowSetDarkTheme", "WindowSetLightTheme",
    "WindowSetSystemDefaultTheme", "WindowSetSize", "WindowSetMinSize", "WindowSetMaxSize", "WindowSetPosition"]) {
    window.runtime[n] = noop;
  }
})();
