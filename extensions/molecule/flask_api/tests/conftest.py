from tierstack import testing

SUFFIX = "mol-fa"
REGION = "ap-southeast-2"

outputs, aws = testing.stack_fixtures(SUFFIX, REGION)
