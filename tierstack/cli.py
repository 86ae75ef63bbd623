"""Command line: ``python -m tierstack deploy|destroy|outputs|emulator ...``.

``deploy`` and ``destroy`` print one progress line per tier as it finishes (through
ansible-runner events) and, for a deploy, a final table of the stack's outputs.
``outputs`` prints the table (or ``--json``).  ``emulator`` is ``python -m tierstack.emulator``.
"""

from __future__ import annotations

import argparse
import json
import sys

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


def _progress(tp: api.TierProgress) -> None:
    state = "FAILED" if tp.failed else "ok"
    print(
        f"  {tp.play[:44]:<44}  {tp.role:<12} {state:<6} {tp.tasks:>3} tasks {tp.changed:>3} changed {tp.seconds:7.1f}s",
        flush=True,
    )


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tierstack", description="Deploy tierstack stacks through ansible-runner.")
    sub = parser.add_subparsers(dest="command", required=True)
    _common(sub.add_parser("deploy", help="deploy or converge a stack (site.yml)"))
    _common(sub.add_parser("destroy", help="tear a stack down (playbooks/teardown.yml)"))
    o = sub.add_parser("outputs", help="print a deployed stack's outputs")
    o.add_argument("suffix")
    o.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_state_commands(sub, o)
    e = sub.add_parser("emulator", help="the embedded emulator: up|down|status|reset", add_help=False)
    e.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _run(args) -> int:
    tiers = [t.strip() for t in args.tiers.split(",") if t.strip()] if args.tiers else None
    fn = api.deploy if args.command == "deploy" else api.destroy
    print(f"{args.command} {args.suffix} (inventory {args.inventory}{', check mode' if args.check else ''})", flush=True)
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
            on_tier=_progress,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{args.command} {args.suffix}: {result.status} (rc {result.rc}) in {result.seconds:.1f}s, "
        f"{result.changed()} changed; artifacts in {result.artifact_dir}",
        flush=True,
    )
    if not result.ok:
        stdout = result.artifact_dir / "stdout"
        if stdout.exists():
            tail = stdout.read_text(errors="replace").splitlines()[-30:]
            print("\n".join(tail), file=sys.stderr)
        return result.rc or 1
    if args.command == "deploy" and not args.check:
        print()
        table(result.outputs)
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
    if args.command == "outputs":
        return show_outputs(args)
    if args.command == "list":
        return list_stacks(args)
    return _run(args)
