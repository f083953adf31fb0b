#!/usr/bin/env bash
# The read calls of one `awslab verify` of a solved lab, made with the AWS CLI, one process per
# call and in order, the way a shell script checker would. Usage: verify_cli.sh ENDPOINT
set -euo pipefail
E=(--endpoint-url "$1" --region ap-northeast-2 --output json)
aws "${E[@]}" sts get-caller-identity >/dev/null
aws "${E[@]}" iam list-policies --scope Local >/dev/null
ACCOUNT=$(aws "${E[@]}" sts get-caller-identity --query Account --output text)
aws "${E[@]}" iam get-policy-version --policy-arn "arn:aws:iam::$ACCOUNT:policy/my-flowpolicy" --version-id v1 >/dev/null
aws "${E[@]}" iam get-role --role-name my-flowlog-role >/dev/null
aws "${E[@]}" iam list-attached-role-policies --role-name my-flowlog-role >/dev/null
aws "${E[@]}" iam list-role-policies --role-name my-flowlog-role >/dev/null
aws "${E[@]}" logs describe-log-groups --log-group-name-prefix MyVpc22-Log >/dev/null
VPC=$(aws "${E[@]}" ec2 describe-vpcs --filters Name=tag:Name,Values=MyVpc22 --query 'Vpcs[0].VpcId' --output text)
aws "${E[@]}" ec2 describe-flow-logs --filter "Name=resource-id,Values=$VPC" >/dev/null
ENI=$(aws "${E[@]}" ec2 describe-instances --filters "Name=vpc-id,Values=$VPC" --query 'Reservations[0].Instances[0].NetworkInterfaces[0].NetworkInterfaceId' --output text)
aws "${E[@]}" logs filter-log-events --log-group-name MyVpc22-Log --log-stream-name-prefix "$ENI" >/dev/null
