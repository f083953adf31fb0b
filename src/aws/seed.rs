//! The lab's prerequisites, as an instructor prepares them before class: the VPC under the name
//! the lesson gives it, with a subnet, an internet gateway and route, a security group open
//! on the probe port, and a running instance with a public IP. The sandbox seeds an emulator
//! with this, and the integration tests use the very same code.

use crate::aws::{AwsError, classify};
use aws_sdk_ec2::types::{
    Filter, InstanceNetworkInterfaceSpecification, InstanceType, IpPermission, IpRange,
    ResourceType, Tag, TagSpecification,
};

#[derive(Debug, Clone)]
pub struct Prerequisites {
    pub vpc_id: String,
    pub subnet_id: String,
    pub security_group_id: String,
    pub instance_id: String,
    pub eni_id: String,
    pub private_ip: String,
    /// The emulator's made-up public address: never connect to it.
    pub public_ip: Option<String>,
}

/// The tag on what awslab itself made for a sandbox (its web server's security group).
pub const SEEDED_TAG: &str = "awslab:seeded";

fn tagged(kind: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(kind)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

pub async fn prerequisites(
    sdk: &aws_types::SdkConfig,
    vpc_name: &str,
    port: u16,
) -> Result<Prerequisites, AwsError> {
    let ec2 = aws_sdk_ec2::Client::new(sdk);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.22.0.0/16")
        .tag_specifications(tagged(ResourceType::Vpc, vpc_name))
        .send()
        .await
        .map_err(|e| classify("ec2:CreateVpc", e))?;
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap_or_default()
        .to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.22.1.0/24")
        .tag_specifications(tagged(ResourceType::Subnet, &format!("{vpc_name}-public")))
        .send()
        .await
        .map_err(|e| classify("ec2:CreateSubnet", e))?;
    let subnet_id = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap_or_default()
        .to_string();
    let igw = ec2
        .create_internet_gateway()
        .tag_specifications(tagged(
            ResourceType::InternetGateway,
            &format!("{vpc_name}-igw"),
        ))
        .send()
        .await
        .map_err(|e| classify("ec2:CreateInternetGateway", e))?;
    let igw_id = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .unwrap_or_default()
        .to_string();
    ec2.attach_internet_gateway()
        .vpc_id(&vpc_id)
        .internet_gateway_id(&igw_id)
        .send()
        .await
        .map_err(|e| classify("ec2:AttachInternetGateway", e))?;
    let tables = ec2
        .describe_route_tables()
        .filters(Filter::builder().name("vpc-id").values(&vpc_id).build())
        .send()
        .await
        .map_err(|e| classify("ec2:DescribeRouteTables", e))?;
    if let Some(table) = tables
        .route_tables()
        .first()
        .and_then(|t| t.route_table_id())
    {
        ec2.create_route()
            .route_table_id(table)
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(&igw_id)
            .send()
            .await
            .map_err(|e| classify("ec2:CreateRoute", e))?;
    }
    let sg = ec2
        .create_security_group()
        .group_name(format!("{vpc_name}-web"))
        .description("awslab: web server of the lab")
        .vpc_id(&vpc_id)
        .send()
        .await
        .map_err(|e| classify("ec2:CreateSecurityGroup", e))?;
    let security_group_id = sg.group_id().unwrap_or_default().to_string();
    // Marked as awslab's own, so a lesson may change its rules without asking: nothing of the
    // student's is in a group awslab made for its sandbox.
    ec2.create_tags()
        .resources(&security_group_id)
        .tags(Tag::builder().key(SEEDED_TAG).value("sandbox").build())
        .send()
        .await
        .map_err(|e| classify("ec2:CreateTags", e))?;
    ec2.authorize_security_group_ingress()
        .group_id(&security_group_id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(i32::from(port))
                .to_port(i32::from(port))
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .map_err(|e| classify("ec2:AuthorizeSecurityGroupIngress", e))?;
    let images = ec2
        .describe_images()
        .send()
        .await
        .map_err(|e| classify("ec2:DescribeImages", e))?;
    let image = images
        .images()
        .first()
        .and_then(|i| i.image_id())
        .unwrap_or("ami-12c6146b")
        .to_string();
    let run = ec2
        .run_instances()
        .image_id(image)
        .instance_type(InstanceType::T2Micro)
        .min_count(1)
        .max_count(1)
        .network_interfaces(
            InstanceNetworkInterfaceSpecification::builder()
                .device_index(0)
                .subnet_id(&subnet_id)
                .groups(&security_group_id)
                .associate_public_ip_address(true)
                .build(),
        )
        .tag_specifications(tagged(ResourceType::Instance, &format!("{vpc_name}-web")))
        .send()
        .await
        .map_err(|e| classify("ec2:RunInstances", e))?;
    let instance = run.instances().first();
    let eni = instance.and_then(|i| i.network_interfaces().first());
    Ok(Prerequisites {
        vpc_id,
        subnet_id,
        security_group_id,
        instance_id: instance
            .and_then(|i| i.instance_id())
            .unwrap_or_default()
            .to_string(),
        eni_id: eni
            .and_then(|n| n.network_interface_id())
            .unwrap_or_default()
            .to_string(),
        private_ip: eni
            .and_then(|n| n.private_ip_address())
            .unwrap_or_default()
            .to_string(),
        public_ip: instance
            .and_then(|i| i.public_ip_address())
            .map(str::to_string),
    })
}
