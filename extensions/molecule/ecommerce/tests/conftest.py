from tierstack import testing

SUFFIX = "mol-ec"
REGION = "us-east-1"

outputs, aws = testing.stack_fixtures(SUFFIX, REGION)
