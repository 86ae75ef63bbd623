"""tierstack.api and the CLI, without running a playbook."""

from __future__ import annotations

import json

import pytest

from plugins.filter.tierstack import SUFFIX_RE
from plugins.filter.tierstack import valid_suffix as filter_valid_suffix
from tierstack import api, cli


@pytest.mark.parametrize("suffix", ["demo", "a", "dev-1", "x1-y2-z3", "abcdefghijklmnop", "", "Demo", "1a", "a--b", "a-", "abcdefghijklmnopq", None, 7])
def test_the_api_applies_the_roles_suffix_rule(suffix):
    assert api.valid_suffix(suffix) == filter_valid_suffix(suffix)
    assert api.SUFFIX_PATTERN == SUFFIX_RE.pattern


def test_job_extravars_are_those_of_an_awx_survey():
    assert api.job_extravars("dev1") == {"suffix": "dev1"}
    assert api.job_extravars("dev1", "media_streaming", "eu-west-1", {"x": 1}) == {
        "suffix": "dev1",
        "tierstack_profile": "media_streaming",
        "tierstack_region": "eu-west-1",
        "x": 1,
    }


def test_a_bad_suffix_fails_before_ansible_runner_starts(monkeypatch):
    import ansible_runner

    def boom(**kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("ansible_runner.run was called")

    monkeypatch.setattr(ansible_runner, "run", boom)
    with pytest.raises(ValueError, match="suffix 'Bad_One' is invalid"):
        api.deploy("Bad_One")
    with pytest.raises(ValueError, match="inventory 'nowhere' not found"):
        api.destroy("good", inventory="nowhere")


def test_run_playbook_passes_what_a_job_template_passes(monkeypatch, tmp_path):
    """The call into ansible-runner: project dir, playbook, inventory, extra vars, env."""
    import ansible_runner

    seen = {}

    class FakeConfig:
        artifact_dir = str(tmp_path / "artifacts" / "x")

    class FakeRunner:
        status, rc, stats, config = "successful", 0, {"changed": {"localhost": 0}}, FakeConfig()

    def fake_run(**kwargs):
        seen.update(kwargs)
        for event in EVENTS:
            kwargs["event_handler"](event)
        return FakeRunner()

    monkeypatch.setattr(ansible_runner, "run", fake_run)
    progress = []
    result = api.destroy("dev1", profile="media_streaming", region="ap-southeast-1", tiers=["vpc"],
                         private_data_dir=tmp_path, on_tier=progress.append, envvars={"A": "b"})
    assert seen["playbook"] == "playbooks/teardown.yml"
    assert seen["project_dir"] == str(api.REPO_ROOT)
    assert seen["inventory"] == str(api.REPO_ROOT / "inventories" / "local")
    assert seen["private_data_dir"] == str(tmp_path)
    assert seen["extravars"] == {"suffix": "dev1", "tierstack_profile": "media_streaming",
                                 "tierstack_region": "ap-southeast-1", "tierstack_tiers": ["vpc"]}
    assert seen["envvars"]["A"] == "b" and seen["envvars"]["PATH"].startswith(str(api.Path(api.sys.executable).parent))
    assert result.ok and result.changed() == 0
    assert [(t.play, t.role, t.tasks, t.changed) for t in progress] == [("Check", "vpc", 2, 0), ("Deploy", "vpc", 2, 1), ("Deploy", "outputs", 1, 0)]


def _task(role, task="t"):
    return {"event": "playbook_on_task_start", "event_data": {"role": role, "task": task}}


EVENTS = [
    {"event": "playbook_on_play_start", "event_data": {"play": "Check"}},
    _task(""),  # the include_role task itself belongs to no role
    _task("vpc"),
    {"event": "runner_on_ok", "event_data": {"role": "vpc", "res": {"changed": False}}},
    _task("vpc"),
    {"event": "runner_on_ok", "event_data": {"role": "vpc", "res": {"changed": False}}},
    {"event": "playbook_on_play_start", "event_data": {"play": "Deploy"}},
    _task("vpc"),
    {"event": "runner_on_ok", "event_data": {"role": "vpc", "res": {"changed": True}}},
    _task("vpc"),
    {"event": "runner_on_skipped", "event_data": {"role": "vpc"}},
    _task(""),
    _task("outputs"),
    {"event": "runner_on_ok", "event_data": {"role": "outputs", "res": {}}},
    {"event": "playbook_on_stats", "event_data": {}},
]


def test_outputs_reads_flat_outputs(monkeypatch, tmp_path):
    monkeypatch.setattr(api, "REPO_ROOT", tmp_path)
    (tmp_path / "outputs" / "dev1").mkdir(parents=True)
    (tmp_path / "outputs" / "dev1" / "flat-outputs.json").write_text(json.dumps({"VpcId": "vpc-1"}))
    assert api.outputs("dev1") == {"VpcId": "vpc-1"}
    with pytest.raises(FileNotFoundError):
        api.outputs("dev2", source="file")


def test_cli_outputs_table_and_json(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(api, "REPO_ROOT", tmp_path)
    (tmp_path / "outputs" / "dev1").mkdir(parents=True)
    (tmp_path / "outputs" / "dev1" / "flat-outputs.json").write_text(json.dumps({"VpcId": "vpc-1", "ALBDNSName": "x.elb"}))
    assert cli.main(["outputs", "dev1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["Output", "Value"]
    assert lines[2].split() == ["ALBDNSName", "x.elb"] and lines[3].split() == ["VpcId", "vpc-1"]
    assert cli.main(["outputs", "dev1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"VpcId": "vpc-1", "ALBDNSName": "x.elb"}
    assert cli.main(["outputs", "dev2", "--source", "file"]) == 1
    assert "no outputs for dev2" in capsys.readouterr().err


def test_cli_rejects_a_bad_suffix_without_running(capsys):
    assert cli.main(["deploy", "Not_Valid"]) == 2
    assert "suffix 'Not_Valid' is invalid" in capsys.readouterr().err


def test_cli_extra_vars():
    assert cli._extravars(["a=1", "b=x", 'c=["vpc"]', '{"d": {"e": 2}}']) == {"a": 1, "b": "x", "c": ["vpc"], "d": {"e": 2}}


def test_cli_emulator_delegates(monkeypatch):
    from tierstack import emulator

    calls = []
    monkeypatch.setattr(emulator, "main", lambda argv: calls.append(argv) or 0)
    assert cli.main(["emulator", "status", "--port", "4999"]) == 0
    assert calls == [["status", "--port", "4999"]]


def test_the_stock_strategy_is_the_default_and_mitogen_is_opt_in(monkeypatch):
    monkeypatch.delenv("ANSIBLE_STRATEGY", raising=False)
    monkeypatch.delenv("TIERSTACK_STOCK_ANSIBLE", raising=False)
    monkeypatch.delenv("TIERSTACK_MITOGEN", raising=False)
    tuned = api.mitogen_env()
    assert tuned["ANSIBLE_STRATEGY"] == "mitogen_linear"
    assert (api.Path(tuned["ANSIBLE_STRATEGY_PLUGINS"]) / "mitogen_linear.py").is_file()
    assert "ANSIBLE_STRATEGY" not in api._env(None)
    assert api._env(None, mitogen=True)["ANSIBLE_STRATEGY"] == "mitogen_linear"
    monkeypatch.setenv("TIERSTACK_MITOGEN", "1")
    assert api._env(None)["ANSIBLE_STRATEGY"] == "mitogen_linear"
    assert "ANSIBLE_STRATEGY" not in api._env(None, mitogen=False)
    assert api._env({"ANSIBLE_STRATEGY": "linear"})["ANSIBLE_STRATEGY"] == "linear"
    monkeypatch.setenv("TIERSTACK_STOCK_ANSIBLE", "1")
    assert "ANSIBLE_STRATEGY" not in api._env(None)
