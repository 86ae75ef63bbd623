# -*- coding: utf-8 -*-
# Copyright: tierstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: tiers
type: stdout
short_description: one progress line per tier, a readable failure, the key outputs; the full output in a log file
description:
  - A stdout callback for tierstack playbooks (C(site.yml), C(playbooks/teardown.yml), and any other playbook).
  - Each tier (a role run through its main entry point, for example C(vpc)) gets one line with a progress bar of
    its tasks done out of the tier's tasks, the elapsed time and its changed and failed counts; the line ends with
    the tier's wall time. Tasks of other entry points (C(validate)) share one line per entry point, and tasks
    outside roles one line per play.
  - The number of tasks of a tier is the count of the previous successful run of the same playbook (kept in
    C(<log_dir>/.tier-tasks.json)), or else an estimate read from the role's task files.
  - On a failure it prints the failing task, its module, its message (a C(no_log) result stays hidden) and the
    command that re-runs just that tier.
  - At the end it prints the stack's key outputs (URLs, endpoints, names), the totals and the path of the log.
  - The ordinary output of M(ansible.builtin.default)'s callback goes to C(<log_dir>/<suffix>/<timestamp>.log),
    keeping the newest O(keep_logs) files per suffix. With C(-v) or E(TIERSTACK_VERBOSE=1) it is shown live too.
  - On a terminal the current tier's line updates in place, in colour unless E(NO_COLOR) is set. Elsewhere
    (a pipe, a file, AWX) the output is plain text, one line per tier plus a heartbeat line every
    O(heartbeat) seconds while a tier runs.
author:
  - tierstack contributors (@tierstack)
version_added: 0.2.0
requirements:
  - set as the stdout callback (C(ANSIBLE_STDOUT_CALLBACK=tierstack.aws.tiers)
    or C(stdout_callback = tierstack.aws.tiers) in C(ansible.cfg))
extends_documentation_fragment:
  - default_callback
  - result_format_callback
options:
  log_dir:
    description:
      - Where the logs go (C(<log_dir>/<suffix>/<timestamp>.log)). A relative path is relative to the folder of the
        C(ansible.cfg) in use, else to the current directory.
    type: path
    default: logs
    env:
      - name: TIERSTACK_LOG_DIR
    ini:
      - section: callback_tiers
        key: log_dir
  keep_logs:
    description: How many log files to keep per suffix; older ones are removed at the start of a run.
    type: int
    default: 20
    env:
      - name: TIERSTACK_KEEP_LOGS
    ini:
      - section: callback_tiers
        key: keep_logs
  verbose:
    description: Show the ordinary output live as well (as C(-v) does).
    type: bool
    default: false
    env:
      - name: TIERSTACK_VERBOSE
    ini:
      - section: callback_tiers
        key: verbose
  heartbeat:
    description:
      - When the output is not a terminal, print the running tier's progress every this many seconds (0 never).
    type: int
    default: 30
    env:
      - name: TIERSTACK_HEARTBEAT
    ini:
      - section: callback_tiers
        key: heartbeat
  rerun_command:
    description:
      - The command that re-runs one tier, with C({tier}) where the tier goes.
      - 'Empty means the C(ansible-playbook) command of this run with C(tierstack_tiers) set to that tier,
        for example C(-e {"tierstack_tiers": ["vpc"]}).'
    type: str
    default: ""
    env:
      - name: TIERSTACK_RERUN_COMMAND
"""

EXAMPLES = r"""
# ansible.cfg
# [defaults]
# stdout_callback = tierstack.aws.tiers

# one run:
# ANSIBLE_STDOUT_CALLBACK=tierstack.aws.tiers ansible-playbook site.yml -e suffix=dev1
# the ordinary output live as well:
# TIERSTACK_VERBOSE=1 ANSIBLE_STDOUT_CALLBACK=tierstack.aws.tiers ansible-playbook site.yml -e suffix=dev1
"""

import json
import os
import re
import shlex
import shutil
import sys
import threading
import time

from ansible import constants as C
from ansible import context
from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import callback_loader

try:
    from ansible_collections.tierstack.aws.plugins.plugin_utils import tiers_progress as tp
except ImportError:  # run from a checkout without the collection on the path
    import importlib.util

    _spec = importlib.util.spec_from_file_location(
        "tierstack_tiers_progress", os.path.join(os.path.dirname(__file__), "..", "plugin_utils", "tiers_progress.py")
    )
    tp = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(tp)


class _FileDisplay:
    """Enough of ansible's Display for the default callback to write its ordinary output to a file."""

    def __init__(self, real, sink):
        self._real = real
        self._sink = sink
        self.columns = 100

    @property
    def verbosity(self):
        return self._real.verbosity

    def __getattr__(self, name):
        return getattr(self._real, name)

    def display(self, msg, color=None, stderr=False, screen_only=False, log_only=False, newline=True, caplevel=None):
        if screen_only:
            return
        text = str(msg).replace("\r\n", "\n")
        if newline and not text.endswith("\n"):
            text += "\n"
        self._sink(text)

    def banner(self, msg, color=None, cows=True):
        msg = str(msg).strip()
        self.display("\n%s %s" % (msg, "*" * max(3, self.columns - len(msg))))

    def verbose(self, msg, host=None, caplevel=2):
        if self.verbosity > caplevel:
            self.display(msg if host is None else "<%s> %s" % (host, msg))

    def v(self, msg, host=None):
        self.verbose(msg, host, 0)

    def vv(self, msg, host=None):
        self.verbose(msg, host, 1)

    def vvv(self, msg, host=None):
        self.verbose(msg, host, 2)

    def vvvv(self, msg, host=None):
        self.verbose(msg, host, 3)

    def vvvvv(self, msg, host=None):
        self.verbose(msg, host, 4)

    def vvvvvv(self, msg, host=None):
        self.verbose(msg, host, 5)

    def warning(self, msg, formatted=False, **kwargs):
        self.display("[WARNING]: %s" % msg)

    def _summary(self, summary):
        event = getattr(summary, "event", None)
        return getattr(event, "msg", None) or str(summary)

    def _warning(self, warning):
        self.display("[WARNING]: %s" % self._summary(warning))

    def _deprecated(self, warning):
        self.display("[DEPRECATION WARNING]: %s" % self._summary(warning))

    def deprecated(self, msg, *args, **kwargs):
        self.display("[DEPRECATION WARNING]: %s" % msg)

    def _error(self, error, stderr=True):
        self.display("[ERROR]: %s" % self._summary(error))

    def error(self, msg, wrap_text=True, stderr=True):
        self.display("[ERROR]: %s" % self._summary(msg))


_FORWARDED = (
    "v2_playbook_on_start", "v2_playbook_on_play_start", "v2_playbook_on_task_start", "v2_playbook_on_handler_task_start",
    "v2_playbook_on_include", "v2_playbook_on_notify", "v2_playbook_on_no_hosts_matched", "v2_playbook_on_no_hosts_remaining",
    "v2_playbook_on_stats", "v2_playbook_on_vars_prompt", "v2_runner_on_start", "v2_runner_on_ok", "v2_runner_on_failed",
    "v2_runner_on_skipped", "v2_runner_on_unreachable", "v2_runner_on_async_poll", "v2_runner_on_async_ok",
    "v2_runner_on_async_failed", "v2_runner_item_on_ok", "v2_runner_item_on_failed", "v2_runner_item_on_skipped",
    "v2_runner_retry", "v2_on_file_diff",
)


class CallbackModule(CallbackBase):
    """One line per tier on screen, the default callback's output in a log file."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "tierstack.aws.tiers"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._inner = []  # default callbacks: the log file's, and the screen's when verbose
        self._log_fh = None
        self._log_path = None
        self._pending = []
        self._lock = threading.RLock()
        self._units = []
        self._unit = None
        self._task_uuid = None
        self._task_done = set()
        self._failure = None
        self._outputs = {}
        self._playbook = ""
        self._play = None
        self._suffix = None
        self._state = "present"
        self._history = None
        self._started = time.monotonic()
        self._live_len = 0
        self._stop = threading.Event()
        self._ticker = None
        self._last_beat = time.monotonic()
        self._header_done = False
        self._role_name = ""

    # --- set-up ---------------------------------------------------------------------------------
    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._verbose = bool(self.get_option("verbose")) or self._display.verbosity > 0
        env_tty = os.environ.get("TIERSTACK_TTY")
        under_runner = type(self).__module__ != CallbackModule.__module__ or type(self).CALLBACK_NAME != CallbackModule.CALLBACK_NAME
        if env_tty is not None:
            self._tty = env_tty == "1"
        elif under_runner:  # ansible-runner / AWX: plain text for the job's event stream
            self._tty = False
        else:
            self._tty = sys.stdout.isatty()
        self._colour = self._tty and tp.use_colour(sys.stdout, dict(os.environ, TIERSTACK_TTY="1"))
        base = os.path.dirname(C.CONFIG_FILE) if C.CONFIG_FILE else os.getcwd()
        self._log_dir = os.path.join(base, os.path.expanduser(self.get_option("log_dir")))
        self._history = tp.History(os.path.join(self._log_dir, ".tier-tasks.json"))
        file_cb = callback_loader.get("ansible.builtin.default")
        file_cb._display = _FileDisplay(self._display, self._to_log)
        file_cb.set_options()
        self._inner = [file_cb]
        if self._verbose:
            screen_cb = callback_loader.get("ansible.builtin.default")
            screen_cb.set_options()
            self._inner.append(screen_cb)

    def _to_log(self, text):
        if self._log_fh is not None:
            self._log_fh.write(text)
        else:
            self._pending.append(text)

    def _open_log(self, suffix):
        if self._log_fh is not None:
            return
        self._suffix = suffix or "_"
        try:
            folder = os.path.join(self._log_dir, self._suffix)
            os.makedirs(folder, exist_ok=True)
            tp.rotate(folder, max(1, int(self.get_option("keep_logs"))) - 1)
            self._log_path = tp.new_log_path(self._log_dir, self._suffix)
            self._log_fh = open(self._log_path, "w", encoding="utf-8")  # pylint: disable=consider-using-with
        except OSError as exc:
            self._display.warning("tierstack.aws.tiers: cannot write the log under %s: %s" % (self._log_dir, exc))
            self._log_fh = open(os.devnull, "w", encoding="utf-8")  # pylint: disable=consider-using-with
        for text in self._pending:
            self._log_fh.write(text)
        self._pending = []

    # --- screen ---------------------------------------------------------------------------------
    def _columns(self):
        return shutil.get_terminal_size((100, 24)).columns if self._tty else 0

    def _write(self, text):
        with self._lock:
            if self._tty and self._live_len:
                text = "\r\x1b[2K" + text
                self._live_len = 0
            sys.stdout.write(text)
            sys.stdout.flush()

    def _print(self, line="", always=False):
        if self._verbose and not always:
            return
        self._write(line + "\n")

    def _print_summary(self, line=""):
        """The failure, the outputs and the totals: shown after the ordinary output too (verbose)."""
        self._print(line, always=True)

    def _live(self):
        """Redraw the running tier's line (terminal) or print a heartbeat (elsewhere)."""
        if self._verbose or self._unit is None:
            return
        with self._lock:
            line = self._unit.line(self._colour, self._label_width())
            if self._tty:
                line = tp.fit(line, self._columns() - 1)
                sys.stdout.write("\r\x1b[2K" + line)
                sys.stdout.flush()
                self._live_len = len(line)
            else:
                beat = int(self.get_option("heartbeat"))
                if beat > 0 and time.monotonic() - self._last_beat >= beat:
                    self._last_beat = time.monotonic()
                    sys.stdout.write(line + "\n")
                    sys.stdout.flush()

    def _tick(self):
        while not self._stop.wait(1.0):
            try:
                self._live()
            except Exception:  # pylint: disable=broad-except
                pass

    def _label_width(self):
        return 14

    # --- units ----------------------------------------------------------------------------------
    @staticmethod
    def _outer_role(task):
        """The outermost role of a task: a role that a tier includes (outputs, tasks_from publish) counts for the tier."""
        outer = getattr(task, "_role", None)
        node = getattr(task, "_parent", None)
        seen = 0
        while node is not None and seen < 100:
            found = getattr(node, "_role", None)
            if found is not None:
                outer = found
            node = getattr(node, "_parent", None)
            seen += 1
        return outer

    def _unit_of(self, task):
        role = self._outer_role(task)
        if role is not None:
            name = role.get_name(include_role_fqcn=False) if hasattr(role, "get_name") else str(role)
            entry = (getattr(role, "_from_files", None) or {}).get("tasks") or "main"
            entry = os.path.splitext(os.path.basename(str(entry)))[0]
            path = getattr(role, "_role_path", "") or ""
            if entry == "main":
                is_tier = os.path.exists(os.path.join(path, "tasks", "present.yml"))
                return name, name, lambda: tp.role_task_count(path, "main", self._state), is_tier
            return entry, entry, lambda: tp.role_task_count(path, entry, self._state), False
        play = self._play.get_name().strip() if self._play is not None else "play"
        return "play:" + play, play[:24], lambda: None, False

    def _close_unit(self, failed=False):
        unit = self._unit
        if unit is None:
            return
        self._finish_task()
        unit.finished = time.monotonic()
        self._unit = None
        self._print(unit.line(self._colour, self._label_width()))

    def _finish_task(self):
        if self._task_uuid is not None and self._task_uuid not in self._task_done and self._unit is not None:
            self._task_done.add(self._task_uuid)
            self._unit.done += 1
        self._task_uuid = None

    def _enter(self, task):
        key, label, estimate, is_tier = self._unit_of(task)
        if self._unit is None or self._unit.key != key:
            self._close_unit()
            # a unit met again later gets a line of its own, so that the lines add up to the recap
            role0 = self._outer_role(task)
            multi = role0 is None or role0.get_name(include_role_fqcn=False) != key
            # a tier: its count in the last run; a unit that spans roles (validate): summed per role below
            total = None if multi else (self._history.get(self._playbook, key) if self._history else None)
            unit = tp.Unit(key, label, total, rerun=is_tier)
            unit.estimated = total is None
            unit.roles_seen = set()
            self._units.append(unit)
            self._unit = unit
        unit = self._unit
        role = self._outer_role(task)
        role_name = role.get_name(include_role_fqcn=False) if role is not None and hasattr(role, "get_name") else ""
        if unit.estimated and role_name not in unit.roles_seen:
            # each role met adds its count in the last run, or else the estimate from its task files
            unit.roles_seen.add(role_name)
            known = self._history.get(self._playbook, f"{unit.key}/{role_name}") if self._history and role_name else None
            unit.total = (unit.total or 0) + (known or estimate() or 0) or None
        if role_name:
            unit.per_role[role_name] = unit.per_role.get(role_name, 0)
        self._role_name = role_name
        return unit

    # --- events ---------------------------------------------------------------------------------
    def _forward(self, name, *args, **kwargs):
        for inner in self._inner:
            inner._current_task_result = self._current_task_result
            try:
                getattr(inner, name)(*args, **kwargs)
            finally:
                inner._current_task_result = None

    def _playbook_start(self, playbook):
        self._playbook = os.path.basename(getattr(playbook, "_file_name", "") or "playbook")
        extra = self._extra_vars()
        if extra.get("suffix"):
            self._open_log(str(extra["suffix"]))
        self._ticker = threading.Thread(target=self._tick, name="tierstack-tiers", daemon=True)
        self._ticker.start()

    def _extra_vars(self):
        try:
            return dict(self._play.get_variable_manager().extra_vars) if self._play is not None else self._cli_extra_vars()
        except Exception:  # pylint: disable=broad-except
            return {}

    def _cli_extra_vars(self):
        out = {}
        for item in context.CLIARGS.get("extra_vars") or ():
            item = str(item).strip()
            if item.startswith("{"):
                try:
                    out.update(json.loads(item))
                except ValueError:
                    pass
            elif item.startswith("@"):
                continue
            else:
                for part in shlex.split(item):
                    if "=" in part:
                        k, v = part.split("=", 1)
                        out[k] = v
        return out

    def _play_start(self, play):
        self._play = play
        vars_ = getattr(play, "vars", None) or {}
        extra = self._extra_vars()
        self._state = str(extra.get("tierstack_state") or vars_.get("tierstack_state") or "present")
        if not self._header_done:
            self._header_done = True
            suffix = extra.get("suffix") or self._suffix
            if not suffix:
                try:
                    hosts = play.get_variable_manager()._inventory.get_hosts(play.hosts)
                    all_vars = play.get_variable_manager().get_vars(play=play, host=hosts[0]) if hosts else {}
                    suffix = all_vars.get("suffix")
                except Exception:  # pylint: disable=broad-except
                    suffix = None
            self._open_log(str(suffix) if suffix else "_")
            self._suffix = self._suffix if self._suffix != "_" else suffix
            mode = " (check mode)" if getattr(play, "check_mode", False) or context.CLIARGS.get("check") else ""
            self._print(tp.paint(f"tierstack {self._playbook} suffix={self._suffix}{mode}", "bold", self._colour) + f"  log: {self._rel(self._log_path)}")

    def _task_start(self, task):
        self._finish_task()
        action = getattr(task, "action", "") or ""
        if action in tp.PLUMBING_ACTIONS:
            return
        unit = self._enter(task)
        if self._role_name:
            unit.per_role[self._role_name] += 1
        self._task_uuid = task._uuid

    def _result(self, result, kind, ignore_errors=False):
        task = result.task
        if getattr(task, "action", "") in tp.PLUMBING_ACTIONS:
            unit = self._unit
        else:
            unit = self._unit if self._unit is not None else None
        res = result.result
        if unit is not None:
            if kind == "ok":
                unit.ok += 1
                if res.get("changed"):
                    unit.changed += 1
            elif kind in ("failed", "unreachable") and not ignore_errors:
                unit.failed += 1
            elif kind == "skipped":
                unit.skipped += 1
            if task._uuid == self._task_uuid:
                self._finish_task()
        if kind == "ok":
            facts = res.get("ansible_facts") or {}
            if isinstance(facts.get("tierstack_outputs"), dict) and not res.get("censored"):
                self._outputs = dict(facts["tierstack_outputs"])
        if kind in ("failed", "unreachable") and not ignore_errors and self._failure is None:
            self._failure = self._describe_failure(result, unit)

    def _describe_failure(self, result, unit):
        task = result.task
        res = result.result
        hidden = bool(res.get("censored")) or bool(getattr(task, "no_log", False))
        if hidden:
            msg = "(the result is hidden: no_log is set on this task)"
        else:
            msg = res.get("msg") or ""
            for item in res.get("results") or []:
                if isinstance(item, dict) and item.get("failed"):
                    msg = item.get("msg") or ("(the result is hidden: no_log)" if item.get("censored") else msg)
                    break
            if not msg:
                msg = res.get("stderr") or res.get("reason") or "(no message)"
        action = getattr(task, "resolved_action", None) if getattr(task, "_resolved_action", None) else None
        return {
            "unit": unit,
            "task": (task.name or task.get_name()).strip(),
            "module": action or getattr(task, "action", ""),
            "msg": tp.first_lines(msg),
            "host": result.host.get_name(),
        }

    @staticmethod
    def _mask(arg):
        """An extra-vars argument with the values of secret-looking keys replaced by ***."""
        secret = re.compile(r"(?i)(pass|secret|token|key|credential)")
        text = arg.strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                return "***" if secret.search(text) else arg
            if isinstance(data, dict):
                return json.dumps({k: ("***" if secret.search(str(k)) else v) for k, v in data.items()})
            return arg
        parts = []
        for part in shlex.split(text) if "=" in text else [text]:
            key, eq, _value = part.partition("=")
            parts.append(f"{key}=***" if eq and secret.search(key) else part)
        return " ".join(parts)

    def _command(self, drop_tiers=True):
        """This run's command line, without any earlier choice of tiers, secret-looking values masked."""
        argv = [os.path.basename(sys.argv[0]) or "ansible-playbook"]
        args = sys.argv[1:]
        i = 0
        while i < len(args):
            arg = args[i]
            if drop_tiers and arg in ("-e", "--extra-vars") and i + 1 < len(args) and "tierstack_tiers" in args[i + 1]:
                i += 2
                continue
            if drop_tiers and arg.startswith(("-e", "--extra-vars=")) and "tierstack_tiers" in arg:
                i += 1
                continue
            if arg in ("-e", "--extra-vars") and i + 1 < len(args):
                argv += [arg, self._mask(args[i + 1])]
                i += 2
                continue
            argv.append(arg)
            i += 1
        return argv

    def _rerun(self, unit):
        template = self.get_option("rerun_command")
        if unit is not None and unit.rerun:
            if template:
                return template.replace("{tier}", unit.key)
            return shlex.join(self._command()) + " -e " + shlex.quote(json.dumps({"tierstack_tiers": [unit.key]}))
        if template:
            return template.replace(" TIERS={tier}", "").replace("{tier}", "")
        return shlex.join(self._command(drop_tiers=False))

    def _rel(self, path):
        if not path:
            return ""
        try:
            rel = os.path.relpath(path)
            return rel if not rel.startswith("../..") else path
        except ValueError:
            return path

    def _stats(self, stats):
        self._stop.set()
        self._close_unit()
        hosts = sorted(stats.processed.keys())
        totals = {k: 0 for k in ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored")}
        for host in hosts:
            for key, value in stats.summarize(host).items():
                if key in totals:
                    totals[key] += value
        seconds = time.monotonic() - self._started
        failed = totals["failures"] + totals["unreachable"]
        if self._failure is not None:
            f = self._failure
            unit = f["unit"]
            where = unit.label if unit is not None else "the run"
            self._print_summary()
            self._print_summary(tp.paint(f"FAILED in {where}", "red", self._colour) + f": task \"{f['task']}\" ({f['module']}) on {f['host']}")
            for line in f["msg"].splitlines():
                self._print_summary("  " + line)
            label = "re-run this tier" if unit is not None and unit.rerun else "re-run"
            self._print_summary(f"  {label}: {self._rerun(unit)}")
        elif self._outputs:
            rows = tp.key_outputs(self._outputs)
            if rows:
                path = os.path.join("outputs", str(self._suffix), "flat-outputs.json")
                self._print_summary()
                self._print_summary(tp.paint("Key outputs", "bold", self._colour) + f" (all {len(self._outputs)}: {path})")
                for line in tp.table(rows):
                    self._print_summary(line)
        status = tp.paint("FAILED", "red", self._colour) if failed else tp.paint("OK", "green", self._colour)
        self._print_summary()
        self._print_summary(
            f"{status}: {totals['changed']} changed, {failed} failed, {totals['ok']} ok in {tp.duration(seconds)}."
            f" Full log: {self._rel(self._log_path)}"
        )
        if self._history is not None and not failed:
            self._history.record(self._playbook, self._units)

    def _close_log(self):
        if self._log_fh is not None:
            self._log_fh.flush()
            if self._log_fh.name != os.devnull:
                self._log_fh.close()


def _make(name):
    def method(self, *args, **kwargs):
        if name == "v2_playbook_on_start":
            self._playbook_start(args[0])
        elif name == "v2_playbook_on_play_start":
            self._play_start(args[0])
        self._forward(name, *args, **kwargs)
        with self._lock:
            if name in ("v2_playbook_on_task_start", "v2_playbook_on_handler_task_start"):
                self._task_start(args[0])
            elif name == "v2_runner_on_ok":
                self._result(args[0], "ok")
            elif name == "v2_runner_on_failed":
                self._result(args[0], "failed", kwargs.get("ignore_errors", args[1] if len(args) > 1 else False))
            elif name == "v2_runner_on_unreachable":
                self._result(args[0], "unreachable")
            elif name == "v2_runner_on_skipped":
                self._result(args[0], "skipped")
            elif name == "v2_playbook_on_stats":
                self._stats(args[0])
                self._close_log()
                return
        self._live()

    method.__name__ = name
    return method


for _name in _FORWARDED:
    setattr(CallbackModule, _name, _make(_name))
