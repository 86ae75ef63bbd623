"""A create whose answer is lost on the way back (the emulator performs it, the client gets a 500) still
converges in the same run, with no duplicate.

botocore retries the call. Where the API has an idempotency token, the retry returns the first call's
resource; where it has none (CreateSubnet), the retry meets the resource that the first call made, and the
role adopts it. Where the retry simply creates a second resource (CreateRouteTable, which tags the table as
it creates it), the first is left unused, and the next run deletes it because it can prove it serves no
subnet. The proxy in front of the lane's emulator loses the first answer of each named operation.
"""

from __future__ import annotations

import threading

import pytest

from bench.faults import Fault, error_response, protocol_of
from bench.proxy import CountingProxy, classify
from tierstack.emulator import endpoint_port
from tierstack.testing import client, recap, run_playbook, tags_of

REGION = "ap-southeast-1"
SUFFIX = "lost1"


class LoseFirstAnswer:
    """The proxy's fault hook: the first call of each operation in ``ops`` is performed upstream and
    answered with a 500 (a lost response); every other call passes."""

    def __init__(self, ops):
        self.pending = set(ops)
        self.lost: list[str] = []
        self.lock = threading.Lock()

    def decide(self, method, path, headers, body):
        if path.startswith("/moto-api"):
            return None
        service, op, _kind = classify(method, path, headers, body)
        with self.lock:
            if op not in self.pending:
                return None
            self.pending.discard(op)
            self.lost.append(op)
        status, hdrs, payload = error_response(protocol_of(path, headers, body), service, "500")
        return Fault("lost", status, hdrs, payload)


@pytest.mark.usefixtures("endpoint")  # the lane's emulator, behind the proxy
def test_lost_create_answers_converge_without_a_duplicate():
    faults = LoseFirstAnswer({"CreateSubnet", "CreateRouteTable"})
    proxy = CountingProxy(endpoint_port()).start()
    proxy.faults = faults
    statuses = []  # the emulator's status for each CreateSubnet that reached it

    def record(method, path, headers, body, status):
        if classify(method, path, headers, body)[1] == "CreateSubnet":
            statuses.append(status)

    proxy.recorder = record
    try:
        result = run_playbook("site.yml", {"suffix": SUFFIX, "tierstack_tiers": ["vpc"]}, endpoint=proxy.url)
    finally:
        proxy.stop()
    assert faults.lost == ["CreateSubnet", "CreateRouteTable"], f"the proxy lost {faults.lost}: the test proved less"
    assert result.returncode == 0, result.stdout[-4000:]
    # Six subnets created, then botocore's retry of the lost one refused (InvalidSubnet.Conflict, a 400);
    # the task's retry found the subnet by its CIDR and created nothing more.
    assert sorted(statuses) == [200] * 6 + [400], statuses
    assert "FAILED - RETRYING: [localhost]: Create the subnets" in result.stdout, result.stdout[-4000:]
    assert recap(result.stdout)["failed"] == 0

    ec2 = client("ec2", REGION)
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"tierstack-{SUFFIX}"]}])["Vpcs"]
    assert len(vpcs) == 1, vpcs
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])["Subnets"]
    cidrs = [s["CidrBlock"] for s in subnets]
    assert len(cidrs) == len(set(cidrs)) == 6, cidrs  # the default layout: public and private, 3 AZs
    for subnet in subnets:  # the adopted subnet carries the stack's tags like the others
        tags = tags_of(subnet)
        assert tags.get("Name", "").endswith(f"-{SUFFIX}") and tags.get("ManagedBy") == "ansible-tierstack", tags

    # The lost CreateRouteTable: botocore's retry made a second table of the same name, which the run used;
    # the first serves no subnet. The next run deletes it (one read found it), and only it.
    def tables_by_name():
        out = {}
        for rt in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])["RouteTables"]:
            name = tags_of(rt).get("Name")
            if name:
                out.setdefault(name, []).append((rt["RouteTableId"], [a.get("SubnetId") for a in rt.get("Associations", [])]))
        return out

    before = tables_by_name()
    [(name, twins)] = [(n, t) for n, t in before.items() if len(t) > 1]
    assert sorted(bool(subnets) for _id, subnets in twins) == [False, True], twins
    [unused] = [rt_id for rt_id, subnets in twins if not subnets]

    again = run_playbook("site.yml", {"suffix": SUFFIX, "tierstack_tiers": ["vpc"]})
    assert again.returncode == 0, again.stdout[-4000:]
    assert f"(item={unused})" in again.stdout, again.stdout[-4000:]
    after = tables_by_name()
    assert {n: len(t) for n, t in after.items()} == {n: 1 for n in before}, after
    assert after[name] == [t for t in twins if t[0] != unused]
    assert recap(again.stdout)["changed"] == 1, recap(again.stdout)  # the deletion, nothing else
