#!/usr/bin/python3
"""A GTK 3 window with one text entry, the target of build/dictationtest.sh.

Usage: target.py TITLE OUTFILE [--password]
Writes the entry's text to OUTFILE (replaced atomically) on every change, and "focus-out" lines to
OUTFILE.focus whenever the window loses the keyboard focus. When OUTFILE.clear appears, it empties
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
entry.connect("changed", lambda e: write(out, e.get_text()))
win.connect("focus-out-event", lambda *a: open(out + ".focus", "a").write("focus-out\n") and False)
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
