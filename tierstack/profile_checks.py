"""Checks that the whole-profile scenarios share (extensions/molecule/ecommerce, extensions/molecule/flask_api), read back from
the endpoint. Each takes ``aws`` (a function from a service name to a boto3 client in the profile's
region), the stack's outputs and what the profile asks for, and asserts on described state.
"""

from __future__ import annotations

import json

from tierstack.testing import as_list, role_statements, tags_of

DB_SECRET_KEYS = (("DB_HOST", "host"), ("DB_PORT", "port"), ("DB_NAME", "dbname"), ("DB_USERNAME", "username"),
                  ("DB_PASSWORD", "password"))


def ids(outputs, key):
    return outputs[key].split(",")


def check_stack_record(aws, suffix, profile, region, tiers):
    """The account's record of the stack names the profile, its region and its tiers."""
    record = json.loads(aws("ssm").get_parameter(Name=f"/tierstack/{suffix}/stack")["Parameter"]["Value"])
    assert (record["profile"], record["region"], record["tiers"]) == (profile, region, tiers)


def check_subnet_tiers(aws, outputs, zones, tiers):
    """Each output of ``tiers`` ({output key: Tier tag}) holds one /24 per AZ, and the VPC has no other subnet."""
    ec2 = aws("ec2")
    assert ids(outputs, "AvailabilityZones") == zones
    seen = set()
    for key, tier in tiers.items():
        subnets = ec2.describe_subnets(SubnetIds=ids(outputs, key))["Subnets"]
        assert sorted(s["AvailabilityZone"] for s in subnets) == zones, key
        assert all(s["CidrBlock"].endswith("/24") and s["VpcId"] == outputs["VpcId"] for s in subnets), key
        assert {tags_of(s)["Tier"] for s in subnets} == {tier}, key
        seen |= {s["SubnetId"] for s in subnets}
    assert len(seen) == len(zones) * len(tiers)
    in_vpc = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [outputs["VpcId"]]}])["Subnets"]
    assert {s["SubnetId"] for s in in_vpc} == seen


def default_route(ec2, subnet_id):
    """The 0.0.0.0/0 route of a subnet's route table, or None."""
    [table] = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["RouteTables"]
    routes = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    assert len(routes) <= 1, routes
    return routes[0] if routes else None


def check_nat_per_az(aws, outputs, zones, nat_keys, closed_keys=()):
    """A NAT gateway in each AZ's public subnet; the subnets of ``nat_keys`` go out through the one of their
    AZ, those of ``closed_keys`` have no default route at all, the public ones use the internet gateway."""
    ec2 = aws("ec2")
    public = {s["SubnetId"]: s["AvailabilityZone"] for s in ec2.describe_subnets(SubnetIds=ids(outputs, "PublicSubnetIds"))["Subnets"]}
    nats = ec2.describe_nat_gateways(NatGatewayIds=ids(outputs, "NatGatewayIds"))["NatGateways"]
    nat_az = {n["NatGatewayId"]: public[n["SubnetId"]] for n in nats if n["State"] == "available"}
    assert sorted(nat_az.values()) == zones
    for key in nat_keys:
        for subnet in ec2.describe_subnets(SubnetIds=ids(outputs, key))["Subnets"]:
            assert nat_az[default_route(ec2, subnet["SubnetId"])["NatGatewayId"]] == subnet["AvailabilityZone"], key
    for key in closed_keys:
        assert [default_route(ec2, s) for s in ids(outputs, key)] == [None] * len(zones), key
    for subnet_id in public:
        assert default_route(ec2, subnet_id)["GatewayId"] == outputs["InternetGatewayId"]


def aurora_cluster(aws, outputs):
    return aws("rds").describe_db_clusters(DBClusterIdentifier=outputs["RDSClusterIdentifier"])["DBClusters"][0]


def check_aurora_placement(aws, outputs, subnet_key, zones):
    """A serverless writer and one reader, in different AZs, in the subnets of ``subnet_key`` only, and a
    security group that admits PostgreSQL from the app tier's group alone."""
    rds = aws("rds")
    cluster = aurora_cluster(aws, outputs)
    group = rds.describe_db_subnet_groups(DBSubnetGroupName=cluster["DBSubnetGroup"])["DBSubnetGroups"][0]
    assert {s["SubnetIdentifier"] for s in group["Subnets"]} == set(ids(outputs, subnet_key))
    placed = {}
    for member in cluster["DBClusterMembers"]:
        instance = rds.describe_db_instances(DBInstanceIdentifier=member["DBInstanceIdentifier"])["DBInstances"][0]
        assert instance["DBInstanceClass"] == "db.serverless" and instance["PubliclyAccessible"] is False
        placed["writer" if member["IsClusterWriter"] else "reader"] = instance["AvailabilityZone"]
    assert sorted(placed) == ["reader", "writer"]
    assert placed["writer"] != placed["reader"] and set(placed.values()) <= set(zones)
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [outputs["DbSecurityGroupId"]]
    sg = aws("ec2").describe_security_groups(GroupIds=[outputs["DbSecurityGroupId"]])["SecurityGroups"][0]
    sources = [(p["IpProtocol"], p["FromPort"], p["ToPort"], pair["GroupId"])
               for p in sg["IpPermissions"] for pair in p["UserIdGroupPairs"]]
    assert sources == [("tcp", 5432, 5432, outputs["AppSecurityGroupId"])]
    assert not any(p.get("IpRanges") or p.get("Ipv6Ranges") or p.get("PrefixListIds") for p in sg["IpPermissions"])


def check_reads_only_the_db_secret(aws, outputs, task, container_name):
    """The task and execution roles may read the stack's DB secret and no other (and no wildcard
    resource outside the ECS Exec channel actions); the container gets each DB value as its own
    secret, from the secret's JSON key, and no name twice."""
    iam = aws("iam")
    for role in (task["taskRoleArn"], task["executionRoleArn"]):
        statements = role_statements(iam, role)
        readable = {r for s in statements if any(a.startswith("secretsmanager:") for a in as_list(s["Action"]))
                    for r in as_list(s["Resource"])}
        assert readable == {outputs["DBSecretArn"]}, role
        for s in statements:
            if "*" in as_list(s["Resource"]):
                assert all(a.startswith("ssmmessages:") for a in as_list(s["Action"])), (role, s)
    [container] = [c for c in task["containerDefinitions"] if c["name"] == container_name]
    names = [s["name"] for s in container["secrets"]]
    assert len(names) == len(set(names)), names
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    for name, key in DB_SECRET_KEYS:
        assert secrets[name] == f"{outputs['DBSecretArn']}:{key}::", name


def scaling_policies(aws, outputs, service_name):
    """The service's scalable target and its policies by type."""
    resource = f"service/{outputs['ECSClusterName']}/{service_name}"
    aas = aws("application-autoscaling")
    [target] = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    policies = {p["PolicyType"]: p for p in aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"]
                if p["ResourceId"] == resource}
    return target, policies


def forward_weights(action):
    """{target group ARN: weight} of a forward action."""
    return {g["TargetGroupArn"]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]}


def blue_green_target_groups(aws, outputs, service, suffix, port):
    """The service's blue and green target groups ({colour: group}): IP targets on its port, checked on /health."""
    prefix = service.capitalize()
    arns = {colour: outputs[f"{prefix}{colour.capitalize()}TargetGroupArn"] for colour in ("blue", "green")}
    groups = {g["TargetGroupArn"]: g for g in aws("elbv2").describe_target_groups(TargetGroupArns=list(arns.values()))["TargetGroups"]}
    by_colour = {colour: groups[arn] for colour, arn in arns.items()}
    for colour, group in by_colour.items():
        assert group["TargetGroupName"] == f"{service}-{colour}-{suffix}"
        assert (group["TargetType"], group["Port"], group["HealthCheckPath"]) == ("ip", port, "/health"), colour
        assert group["VpcId"] == outputs["VpcId"]
    return by_colour
