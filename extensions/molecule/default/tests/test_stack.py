"""The whole stack, read back from the endpoint: outputs that point at real resources, tags on
everything, a re-run (the AWX deploy job) that makes no write call, a check-mode run (the AWX verify
job) that changes nothing, and the AWX day-2 jobs. Each tier's own
details are verified by its scenario (vpc, data, container, edge)."""

from urllib.parse import urlparse

from tierstack import awx_jobs, state, testing

SUFFIX = "mol-full"
REQUIRED = [
    "CloudFrontURL", "APIGatewayEndpoint", "RDSClusterEndpoint", "RDSReaderEndpoint", "ALBDNSName",
    "FrontendRepoURI", "BackendRepoURI", "DBSecretArn", "DashboardName", "ECSClusterName", "VpcId",
]
TAGS = {"Environment": SUFFIX, "Project": "tierstack", "ManagedBy": "ansible-tierstack"}


def test_outputs_file_has_every_key(host, outputs):
    assert host.file(str(testing.outputs_path(SUFFIX))).mode == 0o644
    missing = [k for k in REQUIRED if not outputs.get(k)]
    assert not missing, missing
    assert all(isinstance(v, str) for v in outputs.values())


def test_outputs_point_at_real_resources(outputs):
    dist = testing.client("cloudfront", "us-east-1").get_distribution(Id=outputs["CloudFrontDistributionId"])["Distribution"]
    assert outputs["CloudFrontURL"] == f"https://{dist['DomainName']}"

    api_id = urlparse(outputs["APIGatewayEndpoint"]).hostname.split(".")[0]
    assert testing.client("apigateway").get_rest_api(restApiId=api_id)["name"].endswith(SUFFIX)

    cluster = testing.client("rds").describe_db_clusters()["DBClusters"]
    assert outputs["RDSClusterEndpoint"] in [c["Endpoint"] for c in cluster]

    lbs = testing.client("elbv2").describe_load_balancers()["LoadBalancers"]
    assert outputs["ALBDNSName"] in [lb["DNSName"] for lb in lbs]

    repos = {r["repositoryUri"] for r in testing.client("ecr").describe_repositories()["repositories"]}
    assert {outputs["FrontendRepoURI"], outputs["BackendRepoURI"]} <= repos

    assert testing.client("secretsmanager").describe_secret(SecretId=outputs["DBSecretArn"])["ARN"] == outputs["DBSecretArn"]
    assert testing.client("cloudwatch").get_dashboard(DashboardName=outputs["DashboardName"])["DashboardBody"]
    assert testing.client("ecs").describe_clusters(clusters=[outputs["ECSClusterName"]])["clusters"][0]["status"] == "ACTIVE"


def test_ssm_holds_the_non_sensitive_configuration(outputs):
    pages = testing.client("ssm").get_paginator("get_parameters_by_path").paginate(Path=f"/tierstack/{SUFFIX}/", Recursive=True)
    params = [p for page in pages for p in page["Parameters"]]
    values = {p["Name"].rsplit("/", 1)[-1]: p["Value"] for p in params}
    assert all(p["Type"] != "SecureString" or "password" not in p["Name"] for p in params)
    assert outputs["ALBDNSName"] in values.values()
    assert outputs["RDSClusterEndpoint"] in values.values()


def _kv(tags, key="Key", value="Value"):
    return {t[key]: t[value] for t in tags}


def _resource_tags(outputs):
    """The tags of one main resource of each tier, read through each service's own API."""
    c = testing.client
    yield "vpc", testing.tags_of(c("ec2").describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"][0])
    cluster = [x for x in c("rds").describe_db_clusters()["DBClusters"] if x["Endpoint"] == outputs["RDSClusterEndpoint"]][0]
    yield "rds cluster", _kv(cluster["TagList"])
    yield "db secret", _kv(c("secretsmanager").describe_secret(SecretId=outputs["DBSecretArn"])["Tags"])
    repo_arn = [r["repositoryArn"] for r in c("ecr").describe_repositories()["repositories"]
                if r["repositoryUri"] == outputs["BackendRepoURI"]][0]
    yield "ecr repository", _kv(c("ecr").list_tags_for_resource(resourceArn=repo_arn)["tags"])
    lb_arn = [lb["LoadBalancerArn"] for lb in c("elbv2").describe_load_balancers()["LoadBalancers"]
              if lb["DNSName"] == outputs["ALBDNSName"]][0]
    yield "alb", _kv(c("elbv2").describe_tags(ResourceArns=[lb_arn])["TagDescriptions"][0]["Tags"])
    ecs = c("ecs").describe_clusters(clusters=[outputs["ECSClusterName"]], include=["TAGS"])["clusters"][0]
    yield "ecs cluster", _kv(ecs["tags"], "key", "value")
    dist = c("cloudfront", "us-east-1").get_distribution(Id=outputs["CloudFrontDistributionId"])["Distribution"]
    yield "distribution", _kv(c("cloudfront", "us-east-1").list_tags_for_resource(Resource=dist["ARN"])["Tags"]["Items"])
    api_id = urlparse(outputs["APIGatewayEndpoint"]).hostname.split(".")[0]
    yield "rest api", c("apigateway").get_rest_api(restApiId=api_id).get("tags", {})


def test_the_main_resource_of_every_tier_carries_the_common_tags(outputs):
    seen = []
    for what, tags in _resource_tags(outputs):
        seen.append(what)
        for key, value in TAGS.items():
            assert tags.get(key) == value, (what, tags)
        assert tags.get("Owner"), (what, tags)
    assert len(seen) == 8


def test_whatever_the_tagging_api_finds_carries_the_common_tags():
    found = testing.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "Environment", "Values": [SUFFIX]}])["ResourceTagMappingList"]
    assert found
    for mapping in found:
        tags = _kv(mapping["Tags"])
        for key, value in TAGS.items():
            assert tags.get(key) == value, (mapping["ResourceARN"], tags)


# The day-2 jobs, as AWX runs them (tierstack.awx_jobs: each from a fresh checkout, through ansible-runner),
# on this converge: make test runs tests/integration/test_awx_jobs.py (which deploys and tears down a stack
# of its own) only in make test-all, so that one converge serves both. Order matters: the re-run and the
# check-mode run come first (after the container tests' shift and roll-back, so they also prove that the
# roll-back left no drift), then the jobs that change the stack on purpose.
def test_the_deploy_job_re_run_from_a_fresh_checkout_makes_no_write_call(tmp_path):
    """The deploy job on the deployed stack: no change in the account (no task changed but the fresh checkout's
    own outputs/ folder and file), and no write call but the stack lock's two."""

    def deploy_job(url):
        runner, _stdout = awx_jobs.run_job("tierstack deploy", tmp_path, url, suffix=SUFFIX)
        drift = awx_jobs.changed_tasks(runner)
        assert drift == [], drift

    testing.assert_read_only(deploy_job)


def test_the_verify_job_finds_nothing_to_change(tmp_path, outputs):
    """The verify job: every tier in check mode, from a fresh checkout, reports no change; outputs unchanged."""
    stored = state.outputs(SUFFIX, testing.region())
    assert all(stored.get(k, "") == v for k, v in outputs.items() if k != "Region"), (stored, outputs)
    runner, _stdout = awx_jobs.run_job("tierstack verify", tmp_path, testing.endpoint(), suffix=SUFFIX)
    drift = awx_jobs.changed_tasks(runner)
    assert drift == [], drift
    assert state.outputs(SUFFIX, testing.region()) == stored


def test_the_switch_traffic_and_rotate_now_jobs(tmp_path, outputs):
    awx_jobs.run_day2_jobs(tmp_path, testing.endpoint(), SUFFIX, outputs, testing.region())
