"""The cloudwatch role's data-tier dashboard widgets render for every combination of present tiers."""
import json
import pathlib

import jinja2
import pytest

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "roles" / "cloudwatch" / "templates"


def render(**tiers):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=jinja2.StrictUndefined,
                             extensions=["jinja2.ext.do"])
    env.filters.update(to_json=json.dumps, from_json=json.loads, int=int)
    base = {"cloudwatch_redis_member_clusters": [], "cloudwatch_efs_file_system_id": "",
            "cloudwatch_kinesis_stream_name": "", "cloudwatch_data_top": 18, "cloudwatch_region": "eu-west-2",
            "cloudwatch_dashboard_period": 300}
    return json.loads(env.get_template("dashboard_data_tiers.json.j2").render(**dict(base, **tiers)))


def titles(widgets):
    return [w["properties"]["title"] for w in widgets]


def test_no_data_tier_no_widget():
    assert render() == []


@pytest.mark.parametrize("members", [["sess-x-001"], ["sess-x-001", "sess-x-002", "sess-x-003"]])
def test_redis_widgets_per_member_and_replication_lag_for_replicas_only(members):
    widgets = render(cloudwatch_redis_member_clusters=members)
    by_title = {w["properties"]["title"]: w["properties"]["metrics"] for w in widgets}
    assert [m[3] for m in by_title["Redis engine CPU (%)"]] == members
    if len(members) == 1:
        assert "Redis replication lag (s)" not in by_title
    else:
        assert [m[3] for m in by_title["Redis replication lag (s)"]] == members[1:]


def test_all_data_tiers_two_per_row_below_the_others():
    widgets = render(cloudwatch_redis_member_clusters=["r-001", "r-002"], cloudwatch_efs_file_system_id="fs-1",
                     cloudwatch_kinesis_stream_name="events-x")
    assert len(widgets) == 8
    assert [(w["x"], w["y"]) for w in widgets[:4]] == [(0, 18), (12, 18), (0, 24), (12, 24)]
    assert {w["properties"]["region"] for w in widgets} == {"eu-west-2"}
    assert "EFS throughput (bytes)" in titles(widgets) and "Kinesis iterator age (ms)" in titles(widgets)
