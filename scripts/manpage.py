#!/usr/bin/env python3
"""Writes virtmon(1) from the argument parser's own description of every command
(`virtmon --experimental-dump-help`), so the manual lists exactly the commands and options the binary has.

    python3 scripts/manpage.py PATH/TO/virtmon > virtmon.1
"""
import datetime, json, subprocess, sys


def esc(text):
    text = (text or "").replace("\\", "\\\\").replace("-", "\\-")
    # troff reads ASCII; other characters by their Unicode names.
    text = "".join(ch if ord(ch) < 128 else "\\[u%04X]" % ord(ch) for ch in text)
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line for line in text.split("\n"))


def flag_names(argument):
    names = []
    for name in argument.get("names", []):
        names.append(("--" if name["kind"] == "long" else "-") + name["name"])
    return ", ".join(names)


def options(command, lines):
    for argument in command.get("arguments", []):
        if not argument.get("shouldDisplay", True):
            continue
        if argument["kind"] == "positional":
            head = "\\fI%s\\fR" % esc(argument.get("valueName", "value"))
        else:
            head = "\\fB%s\\fR" % esc(flag_names(argument))
            if argument["kind"] == "option":
                head += " \\fI%s\\fR" % esc(argument.get("valueName", "value"))
        lines += [".TP", head]
        text = argument.get("abstract", "")
        if argument.get("defaultValue") not in (None, ""):
            text += " (default: %s)" % argument["defaultValue"]
        lines.append(esc(text) or ".")


def commands(command, path, lines):
    for sub in command.get("subcommands", []):
        if not sub.get("shouldDisplay", True) or sub["commandName"] == "help":
            continue
        full = path + [sub["commandName"]]
        lines += [".SS \\fB%s\\fR" % esc(" ".join(full)), esc(sub.get("abstract", ""))]
        if sub.get("discussion"):
            lines += [".PP", esc(sub["discussion"])]
        if sub.get("arguments"):
            lines.append(".RS")
            options(sub, lines)
            lines.append(".RE")
        commands(sub, full, lines)


def main():
    binary = sys.argv[1]
    tool = json.loads(subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True, text=True).stdout)["command"]
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    name = tool["commandName"]
    lines = [
        '.TH %s 1 "%s" "%s" "User Commands"' % (name.upper(), datetime.date.today().isoformat(), esc(version)),
        ".SH NAME", "%s \\- %s" % (name, esc(tool.get("abstract", ""))),
        ".SH SYNOPSIS", "\\fB%s\\fR \\fIcommand\\fR [\\fIoptions\\fR]" % name,
        ".SH DESCRIPTION",
        "virtmon runs an agent on each compute host, a collector that stores and serves what agents send, or both "
        "in one process (\\fBvirtmon up\\fR). Every command takes \\fB\\-\\-help\\fR.",
        ".SH OPTIONS",
    ]
    options(tool, lines)
    if not any(name.get("name") == "version" for argument in tool.get("arguments", []) for name in argument.get("names", [])):
        lines += [".TP", "\\fB\\-\\-version\\fR", "The release and the commit it was built from."]
    lines.append(".SH COMMANDS")
    commands(tool, [name], lines)
    lines += [
        ".SH FILES",
        ".TP", "\\fI/etc/virtmon/virtmon.yaml\\fR", "The configuration the service units read; every key is in the configuration reference (docs/configuration.md).",
        ".TP", "\\fI/var/lib/virtmon\\fR", "Data directory of the services: the store, admin token, agent secret, spools and locks.",
        ".SH EXIT STATUS", "0 on success; 1 when a check or delivery failed (the message says which); 2 for bad usage, a bad configuration or a start-up failure.",
        ".SH SEE ALSO", "\\fBceilometer\\fR(1), \\fBsystemctl\\fR(1)",
    ]
    print("\n".join(lines))


main()
