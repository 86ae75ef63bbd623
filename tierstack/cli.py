"""Command line: ``python -m tierstack deploy|destroy|outputs|emulator ...``.

``deploy`` and ``destroy`` run the playbook through ansible-runner with the collection's
``tierstack.aws.tiers`` callback and stream its lines (one per tier, the failure, the key outputs,
the totals and the log path); on a terminal a live line shows the task running now.  Nothing but
plain text is written when stdout is not a terminal.
``outputs`` prints the table (or ``--json``).  ``emulator`` is ``python -m tierstack.emulator``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import time

from tierstack import api


def _kv(text: str) -> tuple[str, object]:
    """-e key=value (the value parsed as JSON when it is JSON) or -e '{"json": "object"}'."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    key, value = text.split("=", 1)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _extravars(items) -> dict:
    out: dict = {}
    for item in items or []:
        if item.lstrip().startswith("{"):
            out.update(json.loads(item))
        else:
            key, value = _kv(item)
            out[key] = value
    return out


def table(rows: dict, out=None) -> None:
    """Print a two-column table of outputs, sorted by name."""
    out = out or sys.stdout
    if not rows:
        print("(no outputs)", file=out)
        return
    width = max(len(k) for k in rows)
    print(f"{'Output':<{width}}  Value", file=out)
    print(f"{'-' * width}  {'-' * 5}", file=out)
    for key in sorted(rows):
        print(f"{key:<{width}}  {rows[key]}", file=out)


class StreamProgress:
    """Prints what the tierstack.aws.tiers callback writes (from ansible-runner's events) and, on a
    terminal, keeps one live line below it with the task running now."""

    ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

    def __init__(self, out=None, tty: bool | None = None):
        self.out = out or sys.stdout
        self.tty = bool(getattr(self.out, "isatty", lambda: False)()) if tty is None else tty
        self.live = ""
        self.role = ""
        self.task = ""
        self.tasks = 0
        self.since = time.monotonic()

    def _clear(self) -> None:
        if self.tty and self.live:
            self.out.write("\r\x1b[2K")
            self.live = ""

    def __call__(self, event: dict) -> bool:
        text = (event.get("stdout") or "").replace("\r\n", "\n").replace("\r", "")
        if text.strip():
            self._clear()
            if not self.tty:
                text = self.ANSI.sub("", text)
            self.out.write(text.rstrip("\n") + "\n")
        data = event.get("event_data") or {}
        if event.get("event") == "playbook_on_task_start":
            role = data.get("role") or ""
            if role != self.role:
                self.role, self.tasks, self.since = role, 0, time.monotonic()
            self.tasks += 1
            self.task = (data.get("task") or "").split(" : ", 1)[-1]
        elif event.get("event") == "playbook_on_stats":
            self.task = ""
        if self.tty and self.task:
            import shutil

            width = shutil.get_terminal_size((100, 24)).columns - 1
            line = f".. {self.role or 'play'}: task {self.tasks}, {time.monotonic() - self.since:.0f}s: {self.task}"
            self._clear()
            self.live = line[:width]
            self.out.write(self.live)
        self.out.flush()
        return True

    def close(self) -> None:
        self._clear()
        self.out.flush()


def _rerun_command(args) -> str:
    """What the callback prints to re-run one tier: this command with --tiers {tier}."""
    argv = ["python", "-m", "tierstack", args.command, args.suffix]
    for flag, value in (("--profile", args.profile), ("--region", args.region)):
        if value:
            argv += [flag, value]
    if args.inventory != "local":
        argv += ["-i", args.inventory]
    for item in args.extra_vars:
        argv += ["-e", item]
    return shlex.join(argv) + " --tiers {tier}"


def _add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs-dir", default=None, help="where run artifacts go (default .tierstack/runs, or TIERSTACK_RUNS_DIR)")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("suffix", help="the stack's suffix, e.g. dev1")
    p.add_argument("--profile", default=None, help="group_vars/profile_<name> (default: tierstack_profile)")
    p.add_argument("--region", default=None, help="AWS region (default: the profile's)")
    p.add_argument("--inventory", "-i", default="local", help="local (emulator, default), aws, or a path")
    p.add_argument("--tiers", default=None, help="comma-separated tier roles instead of tierstack_tiers")
    p.add_argument("--extra-vars", "-e", action="append", default=[], metavar="KEY=VALUE", help="extra variable; repeatable")
    p.add_argument("--check", action="store_true", help="check mode: show what would change")
    p.add_argument("--diff", action="store_true", help="show differences")
    p.add_argument("-v", "--verbose", action="count", default=0)
    _add_run_options(p)


def _add_view_parsers(sub) -> None:
    """``status`` and ``diagram``: views of a deployed stack, read back from the endpoint."""
    for name, text in (("status", "what is deployed, its health, and what drifted"), ("diagram", "draw the deployed stack (SVG and PNG)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("suffix")
        p.add_argument("--profile", default=None, help="the stack's profile (for its region and the drift check)")
        p.add_argument("--region", default=None, help="AWS region (default: AWS_REGION or the profile's)")
        p.add_argument("--inventory", "-i", default="local", help="local (emulator, default), aws, or a path")
        if name == "status":
            p.add_argument("--no-drift", action="store_true", help="skip the check-mode run")
        else:
            p.add_argument("--out", "-o", default=None, help="output path without extension (default docs/diagram-<suffix>)")


def _view(args) -> int:
    if not api.valid_suffix(args.suffix):
        print(f"error: suffix {args.suffix!r} is invalid", file=sys.stderr)
        return 2
    if args.command == "status":
        from tierstack import status

        return status.run(args.suffix, args.profile, args.region, args.inventory, drift=not args.no_drift)
    from tierstack import diagram

    try:
        return diagram.run(args.suffix, args.profile, args.region, args.inventory, out=args.out)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tierstack", description="Deploy tierstack stacks through ansible-runner.")
    sub = parser.add_subparsers(dest="command", required=True)
    _common(sub.add_parser("deploy", help="deploy or converge a stack (site.yml)"))
    _common(sub.add_parser("destroy", help="tear a stack down (playbooks/teardown.yml)"))
    o = sub.add_parser("outputs", help="print a deployed stack's outputs")
    o.add_argument("suffix")
    o.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _add_view_parsers(sub)
    add_state_commands(sub, o)
    e = sub.add_parser("emulator", help="the embedded emulator: up|down|status|reset", add_help=False)
    e.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _run(args) -> int:
    tiers = [t.strip() for t in args.tiers.split(",") if t.strip()] if args.tiers else None
    fn = api.deploy if args.command == "deploy" else api.destroy
    stream = StreamProgress()
    envvars = {"TIERSTACK_RERUN_COMMAND": _rerun_command(args)}
    if stream.tty:
        envvars["TIERSTACK_HEARTBEAT"] = "0"  # the live line shows the progress instead
    if "NO_COLOR" in os.environ:
        envvars["NO_COLOR"] = os.environ["NO_COLOR"]
    try:
        result = fn(
            args.suffix,
            profile=args.profile,
            inventory=args.inventory,
            extravars=_extravars(args.extra_vars),
            region=args.region,
            tiers=tiers,
            check=args.check,
            diff=args.diff,
            verbosity=args.verbose,
            event_handler=stream,
            stdout_callback="tierstack.aws.tiers",
            envvars=envvars,
            runs_dir=args.runs_dir,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        stream.close()
    print(f"{args.command} {args.suffix}: {result.status} (rc {result.rc}); runner artifacts in {result.artifact_dir}", flush=True)
    if not result.ok:
        return result.rc or 1
    return 0


def add_state_commands(sub, outputs_parser) -> None:
    """``list`` and the account options of ``outputs`` (the stack's state in SSM Parameter Store)."""
    outputs_parser.add_argument("--region", default=None, help="AWS region (default: AWS_REGION, else ap-southeast-1)")
    outputs_parser.add_argument(
        "--source", choices=["auto", "file", "account"], default="auto",
        help="outputs/<suffix>/flat-outputs.json, the account (SSM), or auto: the file when it exists, else the account",
    )
    lst = sub.add_parser("list", help="list the stacks deployed in a region (profile, tiers, last change)")
    lst.add_argument("--region", default=None, help="AWS region (default: AWS_REGION, else ap-southeast-1)")
    lst.add_argument("--json", action="store_true", help="print JSON instead of a table")


def list_stacks(args) -> int:
    from tierstack import state

    try:
        rows = api.stacks(args.region)
    except Exception as exc:  # noqa: BLE001 - any AWS error, reported in one line
        print(f"error: cannot list the stacks in {state.region_of(args.region)}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(rows, indent=2, sort_keys=True))
        return 0
    if not rows:
        print(f"(no stacks in {state.region_of(args.region)})")
        return 0
    width = max(6, *(len(r["suffix"]) for r in rows))
    pwidth = max(7, *(len(str(r.get("profile", ""))) for r in rows))
    print(f"{'Suffix':<{width}}  {'Profile':<{pwidth}}  {'Last change':<25}  Tiers")
    for r in rows:
        print(f"{r['suffix']:<{width}}  {str(r.get('profile', '')):<{pwidth}}  {r.get('updated', ''):<25}  {','.join(r.get('tiers', []))}")
    return 0


def show_outputs(args) -> int:
    from tierstack import state

    try:
        rows = api.outputs(args.suffix, region=getattr(args, "region", None), source=getattr(args, "source", "auto"))
    except FileNotFoundError:
        print(f"error: no outputs for {args.suffix} ({api.outputs_path(args.suffix)} is missing)", file=sys.stderr)
        return 1
    except state.StackNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - an AWS error (endpoint, credentials), reported in one line
        print(f"error: cannot read the outputs of {args.suffix} in {state.region_of(getattr(args, 'region', None))}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(rows, indent=2, sort_keys=True))
    else:
        table(rows)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "emulator":
        from tierstack import emulator

        return emulator.main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command in ("status", "diagram"):
        return _view(args)
    if args.command == "outputs":
        return show_outputs(args)
    if args.command == "list":
        return list_stacks(args)
    return _run(args)
