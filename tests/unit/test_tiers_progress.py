"""Formatting, task-count estimates, history and log rotation of the tierstack.aws.tiers callback."""

import importlib.util
import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("tiers_progress", ROOT / "plugins" / "plugin_utils" / "tiers_progress.py")
tp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tp)


class _Stream:
    def __init__(self, tty):
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.mark.parametrize(
    "env,tty,expected",
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
        ({"ANSIBLE_NOCOLOR": "true"}, True, False),
        ({"TIERSTACK_TTY": "0"}, True, False),
        ({"TIERSTACK_TTY": "1"}, False, True),
        ({"TIERSTACK_TTY": "1", "NO_COLOR": "x"}, False, False),
    ],
)
def test_colour_only_on_a_terminal_and_never_with_no_color(env, tty, expected):
    assert tp.use_colour(_Stream(tty), env) is expected


def test_paint_adds_ansi_only_when_enabled():
    assert tp.paint("ok", "green", False) == "ok"
    assert tp.paint("ok", "green", True) == "\x1b[32mok\x1b[0m"


@pytest.mark.parametrize("seconds,text", [(0, "0.0s"), (12.34, "12.3s"), (65, "1m05s"), (3725, "1h02m"), (-3, "0.0s")])
def test_duration(seconds, text):
    assert tp.duration(seconds) == text


def test_bar_fills_in_proportion_and_caps():
    assert tp.progress_bar(0, 10, 10) == ".........."
    assert tp.progress_bar(5, 10, 10) == "#####....."
    assert tp.progress_bar(12, 10, 10) == "##########"
    assert tp.progress_bar(3, None, 4) == "...."


def test_unit_line_running_finished_failed_and_plain():
    unit = tp.Unit("vpc", "vpc", total=20, now=100.0)
    unit.done, unit.changed = 10, 3
    line = unit.line(colour=False, now=112.0)
    assert line.startswith(".. vpc ")
    assert "[##########..........]" in line and " 10/20 " in line and "3 changed" in line and "12.0s" in line
    assert "\x1b[" not in line
    unit.done, unit.finished = 18, 130.0  # fewer tasks than estimated: a finished tier shows full
    line = unit.line(colour=False)
    assert line.startswith("ok vpc ") and "[####################]" in line and " 18/18 " in line and "done in 30.0s" in line
    unit.failed = 1
    line = unit.line(colour=False)
    assert line.startswith("!! vpc ") and "1 failed" in line and "failed after 30.0s" in line
    assert "\x1b[31m" in unit.line(colour=True)


def test_fit_cuts_to_the_terminal_width_ignoring_colour_codes():
    text = tp.paint("x" * 50, "green", True)
    assert tp.fit(text, 80) == text
    assert tp.fit(text, 20) == "x" * 19 + "~"


def test_key_outputs_keep_urls_endpoints_and_names_only():
    rows = dict(
        tp.key_outputs(
            {
                "CloudFrontURL": "https://d1.cloudfront.net",
                "RDSClusterEndpoint": "db.example",
                "ECSClusterName": "cluster-x",
                "VpcId": "vpc-1",
                "DBSecretArn": "arn:aws:secretsmanager:...",
                "PublicSubnetIds": "subnet-1,subnet-2",
                "ALBFullName": "app/alb-x/123",
                "EmptyName": "",
            }
        )
    )
    assert rows == {"CloudFrontURL": "https://d1.cloudfront.net", "ECSClusterName": "cluster-x", "RDSClusterEndpoint": "db.example", "VpcId": "vpc-1"}


def test_first_lines_cuts_long_messages():
    assert tp.first_lines("a\nb\nc", lines=2) == "a\nb\n..."
    assert tp.first_lines("x" * 500, width=10) == "x" * 10 + " ..."


def test_count_tasks_follows_blocks_and_state_includes(tmp_path):
    tasks = tmp_path / "role" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "main.yml").write_text(
        "- name: Check\n  ansible.builtin.import_tasks: validate.yml\n"
        "- name: Build or remove\n  ansible.builtin.include_tasks: \"{{ role_state }}.yml\"\n"
    )
    (tasks / "validate.yml").write_text("- name: a\n  ansible.builtin.assert: {that: true}\n")
    (tasks / "present.yml").write_text(
        "- name: one\n  ansible.builtin.debug: {}\n"
        "- name: block\n  block:\n    - name: two\n      ansible.builtin.debug: {}\n"
        "    - name: three\n      ansible.builtin.debug: {}\n  rescue:\n    - name: four\n      ansible.builtin.debug: {}\n"
        "- name: more\n  ansible.builtin.include_tasks: \"extra_{{ mode }}.yml\"\n"
    )
    (tasks / "extra_a.yml").write_text("- name: x\n  ansible.builtin.debug: {}\n")
    (tasks / "extra_b.yml").write_text("- name: x\n  ansible.builtin.debug: {}\n- name: y\n  ansible.builtin.debug: {}\n"
                                       "- name: z\n  ansible.builtin.debug: {}\n")
    (tasks / "absent.yml").write_text("- name: gone\n  ansible.builtin.debug: {}\n")
    role = str(tmp_path / "role")
    assert tp.role_task_count(role, "main", "present") == 1 + 4 + 2  # validate, present (block + rescue), avg(extra)
    assert tp.role_task_count(role, "main", "absent") == 1 + 1
    assert tp.role_task_count(role, "validate") == 1
    assert tp.role_task_count(role, "missing") == 0


def test_history_records_finished_units_only(tmp_path):
    path = tmp_path / "logs" / ".tier-tasks.json"
    history = tp.History(str(path))
    assert history.get("site.yml", "vpc") is None
    done = tp.Unit("vpc", "vpc", 10, now=0.0)
    done.done, done.finished = 12, 1.0
    failed = tp.Unit("alb", "alb", 10, now=0.0)
    failed.done, failed.failed, failed.finished = 3, 1, 1.0
    running = tp.Unit("ecr", "ecr", 10, now=0.0)
    running.done = 2
    history.record("site.yml", [done, failed, running])
    again = tp.History(str(path))
    assert again.get("site.yml", "vpc") == 12
    assert again.get("site.yml", "alb") is None and again.get("site.yml", "ecr") is None


def test_new_log_path_and_rotation(tmp_path):
    now = time.time()
    first = tp.new_log_path(str(tmp_path), "demo", now)
    Path(first).write_text("1")
    second = tp.new_log_path(str(tmp_path), "demo", now)  # same second: a distinct name
    assert first != second and Path(first).parent == tmp_path / "demo"
    assert Path(first).name.endswith("Z.log") and Path(second).name.endswith("Z-2.log")
    folder = tmp_path / "demo"
    for i in range(6):
        p = folder / f"2026010{i}T000000Z.log"
        p.write_text(str(i))
        os.utime(p, (1000 + i, 1000 + i))
    os.utime(first, (2000, 2000))
    removed = tp.rotate(str(folder), 3)
    left = sorted(p.name for p in folder.glob("*.log"))
    assert len(left) == 3 and Path(first).name in left
    assert len(removed) == 4 and all("2026010" in r for r in removed)
    assert tp.rotate(str(folder), 0) == []  # 0 keeps everything
