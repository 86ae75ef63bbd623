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


class _Recorder:
    """Any client: records each call and answers reads with one tag under every result key."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, op):
        def call(**kw):
            self.calls.append((op, kw))
            return {key: [{"Key": "a", "Value": "1"}] for key in ("Tags", "tags", "TagList")}
        return call


def test_each_key_value_api_uses_its_own_spelling():
    spellings = {
        "ecr": ("list_tags_for_resource", "tag_resource", "untag_resource", "resourceArn", "tags", "tagKeys"),
        "cloudwatch": ("list_tags_for_resource", "tag_resource", "untag_resource", "ResourceARN", "Tags", "TagKeys"),
        "elasticache": ("list_tags_for_resource", "add_tags_to_resource", "remove_tags_from_resource", "ResourceName", "Tags", "TagKeys"),
        "efs": ("list_tags_for_resource", "tag_resource", "untag_resource", "ResourceId", "Tags", "TagKeys"),
        "secretsmanager": ("describe_secret", "tag_resource", "untag_resource", "SecretId", "Tags", "TagKeys"),
    }
    for service, (read, write, delete, id_param, tags_param, keys_param) in spellings.items():
        client = _Recorder()
        plan = tagging.reconcile_tags(_Module(), client, service, "id-1", {"b": "2"}, True)
        assert plan.after == {"b": "2"}, service
        assert client.calls == [
            (read, {"aws_retry": True, id_param: "id-1"}),
            (delete, {"aws_retry": True, id_param: "id-1", keys_param: ["a"]}),
            (write, {"aws_retry": True, id_param: "id-1", tags_param: [{"Key": "b", "Value": "2"}]}),
        ], service
