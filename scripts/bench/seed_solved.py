"""Seeds a solved VPC Flow Logs lab into a moto server (for the benchmarks): prerequisites,
the five lab steps as the course describes them, and the access record of the test request.
With BUSY=N in the environment, N records of internet scanners come first in the ENI's stream
(a busy public instance), the student's record last."""
import json, os, pathlib, sys, time
import boto3

endpoint = sys.argv[1]
region = "ap-northeast-2"
root = pathlib.Path(__file__).resolve().parents[2]
assets = root / "assets" / "vpc-flow-logs"
kw = dict(endpoint_url=endpoint, region_name=region,
          aws_access_key_id="test", aws_secret_access_key="test")
if len(sys.argv) > 2:
    # Another account: moto switches to an account's state when a role in it is assumed.
    c = boto3.client("sts", **kw).assume_role(
        RoleArn=f"arn:aws:iam::{sys.argv[2]}:role/seed", RoleSessionName="seed")["Credentials"]
    kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id=c["AccessKeyId"],
              aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
ec2, iam, logs = boto3.client("ec2", **kw), boto3.client("iam", **kw), boto3.client("logs", **kw)

def name(kind, value):
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": value}]}]

vpc = ec2.create_vpc(CidrBlock="10.22.0.0/16", TagSpecifications=name("vpc", "MyVpc22"))["Vpc"]["VpcId"]
subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.22.1.0/24")["Subnet"]["SubnetId"]
image = ec2.describe_images()["Images"][0]["ImageId"]
inst = ec2.run_instances(ImageId=image, InstanceType="t2.micro", MinCount=1, MaxCount=1,
    NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "AssociatePublicIpAddress": True}])["Instances"][0]
eni = inst["NetworkInterfaces"][0]
account = boto3.client("sts", **kw).get_caller_identity()["Account"]

arn = iam.create_policy(PolicyName="my-flowpolicy",
    PolicyDocument=(assets / "flow-policy.json").read_text())["Policy"]["Arn"]
iam.create_role(RoleName="my-flowlog-role",
    AssumeRolePolicyDocument=(assets / "trust-policy.json").read_text())
iam.attach_role_policy(RoleName="my-flowlog-role", PolicyArn=arn)
logs.create_log_group(logGroupName="MyVpc22-Log")
ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc], TrafficType="ALL",
    LogDestinationType="cloud-watch-logs", LogGroupName="MyVpc22-Log",
    DeliverLogsPermissionArn=f"arn:aws:iam::{account}:role/my-flowlog-role",
    TagSpecifications=name("vpc-flow-log", "my-flowlog"))
stream = f"{eni['NetworkInterfaceId']}-all"
logs.create_log_stream(logGroupName="MyVpc22-Log", logStreamName=stream)
now = int(time.time())
busy = int(os.environ.get("BUSY", "0"))
start_ms = now * 1000 - busy - 5_000
for first in range(0, busy, 5_000):
    batch = []
    for i in range(first, min(first + 5_000, busy)):
        t = (start_ms + i) // 1000
        port = (22, 23, 3389, 445, 8080)[i % 5]
        batch.append({"timestamp": start_ms + i, "message":
            f"2 {account} {eni['NetworkInterfaceId']} 198.51.{i // 250 % 250}.{i % 250 + 1} "
            f"{eni['PrivateIpAddress']} {40000 + i % 20000} {port} 6 1 44 {t} {t} REJECT OK"})
    logs.put_log_events(logGroupName="MyVpc22-Log", logStreamName=stream, logEvents=batch)
line = f"2 {account} {eni['NetworkInterfaceId']} 198.51.100.7 {eni['PrivateIpAddress']} 51234 80 6 5 420 {now-60} {now} ACCEPT OK"
logs.put_log_events(logGroupName="MyVpc22-Log", logStreamName=stream,
    logEvents=[{"timestamp": now * 1000, "message": line}])
print(json.dumps({"vpc": vpc, "eni": eni["NetworkInterfaceId"]}))
