"""The read calls of one `awslab verify` of a solved lab, made by one boto3 process, in
order. Usage: verify_boto3.py ENDPOINT"""
import sys
import boto3

kw = dict(endpoint_url=sys.argv[1], region_name="ap-northeast-2")
sts, iam = boto3.client("sts", **kw), boto3.client("iam", **kw)
ec2, logs = boto3.client("ec2", **kw), boto3.client("logs", **kw)
account = sts.get_caller_identity()["Account"]
iam.list_policies(Scope="Local")
iam.get_policy_version(PolicyArn=f"arn:aws:iam::{account}:policy/my-flowpolicy", VersionId="v1")
iam.get_role(RoleName="my-flowlog-role")
iam.list_attached_role_policies(RoleName="my-flowlog-role")
iam.list_role_policies(RoleName="my-flowlog-role")
logs.describe_log_groups(logGroupNamePrefix="MyVpc22-Log")
vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["MyVpc22"]}])["Vpcs"][0]["VpcId"]
ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])
inst = ec2.describe_instances(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
eni = inst["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"]
logs.filter_log_events(logGroupName="MyVpc22-Log", logStreamNamePrefix=eni)
