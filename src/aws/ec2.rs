//! EC2 reads: the lab's VPC by its Name tag, the flow logs on it, its instances, and what
//! decides whether a request reaches one: security group rules, network ACL entries, the
//! entries of managed prefix lists.

use super::error::classify;
use super::{Aws, AwsError};
use aws_sdk_ec2::types::{Filter, Tag};

// What decides whether a request reaches a port is the domain's data: `net::reach` judges it.
pub use crate::net::{NaclEntry, RuleSource, SgRule};

#[derive(Debug, Clone)]
pub struct Vpc {
    pub id: String,
    pub cidr: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FlowLog {
    pub id: String,
    pub resource_id: Option<String>,
    pub destination_type: Option<String>,
    pub log_group: Option<String>,
    pub destination: Option<String>,
    pub role_arn: Option<String>,
    pub traffic_type: Option<String>,
    pub deliver_status: Option<String>,
    pub deliver_error: Option<String>,
    pub log_format: Option<String>,
    pub max_aggregation_interval: Option<i32>,
    pub tags: Vec<(String, String)>,
    pub created: Option<i64>,
}

impl FlowLog {
    /// Whether it delivers to CloudWatch Logs (not S3 or Firehose).
    pub fn to_cloudwatch_logs(&self) -> bool {
        self.destination_type.as_deref() == Some("cloud-watch-logs")
    }

    pub fn name(&self) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == "Name")
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Eni {
    pub id: String,
    pub private_ip: Option<String>,
    pub device_index: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    pub name: Option<String>,
    pub state: Option<String>,
    pub public_ip: Option<String>,
    pub enis: Vec<Eni>,
    /// Its security groups' ids: where an inbound rule for the lab's port goes.
    pub security_groups: Vec<String>,
    /// Its subnet: whose network ACL its traffic passes.
    pub subnet_id: Option<String>,
}

impl Instance {
    /// The primary network interface: the one whose stream carries the lab's request.
    pub fn primary_eni(&self) -> Option<&Eni> {
        self.enis
            .iter()
            .find(|e| e.device_index == Some(0))
            .or_else(|| self.enis.first())
    }
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn tags(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

impl Aws {
    pub async fn vpcs_named(&self, name: &str) -> Result<Vec<Vpc>, AwsError> {
        self.vpcs
            .get(name, || async {
                let mut pages = self
                    .ec2
                    .describe_vpcs()
                    .filters(filter("tag:Name", name))
                    .into_paginator()
                    .items()
                    .send();
                let mut out = Vec::new();
                while let Some(item) = pages.next().await {
                    let v = item.map_err(|e| classify("ec2:DescribeVpcs", e))?;
                    out.push(Vpc {
                        id: v.vpc_id().unwrap_or_default().to_string(),
                        cidr: v.cidr_block().map(str::to_string),
                    });
                }
                Ok(out)
            })
            .await
    }

    /// The Name tags of every VPC in the region: what a VPC name that matches none may have
    /// meant.
    pub async fn vpc_names(&self) -> Result<Vec<String>, AwsError> {
        self.vpc_names
            .get("", || async {
                let mut pages = self.ec2.describe_vpcs().into_paginator().items().send();
                let mut out = Vec::new();
                while let Some(item) = pages.next().await {
                    let v = item.map_err(|e| classify("ec2:DescribeVpcs", e))?;
                    out.extend(
                        v.tags()
                            .iter()
                            .filter(|t| t.key() == Some("Name"))
                            .filter_map(|t| t.value().map(str::to_string)),
                    );
                }
                Ok(out)
            })
            .await
    }

    pub async fn flow_logs_of(&self, resource_id: &str) -> Result<Vec<FlowLog>, AwsError> {
        self.flow_logs
            .get(resource_id, || {
                self.describe_flow_logs(Some(filter("resource-id", resource_id)))
            })
            .await
    }

    /// Every flow log in the region, whatever it watches: what else relies on a role or a log
    /// group before cleanup deletes it.
    pub async fn region_flow_logs(&self) -> Result<Vec<FlowLog>, AwsError> {
        self.flow_logs
            .get("*", || self.describe_flow_logs(None))
            .await
    }

    async fn describe_flow_logs(&self, by: Option<Filter>) -> Result<Vec<FlowLog>, AwsError> {
        let mut pages = self
            .ec2
            .describe_flow_logs()
            .set_filter(by.map(|f| vec![f]))
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let f = item.map_err(|e| classify("ec2:DescribeFlowLogs", e))?;
            out.push(FlowLog {
                id: f.flow_log_id().unwrap_or_default().to_string(),
                resource_id: f.resource_id().map(str::to_string),
                destination_type: f.log_destination_type().map(|t| t.as_str().to_string()),
                log_group: f.log_group_name().map(str::to_string),
                destination: f.log_destination().map(str::to_string),
                role_arn: f.deliver_logs_permission_arn().map(str::to_string),
                traffic_type: f.traffic_type().map(|t| t.as_str().to_string()),
                deliver_status: f.deliver_logs_status().map(str::to_string),
                deliver_error: f.deliver_logs_error_message().map(str::to_string),
                log_format: f.log_format().map(str::to_string),
                max_aggregation_interval: f.max_aggregation_interval(),
                tags: tags(f.tags()),
                created: f.creation_time().map(|d| d.secs()),
            });
        }
        Ok(out)
    }

    pub async fn instances_in(&self, vpc_id: &str) -> Result<Vec<Instance>, AwsError> {
        self.instances
            .get(vpc_id, || async {
                let mut pages = self
                    .ec2
                    .describe_instances()
                    .filters(filter("vpc-id", vpc_id))
                    .into_paginator()
                    .items()
                    .send();
                let mut out = Vec::new();
                while let Some(item) = pages.next().await {
                    let r = item.map_err(|e| classify("ec2:DescribeInstances", e))?;
                    for i in r.instances() {
                        let tags = tags(i.tags());
                        out.push(Instance {
                            id: i.instance_id().unwrap_or_default().to_string(),
                            name: tags.into_iter().find(|(k, _)| k == "Name").map(|(_, v)| v),
                            state: i
                                .state()
                                .and_then(|s| s.name())
                                .map(|n| n.as_str().to_string()),
                            public_ip: i.public_ip_address().map(str::to_string),
                            // The instance's groups, else its interfaces' (an instance
                            // launched with an interface spec lists them there).
                            security_groups: {
                                let mut ids: Vec<String> = i
                                    .security_groups()
                                    .iter()
                                    .filter_map(|g| g.group_id().map(str::to_string))
                                    .chain(i.network_interfaces().iter().flat_map(|n| {
                                        n.groups()
                                            .iter()
                                            .filter_map(|g| g.group_id().map(str::to_string))
                                    }))
                                    .collect();
                                ids.dedup();
                                ids
                            },
                            subnet_id: i.subnet_id().map(str::to_string),
                            enis: i
                                .network_interfaces()
                                .iter()
                                .map(|n| Eni {
                                    id: n.network_interface_id().unwrap_or_default().to_string(),
                                    private_ip: n.private_ip_address().map(str::to_string),
                                    device_index: n.attachment().and_then(|a| a.device_index()),
                                })
                                .collect(),
                        });
                    }
                }
                Ok(out)
            })
            .await
    }

    /// The rules of these security groups, inbound and outbound.
    pub async fn security_group_rules(
        &self,
        group_ids: &[String],
    ) -> Result<Vec<SgRule>, AwsError> {
        if group_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.sg_rules
            .get(&group_ids.join(","), || async {
                let mut pages = self
                    .ec2
                    .describe_security_group_rules()
                    .filters(
                        Filter::builder()
                            .name("group-id")
                            .set_values(Some(group_ids.to_vec()))
                            .build(),
                    )
                    .into_paginator()
                    .send();
                let mut out = Vec::new();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| classify("ec2:DescribeSecurityGroupRules", e))?;
                    for r in page.security_group_rules() {
                        let source = if let Some(c) = r.cidr_ipv4().or(r.cidr_ipv6()) {
                            RuleSource::Cidr(c.to_string())
                        } else if let Some(p) = r.prefix_list_id() {
                            RuleSource::PrefixList(p.to_string())
                        } else {
                            RuleSource::Group(
                                r.referenced_group_info()
                                    .and_then(|g| g.group_id())
                                    .unwrap_or_default()
                                    .to_string(),
                            )
                        };
                        out.push(SgRule {
                            id: r.security_group_rule_id().unwrap_or_default().to_string(),
                            group_id: r.group_id().unwrap_or_default().to_string(),
                            egress: r.is_egress().unwrap_or(false),
                            protocol: r.ip_protocol().unwrap_or("-1").to_string(),
                            from_port: r.from_port().filter(|p| *p >= 0),
                            to_port: r.to_port().filter(|p| *p >= 0),
                            source,
                            description: r.description().map(str::to_string),
                        });
                    }
                }
                Ok(out)
            })
            .await
    }

    /// The tags of a security group: where awslab remembers an inbound rule it removed.
    pub async fn security_group_tags(
        &self,
        group_id: &str,
    ) -> Result<Vec<(String, String)>, AwsError> {
        self.sg_tags
            .get(group_id, || async {
                let out = self
                    .ec2
                    .describe_security_groups()
                    .group_ids(group_id)
                    .send()
                    .await
                    .map_err(|e| classify("ec2:DescribeSecurityGroups", e))?;
                Ok(out
                    .security_groups()
                    .first()
                    .map(|g| tags(g.tags()))
                    .unwrap_or_default())
            })
            .await
    }

    /// The entries of the network ACL of a subnet.
    pub async fn network_acl_entries(&self, subnet_id: &str) -> Result<Vec<NaclEntry>, AwsError> {
        self.nacl
            .get(subnet_id, || async {
                let out = self
                    .ec2
                    .describe_network_acls()
                    .filters(filter("association.subnet-id", subnet_id))
                    .send()
                    .await
                    .map_err(|e| classify("ec2:DescribeNetworkAcls", e))?;
                let mut entries = Vec::new();
                for acl in out.network_acls() {
                    for e in acl.entries() {
                        entries.push(NaclEntry {
                            acl_id: acl.network_acl_id().unwrap_or_default().to_string(),
                            rule_number: e.rule_number().unwrap_or(i32::MAX),
                            egress: e.egress().unwrap_or(false),
                            protocol: e.protocol().unwrap_or("-1").to_string(),
                            allow: e.rule_action().map(|a| a.as_str()) == Some("allow"),
                            cidr: e.cidr_block().or(e.ipv6_cidr_block()).map(str::to_string),
                            ports: e.port_range().and_then(|r| Some((r.from()?, r.to()?))),
                        });
                    }
                }
                Ok(entries)
            })
            .await
    }

    /// The CIDR blocks of a managed prefix list.
    pub async fn prefix_list_cidrs(&self, id: &str) -> Result<Vec<String>, AwsError> {
        self.prefix_lists
            .get(id, || async {
                let mut pages = self
                    .ec2
                    .get_managed_prefix_list_entries()
                    .prefix_list_id(id)
                    .into_paginator()
                    .items()
                    .send();
                let mut out = Vec::new();
                while let Some(item) = pages.next().await {
                    let e = item.map_err(|e| classify("ec2:GetManagedPrefixListEntries", e))?;
                    if let Some(c) = e.cidr() {
                        out.push(c.to_string());
                    }
                }
                Ok(out)
            })
            .await
    }

    /// Regions enabled for the account, for "your log group is in another region".
    pub async fn regions(&self) -> Result<Vec<String>, AwsError> {
        self.regions
            .get("", || async {
                let out = self
                    .ec2
                    .describe_regions()
                    .send()
                    .await
                    .map_err(|e| classify("ec2:DescribeRegions", e))?;
                Ok(out
                    .regions()
                    .iter()
                    .filter_map(|r| r.region_name().map(str::to_string))
                    .collect())
            })
            .await
    }
}
