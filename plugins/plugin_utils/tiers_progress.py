# -*- coding: utf-8 -*-
# Copyright: tierstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of a tierstack run, one line per tier: shared by the ``tierstack.aws.tiers`` callback
and the ``python -m tierstack`` command line.

Pure Python (PyYAML only): the formatting, the task-count estimate of a role, the history of past
counts and the rotation of log files live here, so that they are unit-tested without Ansible.
"""

from __future__ import annotations

import glob
import json
import os
import re
import time

ANSI = {"green": "32", "yellow": "33", "red": "31", "bold": "1", "dim": "2", "cyan": "36"}

# Actions that only load other tasks (they are not work a user waits for).
PLUMBING_ACTIONS = frozenset(
    a
    for name in ("include_role", "import_role", "include_tasks", "import_tasks", "include", "group_by", "meta")
    for a in (name, "ansible.builtin." + name, "ansible.legacy." + name)
)

# Output names worth a row in the final table: URLs, endpoints and names.
KEY_OUTPUT = re.compile(r"(URL|Url|URI|Endpoint|DNSName|DomainName|Name|^VpcId)$")
KEY_OUTPUT_SKIP = re.compile(r"(FullName|StageName)$")


def use_colour(stream, environ=None) -> bool:
    """Colour only on a terminal, never with NO_COLOR (https://no-color.org) or ANSIBLE_NOCOLOR."""
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR", "") != "" or environ.get("ANSIBLE_NOCOLOR", "").lower() in ("1", "true", "yes"):
        return False
    forced = environ.get("TIERSTACK_TTY")
    if forced is not None:
        return forced == "1"
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, colour: str | None, enabled: bool) -> str:
    if not enabled or not colour:
        return text
    return f"\x1b[{ANSI[colour]}m{text}\x1b[0m"


def duration(seconds: float) -> str:
    """12.3s, 4m05s, 1h02m."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def progress_bar(done: int, total: int | None, width: int = 20) -> str:
    """A progress bar of ``done`` out of ``total`` (``total`` unknown: a bar of dots)."""
    if not total:
        return "." * width
    filled = int(width * min(done, total) / total)
    return "#" * filled + "." * (width - filled)


class Unit:
    """One line of progress: a tier (a role run through its main entry point) or a phase."""

    def __init__(self, key: str, label: str, total: int | None = None, rerun: bool = False, now: float | None = None):
        self.key = key
        self.label = label
        self.total = total
        self.rerun = rerun  # a tier that can be re-run alone (tierstack_tiers=[key])
        self.started = time.monotonic() if now is None else now
        self.finished: float | None = None
        self.done = 0
        self.changed = 0
        self.failed = 0
        self.ok = 0
        self.skipped = 0
        self.per_role: dict[str, int] = {}  # tasks started per role, for units that span roles

    def elapsed(self, now: float | None = None) -> float:
        end = self.finished if self.finished is not None else (time.monotonic() if now is None else now)
        return end - self.started

    def line(self, colour: bool = False, label_width: int = 14, now: float | None = None) -> str:
        total = self.total
        if self.finished is not None and not self.failed:
            total = self.done  # a finished tier is complete, whatever the estimate said
        shown_total = max(total or 0, self.done) if total else None
        count = f"{self.done:>3}/{shown_total if shown_total else '?':<3}"
        if self.finished is None:
            mark = paint("..", "cyan", colour)
            when = duration(self.elapsed(now))
        elif self.failed:
            mark = paint("!!", "red", colour)
            when = "failed after " + duration(self.elapsed(now))
        else:
            mark = paint("ok", "green", colour)
            when = "done in " + duration(self.elapsed(now))
        counts = paint(f"{self.changed} changed", "yellow" if self.changed else None, colour)
        if self.failed:
            counts += ", " + paint(f"{self.failed} failed", "red", colour)
        return f"{mark} {self.label:<{label_width}} [{progress_bar(self.done, shown_total)}] {count} {counts:<10}  {when}"


def fit(text: str, columns: int) -> str:
    """Cut a line (without its colour codes counting) to the terminal's width, for in-place updates."""
    if columns <= 0:
        return text
    visible = re.sub(r"\x1b\[[0-9;]*m", "", text)
    if len(visible) <= columns:
        return text
    return visible[: max(1, columns - 1)] + "~"


def key_outputs(outputs: dict, limit: int = 24) -> list[tuple[str, str]]:
    """The outputs worth showing at the end: URLs, endpoints and names (ids and ARNs stay in the file)."""
    rows = [(k, str(v)) for k, v in sorted((outputs or {}).items()) if KEY_OUTPUT.search(k) and not KEY_OUTPUT_SKIP.search(k) and v not in ("", None)]
    return rows[:limit]


def table(rows: list[tuple[str, str]], indent: str = "  ") -> list[str]:
    if not rows:
        return []
    width = max(len(k) for k, _value in rows)
    return [f"{indent}{k:<{width}}  {v}" for k, v in rows]


def first_lines(text: str, lines: int = 6, width: int = 400) -> str:
    text = str(text).strip()
    if len(text) > width:
        text = text[:width] + " ..."
    parts = text.splitlines()
    if len(parts) > lines:
        parts = parts[:lines] + ["..."]
    return "\n".join(parts)


# --- task counts --------------------------------------------------------------------------------

_TEMPLATE = re.compile(r"{{\s*([^}]*?)\s*}}")
_INCLUDES = ("include_tasks", "import_tasks", "ansible.builtin.include_tasks", "ansible.builtin.import_tasks")
_ROLE_INCLUDES = ("include_role", "import_role", "ansible.builtin.include_role", "ansible.builtin.import_role")


def _load_tasks(path: str) -> list:
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError):
        return []
    return data if isinstance(data, list) else []


def _resolve(folder: str, name: str, state: str) -> list[str]:
    """The files an include may name: ``{{ x_state }}`` is the run's state, other templates match any file."""
    name = _TEMPLATE.sub(lambda m: state if m.group(1).endswith("_state") else "*", name)
    if not name.endswith((".yml", ".yaml")):
        name += ".yml"
    return sorted(glob.glob(os.path.join(folder, name)))


def count_tasks(path: str, state: str = "present", _seen: tuple = ()) -> int:
    """Estimate how many tasks a task file runs: blocks and includes are followed, include/import
    entries themselves are not counted (they load tasks), a templated include counts the average
    of the files it may name.  Loops over includes and skipped includes make it an estimate; the
    callback refines it with the counts of earlier runs."""
    if path in _seen:
        return 0
    return _count_list(_load_tasks(path), os.path.dirname(path), state, _seen + (path,))


def _count_list(tasks: list, folder: str, state: str, seen: tuple) -> int:
    total = 0
    for task in tasks:
        if not isinstance(task, dict):
            continue
        if any(k in task for k in ("block", "rescue", "always")):
            for section in ("block", "rescue", "always"):
                total += _count_list(task.get(section) or [], folder, state, seen)
            continue
        include = next((k for k in _INCLUDES if k in task), None)
        if include:
            target = task[include]
            if isinstance(target, dict):
                target = target.get("file", "")
            files = _resolve(folder, str(target), state)
            if files:
                counts = [count_tasks(f, state, seen) for f in files]
                total += round(sum(counts) / len(counts))
            continue
        if any(k in task for k in _ROLE_INCLUDES) or "meta" in task or "ansible.builtin.meta" in task:
            continue
        total += 1
    return total


def role_task_count(role_path: str, entry: str = "main", state: str = "present") -> int:
    for ext in (".yml", ".yaml"):
        path = os.path.join(role_path, "tasks", entry + ext)
        if os.path.exists(path):
            return count_tasks(path, state)
    return 0


class History:
    """Task counts of earlier runs, per playbook and unit: a better estimate than the static one."""

    def __init__(self, path: str):
        self.path = path
        try:
            with open(path, encoding="utf-8") as handle:
                self.data = json.load(handle)
        except (OSError, ValueError):
            self.data = {}

    def get(self, playbook: str, key: str) -> int | None:
        value = (self.data.get(playbook) or {}).get(key)
        return value if isinstance(value, int) and value > 0 else None

    def record(self, playbook: str, units) -> None:
        entry = self.data.setdefault(playbook, {})
        for unit in units:
            if unit.finished is not None and not unit.failed and unit.done:
                entry[unit.key] = unit.done
                if len(unit.per_role) > 1 or (unit.per_role and unit.key not in unit.per_role):
                    for role, count in unit.per_role.items():
                        entry[f"{unit.key}/{role}"] = count
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = self.path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(self.data, handle, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError:
            pass


def log_name(now: float | None = None) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))


def new_log_path(log_dir: str, suffix: str, now: float | None = None) -> str:
    """logs/<suffix>/<timestamp>.log, with -2, -3 ... when two runs start in the same second."""
    folder = os.path.join(log_dir, suffix or "_")
    os.makedirs(folder, exist_ok=True)
    base = os.path.join(folder, log_name(now))
    path, n = base + ".log", 1
    while os.path.exists(path):
        n += 1
        path = f"{base}-{n}.log"
    return path


def rotate(folder: str, keep: int, pattern: str = "*.log") -> list[str]:
    """Keep the newest ``keep`` entries of ``folder`` that match ``pattern``; return what was removed."""
    import shutil

    if keep <= 0:
        return []
    entries = sorted(glob.glob(os.path.join(folder, pattern)), key=lambda p: (os.path.getmtime(p), p))
    removed = entries[: max(0, len(entries) - keep)]
    for path in removed:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.remove(path)
            except OSError:
                pass
    return removed
