"""The secret_rotation module's pure parts: the deterministic zip and the comparison helpers."""

import os
import time
import zipfile
import io

import pytest

from ansible_collections.tierstack.aws.plugins.module_utils.tierstack_lambda_zip import ZIP_EPOCH, build_zip, code_sha256
from ansible_collections.tierstack.aws.plugins.module_utils import lambda_function, lambda_permission, rotation_schedule
from tierstack import REPO_ROOT

SOURCE = REPO_ROOT / "roles" / "rds_aurora" / "files" / "postgres_rotation"


def make_tree(root, files):
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def test_same_source_gives_the_same_bytes_whatever_the_mtimes_and_modes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    files = {"lambda_function.py": "x = 1\n", "pkg/__init__.py": "", "pkg/z.py": "z\n", "pkg/a.py": "a\n"}
    make_tree(a, files)
    make_tree(b, dict(reversed(list(files.items()))))
    os.utime(b / "lambda_function.py", (time.time() - 86400 * 400, time.time() - 86400 * 400))
    os.chmod(b / "pkg" / "a.py", 0o600)
    assert build_zip([str(a)]) == build_zip([str(b)])


def test_entries_are_sorted_stored_with_fixed_time_and_mode(tmp_path):
    make_tree(tmp_path, {"b.py": "b", "a/x.py": "x", "c.txt": "c"})
    (tmp_path / "c.txt").chmod(0o755)
    archive = zipfile.ZipFile(io.BytesIO(build_zip([str(tmp_path)])))
    infos = archive.infolist()
    assert [i.filename for i in infos] == ["a/x.py", "b.py", "c.txt"]
    for info in infos:
        assert info.date_time == ZIP_EPOCH
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.create_system == 3
    modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in infos}
    assert modes == {"a/x.py": 0o644, "b.py": 0o644, "c.txt": 0o755}


def test_caches_are_left_out_and_changes_change_the_hash(tmp_path):
    make_tree(tmp_path, {"f.py": "1", "__pycache__/f.cpython-311.pyc": "junk", "g.pyc": "junk"})
    first = build_zip([str(tmp_path)])
    assert zipfile.ZipFile(io.BytesIO(first)).namelist() == ["f.py"]
    (tmp_path / "f.py").write_text("2")
    assert code_sha256(build_zip([str(tmp_path)])) != code_sha256(first)


def test_later_roots_are_merged_at_the_root(tmp_path):
    make_tree(tmp_path / "src", {"lambda_function.py": "handler"})
    make_tree(tmp_path / "vendor", {"psycopg/__init__.py": "lib"})
    names = zipfile.ZipFile(io.BytesIO(build_zip([str(tmp_path / "src"), str(tmp_path / "vendor")]))).namelist()
    assert names == ["lambda_function.py", "psycopg/__init__.py"]


def test_missing_or_empty_source_fails(tmp_path):
    with pytest.raises(FileNotFoundError):
        build_zip([str(tmp_path / "nope")])
    with pytest.raises(ValueError):
        build_zip([str(tmp_path)])


def test_the_collections_rotation_function_packages_to_a_stable_hash():
    assert code_sha256(build_zip([str(SOURCE)])) == code_sha256(build_zip([str(SOURCE)]))
    assert zipfile.ZipFile(io.BytesIO(build_zip([str(SOURCE)]))).namelist() == ["lambda_function.py"]


def test_code_sha256_is_what_lambda_reports():
    # Lambda's CodeSha256 is the base64 of the SHA-256 digest.
    assert code_sha256(b"") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def params(**over):
    base = dict(schedule_expression=None, rotation_days=30, rotation_window=None, runtime="python3.12",
                handler="lambda_function.lambda_handler", role_arn="arn:aws:iam::1:role/r", description="d",
                timeout=30, memory_size=128, environment={"A": 1}, subnet_ids=["s2", "s1"],
                security_group_ids=["g1"], layers=[])
    base.update(over)
    return base


def test_rules():
    assert rotation_schedule.desired_rules(params()) == {"AutomaticallyAfterDays": 30}
    assert rotation_schedule.desired_rules(params(schedule_expression="rate(10 days)", rotation_window="3h")) == {
        "ScheduleExpression": "rate(10 days)", "Duration": "3h"}
    assert not rotation_schedule.rules_differ({"AutomaticallyAfterDays": 30, "ScheduleExpression": "rate(30 days)"}, {"AutomaticallyAfterDays": 30})
    assert rotation_schedule.rules_differ({"AutomaticallyAfterDays": 7}, {"AutomaticallyAfterDays": 30})
    assert rotation_schedule.rules_differ(None, {"AutomaticallyAfterDays": 30})


def test_statement_id_is_safe_and_short():
    assert lambda_permission.default_statement_id("db-credentials-dev1") == "SecretsManager-db-credentials-dev1"
    assert lambda_permission.default_statement_id("tierstack/db creds") == "SecretsManager-tierstack-db-creds"
    assert len(lambda_permission.default_statement_id("x" * 300)) == 100


def test_function_config_comparison_ignores_order_and_sees_changes():
    desired = lambda_function.desired_function_config(params())
    current = lambda_function.current_function_config({
        "Runtime": "python3.12", "Handler": "lambda_function.lambda_handler", "Role": "arn:aws:iam::1:role/r",
        "Description": "d", "Timeout": 30, "MemorySize": 128, "Environment": {"Variables": {"A": "1"}},
        "VpcConfig": {"SubnetIds": ["s1", "s2"], "SecurityGroupIds": ["g1"], "VpcId": "vpc-1"}, "Layers": []})
    assert lambda_function.config_changes(current, desired) == []
    changed = lambda_function.desired_function_config(params(timeout=60, security_group_ids=["g2"]))
    assert lambda_function.config_changes(current, changed) == ["Timeout", "VpcConfig"]


def test_statement_helpers():
    statement = {"Sid": "s", "Principal": {"Service": "secretsmanager.amazonaws.com"},
                 "Condition": {"ArnLike": {"AWS:SourceArn": "arn:x"}}}
    assert lambda_permission.statement_source_arn(statement) == "arn:x"
    assert lambda_permission.statement_principal(statement) == "secretsmanager.amazonaws.com"
    assert lambda_permission.statement_source_arn({"Sid": "s"}) is None
