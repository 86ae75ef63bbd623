"""Read the data tier back from the endpoint and compare it with what the role promises."""

import json

from tierstack.testing import client, outputs_path
from tierstack import testing

SUFFIX = testing.scenario_suffix("mol-data")
REQUIRED_TAGS = {"Environment": SUFFIX, "Project": "tierstack", "ManagedBy": "ansible-tierstack"}


def tag_dict(tag_list):
    return {t["Key"]: t["Value"] for t in tag_list or []}


def test_outputs_are_published(host, outputs):
    assert host.file(str(outputs_path(SUFFIX))).exists
    for key in ("RDSClusterEndpoint", "RDSReaderEndpoint", "DBSecretArn", "RDSClusterIdentifier", "DBName",
                "DBPort", "RotationFunctionArn", "SSMParameterPath"):
        assert outputs[key], key
    assert outputs["RDSClusterIdentifier"] == f"aurora-{SUFFIX}"
    assert outputs["SSMParameterPath"] == f"/tierstack/{SUFFIX}/"
    assert outputs["DBPort"] == "5432"


def test_cluster_is_encrypted_backed_up_and_logging(cluster, outputs):
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["EngineVersion"] == "16.6"
    assert cluster["StorageEncrypted"] is True
    assert cluster["BackupRetentionPeriod"] == 7
    assert cluster["PreferredBackupWindow"] == "17:00-18:00"
    assert cluster["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert cluster["DeletionProtection"] is False
    assert cluster["Endpoint"] == outputs["RDSClusterEndpoint"]
    assert cluster["ReaderEndpoint"] == outputs["RDSReaderEndpoint"]
    assert cluster["DatabaseName"] == outputs["DBName"] == "app"
    tags = tag_dict(cluster["TagList"])
    for key, value in REQUIRED_TAGS.items():
        assert tags[key] == value


def test_one_writer_and_one_reader_in_private_subnets_only(rds, ec2, cluster, outputs):
    members = cluster["DBClusterMembers"]
    assert sorted(m["IsClusterWriter"] for m in members) == [False, True]
    private = set(outputs["PrivateSubnetIds"].split(","))
    public = set(outputs["PublicSubnetIds"].split(","))
    group = rds.describe_db_subnet_groups(DBSubnetGroupName=cluster["DBSubnetGroup"])["DBSubnetGroups"][0]
    subnets = {s["SubnetIdentifier"] for s in group["Subnets"]}
    assert subnets == private and not subnets & public
    for member in members:
        instance = rds.describe_db_instances(DBInstanceIdentifier=member["DBInstanceIdentifier"])["DBInstances"][0]
        assert instance["PubliclyAccessible"] is False
        assert instance["DBClusterIdentifier"] == cluster["DBClusterIdentifier"]
        assert {s["SubnetIdentifier"] for s in instance["DBSubnetGroup"]["Subnets"]} <= private
        assert tag_dict(instance["TagList"])["Environment"] == SUFFIX
    # The private subnets have no route to an internet gateway.
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": sorted(private)}])["RouteTables"]
    assert tables and all(not r.get("GatewayId", "").startswith("igw-") for t in tables for r in t["Routes"])


def test_db_security_group_admits_only_the_app_group(ec2, cluster, outputs):
    assert [g["VpcSecurityGroupId"] for g in cluster["VpcSecurityGroups"]] == [outputs["DbSecurityGroupId"]]
    sg = ec2.describe_security_groups(GroupIds=[outputs["DbSecurityGroupId"]])["SecurityGroups"][0]
    sources = []
    for perm in sg["IpPermissions"]:
        assert not perm.get("IpRanges") and not perm.get("Ipv6Ranges") and not perm.get("PrefixListIds"), perm
        sources += [(perm["IpProtocol"], perm["FromPort"], perm["ToPort"], p["GroupId"]) for p in perm["UserIdGroupPairs"]]
    assert sources == [("tcp", 5432, 5432, outputs["AppSecurityGroupId"])]


def test_secret_has_the_rotation_template_shape_and_rotates_every_30_days(sm, cluster, outputs):
    secret = sm.describe_secret(SecretId=outputs["DBSecretArn"])
    assert secret["Name"] == f"db-credentials-{SUFFIX}"
    assert secret["RotationEnabled"] is True
    assert secret["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert secret["RotationLambdaARN"] == outputs["RotationFunctionArn"]
    assert tag_dict(secret["Tags"])["Environment"] == SUFFIX
    current = next(v for v, labels in secret["VersionIdsToStages"].items() if "AWSCURRENT" in labels)
    value = json.loads(sm.get_secret_value(SecretId=outputs["DBSecretArn"], VersionId=current)["SecretString"])
    assert set(value) >= {"engine", "host", "port", "username", "password", "dbname"}
    assert value["engine"] == "postgres"
    assert value["host"] == cluster["Endpoint"]
    assert value["port"] == 5432
    assert value["dbname"] == "app"
    assert value["username"] == cluster["MasterUsername"]
    assert len(value["password"]) == 32


def test_rotation_function_runs_in_private_subnets_with_the_app_group(outputs):
    lam = client("lambda")
    config = lam.get_function(FunctionName=outputs["RotationFunctionArn"])["Configuration"]
    assert config["Runtime"] == "python3.12"
    assert set(config["VpcConfig"]["SubnetIds"]) <= set(outputs["PrivateSubnetIds"].split(","))
    assert config["VpcConfig"]["SecurityGroupIds"] == [outputs["AppSecurityGroupId"]]
    policy = json.loads(lam.get_policy(FunctionName=outputs["RotationFunctionArn"])["Policy"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Service": "secretsmanager.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == outputs["DBSecretArn"]
    role = client("iam").get_role(RoleName=config["Role"].split("/")[-1])["Role"]
    assert tag_dict(role.get("Tags"))["Environment"] == SUFFIX


def test_ssm_parameters_hold_the_non_sensitive_settings(outputs):
    ssm = client("ssm")
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=outputs["SSMParameterPath"], Recursive=False)
    params = [p for page in pages for p in page["Parameters"]]
    values = {p["Name"].rsplit("/", 1)[-1]: p["Value"] for p in params}
    # Beside the data tier's settings, the folder holds the stack's own record (the outputs role's
    # "stack" parameter; its outputs are one level down, under outputs/), and, where the stack has more
    # tiers than the network and data ones (extensions/molecule/default runs this test too), their settings.
    record = json.loads(values.pop("stack"))
    data_keys = {"writer_endpoint", "reader_endpoint", "port", "db_name", "secret_arn", "cluster_identifier"}
    if set(record["tiers"]) <= {"vpc", "rds_aurora"}:
        assert set(values) == data_keys, values
    assert {k: values.get(k) for k in data_keys} == {
        "writer_endpoint": outputs["RDSClusterEndpoint"],
        "reader_endpoint": outputs["RDSReaderEndpoint"],
        "port": "5432",
        "db_name": "app",
        "secret_arn": outputs["DBSecretArn"],
        "cluster_identifier": outputs["RDSClusterIdentifier"],
    }
    assert all(p["Type"] == "String" for p in params)
