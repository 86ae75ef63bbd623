"""Read the network tier back from the endpoint and compare it with what the role promises."""

from collections import Counter

from tierstack.testing import tags_of
from tierstack import testing

SUFFIX = testing.scenario_suffix("mol-vpc")
REQUIRED_TAGS = {"Environment": SUFFIX, "Project": "tierstack", "ManagedBy": "ansible-tierstack"}
APP_PORTS = {8080, 5000}


def _sg(ec2, group_id):
    return ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]


def _permissions(sg, key):
    """(protocol, from, to, source) for every rule: source is a CIDR or a group id."""
    out = set()
    for perm in sg[key]:
        for r in perm.get("IpRanges", []):
            out.add((perm["IpProtocol"], perm.get("FromPort"), perm.get("ToPort"), r["CidrIp"]))
        for p in perm.get("UserIdGroupPairs", []):
            out.add((perm["IpProtocol"], perm.get("FromPort"), perm.get("ToPort"), p["GroupId"]))
        for r in perm.get("Ipv6Ranges", []):
            out.add((perm["IpProtocol"], perm.get("FromPort"), perm.get("ToPort"), r["CidrIpv6"]))
    return out


def test_outputs_file_is_written(host):
    from tierstack.testing import outputs_path

    f = host.file(str(outputs_path(SUFFIX)))
    assert f.exists
    assert '"VpcId"' in f.content_string


def test_vpc_exists_with_tags(ec2, outputs):
    vpc = ec2.describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    tags = tags_of(vpc)
    assert tags["Name"] == f"tierstack-{SUFFIX}"
    for key, value in REQUIRED_TAGS.items():
        assert tags[key] == value
    assert tags["Owner"]


def test_one_public_and_one_private_subnet_per_az(ec2, outputs):
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [outputs["VpcId"]]}])["Subnets"]
    tiers = Counter((tags_of(s)["Tier"], s["AvailabilityZone"]) for s in subnets)
    zones = outputs["AvailabilityZones"].split(",")
    assert len(zones) == 3 and len(set(zones)) == 3
    assert tiers == Counter({(tier, az): 1 for tier in ("public", "private") for az in zones})
    for s in subnets:
        assert s["MapPublicIpOnLaunch"] == (tags_of(s)["Tier"] == "public")
        assert tags_of(s)["Environment"] == SUFFIX
    public_ids = {s["SubnetId"] for s in subnets if tags_of(s)["Tier"] == "public"}
    assert public_ids == set(outputs["PublicSubnetIds"].split(","))


def _routes_by_subnet(ec2, vpc_id):
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    out = {}
    for t in tables:
        for a in t.get("Associations", []):
            if a.get("SubnetId"):
                out[a["SubnetId"]] = {r["DestinationCidrBlock"]: r for r in t["Routes"] if "DestinationCidrBlock" in r}
    return out


def test_public_subnets_route_to_the_internet_gateway(ec2, outputs):
    routes = _routes_by_subnet(ec2, outputs["VpcId"])
    igw = outputs["InternetGatewayId"]
    attached = ec2.describe_internet_gateways(InternetGatewayIds=[igw])["InternetGateways"][0]["Attachments"]
    assert [a["VpcId"] for a in attached] == [outputs["VpcId"]]
    for subnet in outputs["PublicSubnetIds"].split(","):
        assert routes[subnet]["0.0.0.0/0"]["GatewayId"] == igw


def test_each_private_subnet_routes_to_the_nat_gateway_of_its_az(ec2, outputs):
    routes = _routes_by_subnet(ec2, outputs["VpcId"])
    nats = ec2.describe_nat_gateways(NatGatewayIds=outputs["NatGatewayIds"].split(","))["NatGateways"]
    assert len(nats) == 3
    assert all(n["State"] == "available" for n in nats)
    subnet_ids = outputs["PublicSubnetIds"].split(",") + outputs["PrivateSubnetIds"].split(",")
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(SubnetIds=subnet_ids)["Subnets"]}
    nat_az = {n["NatGatewayId"]: subnets[n["SubnetId"]]["AvailabilityZone"] for n in nats}
    assert {n["SubnetId"] for n in nats} == set(outputs["PublicSubnetIds"].split(","))
    for subnet in outputs["PrivateSubnetIds"].split(","):
        nat = routes[subnet]["0.0.0.0/0"]["NatGatewayId"]
        assert nat_az[nat] == subnets[subnet]["AvailabilityZone"]
        assert "GatewayId" not in routes[subnet]["0.0.0.0/0"]


def test_nat_gateways_and_their_addresses_are_tagged(ec2, outputs):
    nats = ec2.describe_nat_gateways(NatGatewayIds=outputs["NatGatewayIds"].split(","))["NatGateways"]
    for n in nats:
        assert tags_of(n)["Environment"] == SUFFIX
        alloc = n["NatGatewayAddresses"][0]["AllocationId"]
        address = ec2.describe_addresses(AllocationIds=[alloc])["Addresses"][0]
        assert tags_of(address)["Environment"] == SUFFIX


def test_every_subnet_has_its_tier_network_acl(ec2, outputs):
    acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [outputs["VpcId"]]}])["NetworkAcls"]
    by_subnet = {a["SubnetId"]: acl for acl in acls for a in acl["Associations"]}
    for tier, key in (("public", "PublicSubnetIds"), ("private", "PrivateSubnetIds")):
        for subnet in outputs[key].split(","):
            acl = by_subnet[subnet]
            assert not acl["IsDefault"]
            assert tags_of(acl)["Name"] == f"nacl-{tier}-{SUFFIX}"
    public = next(a for a in acls if tags_of(a).get("Name") == f"nacl-public-{SUFFIX}")
    ingress = {(e["RuleNumber"], e["Protocol"], e.get("PortRange", {}).get("From")) for e in public["Entries"] if not e["Egress"] and e["RuleNumber"] < 32767}
    assert (100, "6", 80) in ingress and (110, "6", 443) in ingress


def test_alb_security_group_takes_http_and_https_from_anywhere_only(ec2, outputs):
    sg = _sg(ec2, outputs["AlbSecurityGroupId"])
    assert _permissions(sg, "IpPermissions") == {("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 443, 443, "0.0.0.0/0")}
    app = outputs["AppSecurityGroupId"]
    assert _permissions(sg, "IpPermissionsEgress") == {("tcp", p, p, app) for p in APP_PORTS}


def test_app_security_group_takes_only_the_alb_on_container_ports(ec2, outputs):
    sg = _sg(ec2, outputs["AppSecurityGroupId"])
    alb = outputs["AlbSecurityGroupId"]
    assert _permissions(sg, "IpPermissions") == {("tcp", p, p, alb) for p in APP_PORTS}
    assert _permissions(sg, "IpPermissionsEgress") == {
        ("tcp", 443, 443, "0.0.0.0/0"),
        ("tcp", 5432, 5432, outputs["DbSecurityGroupId"]),
    }


def test_db_security_group_takes_5432_only_from_the_app(ec2, outputs):
    sg = _sg(ec2, outputs["DbSecurityGroupId"])
    assert _permissions(sg, "IpPermissions") == {("tcp", 5432, 5432, outputs["AppSecurityGroupId"])}
    assert _permissions(sg, "IpPermissionsEgress") == set()
    assert tags_of(sg)["Tier"] == "db"
