"""module_utils/tagging: the plan, and writes only outside check mode (removals first)."""

from ansible_collections.tierstack.aws.plugins.module_utils import tagging


class _Module:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode

    def fail_json_aws(self, e, msg):
        raise AssertionError(msg)


class _EfsClient:
    def __init__(self):
        self.calls = []

    def untag_resource(self, **kw):
        self.calls.append(("untag", kw["ResourceId"], kw["TagKeys"]))

    def tag_resource(self, **kw):
        self.calls.append(("tag", kw["ResourceId"], kw["Tags"]))


def test_no_desired_tags_leaves_them_alone():
    client = _EfsClient()
    plan = tagging.reconcile_tags(_Module(), client, "efs", "fs-1", None, True, current={"a": "1"})
    assert not plan.changed and plan.after == {"a": "1"} and client.calls == []


def test_reconcile_removes_then_adds():
    client = _EfsClient()
    plan = tagging.reconcile_tags(_Module(), client, "efs", "fs-1", {"b": 2}, True, current={"a": "1"})
    assert plan.after == {"b": "2"}
    assert client.calls == [("untag", "fs-1", ["a"]), ("tag", "fs-1", [{"Key": "b", "Value": "2"}])]


def test_check_mode_plans_without_writing():
    client = _EfsClient()
    plan = tagging.reconcile_tags(_Module(check_mode=True), client, "efs", "fs-1", {"b": "2"}, False, current={"a": "1"})
    assert plan.changed and plan.after == {"a": "1", "b": "2"} and client.calls == []


def test_read_then_apply_later():
    client = _EfsClient()
    plan = tagging.read_tag_plan(_Module(), client, "efs", "fs-1", {"a": "1"}, True, current={"a": "1"})
    assert not plan.changed
    tagging.apply_tag_plan(_Module(), client, "efs", "fs-1", plan)
    assert client.calls == []
