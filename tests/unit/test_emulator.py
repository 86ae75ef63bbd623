"""The emulator controller: start, reuse, status and stop, on a free loopback port."""

import socket
import urllib.request
import json

import pytest

from tierstack import emulator


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_endpoint_port_comes_from_aws_endpoint_url():
    assert emulator.endpoint_port({"AWS_ENDPOINT_URL": "http://127.0.0.1:4599"}) == 4599
    assert emulator.endpoint_port({}) == emulator.DEFAULT_PORT


@pytest.fixture
def port(tmp_path, monkeypatch):
    monkeypatch.setenv("TIERSTACK_STATE_DIR", str(tmp_path))
    p = _free_port()
    yield p
    emulator.down(p)


def test_up_starts_configures_and_is_idempotent_and_down_stops(port):
    first = emulator.up(port)
    assert first["changed"] is True and first["pid"]
    assert emulator.pid_file(port).read_text().strip() == str(first["pid"])
    assert emulator.answers(port)
    config = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/config").read())
    assert config["lambda"]["use_docker"] is False

    again = emulator.up(port)
    assert again == {"changed": False, "endpoint": f"http://127.0.0.1:{port}", "pid": first["pid"]}

    status = emulator.status(port)
    assert status["answers"] is True and status["pid"] == first["pid"]

    stopped = emulator.down(port)
    assert stopped["changed"] is True
    assert not emulator.listening(port)
    assert not emulator.pid_file(port).exists()
    assert emulator.down(port)["changed"] is False


def test_managed_iam_policies_are_loaded(port):
    import boto3

    emulator.up(port)
    iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
    assert policy["Policy"]["PolicyName"] == "AmazonECSTaskExecutionRolePolicy"


def test_down_leaves_a_server_it_did_not_start_alone(port, tmp_path):
    emulator.up(port)
    pid = emulator._own_pid(port)
    emulator.pid_file(port).unlink()  # as if another tool had started it
    assert emulator.down(port)["changed"] is False
    assert emulator.answers(port)
    emulator.pid_file(port).write_text(f"{pid}\n")  # let the fixture stop it


def test_status_exit_code_when_nothing_answers(port, capsys):
    assert emulator.main(["status", "--port", str(port)]) == 3
    assert json.loads(capsys.readouterr().out)["answers"] is False
