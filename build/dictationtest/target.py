#!/usr/bin/python3
"""A GTK 3 window with one text entry, the target of build/dictationtest.sh.

Usage: target.py TITLE OUTFILE [--password]
Writes the entry's text to OUTFILE (replaced atomically) after changes, once GTK is idle, and "focus-out" and "focus-in"
lines to OUTFILE.focus as GTK reports the window losing and regaining the keyboard focus (a global
shortcut's key grab counts as a loss while it is held, though the X input focus stays). When OUTFILE.clear appears, it empties
the entry and removes that file (the benchmark's reset). With --password the entry hides its text
(a password field: AT-SPI role "password text").
"""
import os
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib, Gtk  # noqa: E402

title, out = sys.argv[1], sys.argv[2]
password = "--password" in sys.argv[3:]


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


win = Gtk.Window(title=title)
win.set_default_size(600, 80)
entry = Gtk.Entry()
if password:
    entry.set_visibility(False)
    entry.set_input_purpose(Gtk.InputPurpose.PASSWORD)
pending = [False]


def flush():
    pending[0] = False
    write(out, entry.get_text())
    return False


def changed(_):
    # One write once GTK has handled the queued keys (writing on every key would make the
    # benchmark measure this script).
    if not pending[0]:
        pending[0] = True
        GLib.idle_add(flush, priority=GLib.PRIORITY_LOW)


entry.connect("changed", changed)
win.connect("focus-out-event", lambda *a: open(out + ".focus", "a").write("focus-out\n") and False)
win.connect("focus-in-event", lambda *a: open(out + ".focus", "a").write("focus-in\n") and False)
win.connect("destroy", Gtk.main_quit)
win.add(entry)


def check_clear():
    try:
        os.remove(out + ".clear")
    except FileNotFoundError:
        return True
    entry.set_text("")
    write(out, "")
    return True


GLib.timeout_add(5, check_clear)
win.show_all()
entry.grab_focus()
write(out, "")
Gtk.main()
