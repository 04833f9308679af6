#!/usr/bin/python3
"""A native X11 drag source for build/dndtest.sh: a small GTK 3 window that offers one file as
text/uri-list, the way a file manager does. The pointer (xdotool, through XTEST) starts the drag on
it; GTK then speaks XDND to whatever window is under the pointer.

Usage: dragsource.py FILE X Y   (shows the window at X,Y; prints what happens; exits 0 after a drop
that the target accepted, 1 after a failed or cancelled drag, 2 after 120 s without one)
"""
import os
import sys

import gi

gi.require_version("Gdk", "3.0")
gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gdk, Gtk  # noqa: E402


def log(*args):
    print("dragsource:", *args, flush=True)


def main():
    path, x, y = os.path.abspath(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    uri = GLib.filename_to_uri(path, None)
    result = {"code": 2}

    win = Gtk.Window(title="dndtest source")
    win.set_default_size(240, 120)
    win.move(x, y)
    box = Gtk.EventBox()
    box.add(Gtk.Label(label="drag me:\n" + os.path.basename(path)))
    win.add(box)

    box.drag_source_set(Gdk.ModifierType.BUTTON1_MASK,
                        [Gtk.TargetEntry.new("text/uri-list", 0, 0)], Gdk.DragAction.COPY)

    def on_get(_w, _ctx, data, _info, _time):
        log("drag-data-get: target asked for the data;", uri)
        data.set_uris([uri])

    def on_end(_w, _ctx):
        log("drag-end")
        GLib.timeout_add(200, Gtk.main_quit)

    def on_failed(_w, _ctx, res):
        log("drag-failed:", res.value_nick)
        result["code"] = 1
        return False

    def on_begin(_w, _ctx):
        log("drag-begin")
        result["code"] = 0  # unless drag-failed follows

    box.connect("drag-begin", on_begin)
    box.connect("drag-data-get", on_get)
    box.connect("drag-failed", on_failed)
    box.connect("drag-end", on_end)
    win.connect("destroy", Gtk.main_quit)
    win.show_all()
    GLib.timeout_add_seconds(120, Gtk.main_quit)
    log("ready, offering", uri)
    Gtk.main()
    sys.exit(result["code"])


if __name__ == "__main__":
    main()
