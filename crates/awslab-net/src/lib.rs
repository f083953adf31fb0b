//! Whether a request reaches an instance's port, judged the way AWS judges it, without I/O. The
//! security-group-rule step kind and the sandbox's stand-in both ask this one function, so what
//! `verify` calls open and what the sandbox lets through cannot disagree.
//!
//! - Security groups are allow-only and stateful: the port is open when some inbound rule of any
//!   of the instance's groups covers the protocol and port from a source that includes the
//!   requester (a CIDR, or a managed prefix list holding one). The answer needs no outbound rule.
//! - A rule that names another security group lets in only instances of that group. The lab's
//!   request comes from outside the VPC, never from such an instance, so it does not count.
//! - Network ACLs are stateless and ordered: per direction, the entry with the lowest rule number
//!   that matches decides. An inbound deny for the port blocks, and so does an outbound deny for
//!   the return traffic to the requester's ephemeral port.
//!
//! Who sends the request is known in the sandbox (this machine). On AWS it is not: the student
//! may curl from anywhere. Then the port is open when someone gets in: some address that a rule
//! admits and that the network ACL, entry by entry in rule order, lets through both ways. An ACL
//! that allows a few addresses before it denies everyone leaves the port open to those few.

use std::collections::BTreeMap;
use std::net::IpAddr;

/// One rule of a security group, as DescribeSecurityGroupRules reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SgRule {
    pub id: String,
    pub group_id: String,
    pub egress: bool,
    /// `tcp`, `udp`, `icmp`, a protocol number, or `-1` for all.
    pub protocol: String,
    /// The port range; `None` (or -1) for every port.
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub source: RuleSource,
    pub description: Option<String>,
}

/// Where a security group rule lets traffic come from (or go to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSource {
    Cidr(String),
    PrefixList(String),
    Group(String),
}

/// One entry of a network ACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NaclEntry {
    pub acl_id: String,
    pub rule_number: i32,
    pub egress: bool,
    /// A protocol number, or `-1` for all.
    pub protocol: String,
    pub allow: bool,
    pub cidr: Option<String>,
    /// `None` for every port.
    pub ports: Option<(i32, i32)>,
}

/// Who sends the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// Unknown: anyone on the internet.
    Anyone,
    Address(IpAddr),
}

/// The ephemeral ports a client's answer goes back to, when its own port is not known: Linux's
/// default start, Windows' and the IANA range's, and both ends of what AWS suggests opening.
const EPHEMERAL_SAMPLES: &[u16] = &[1024, 32768, 49152, 65535];

const TCP: &str = "6";

/// What decides whether a TCP request to `port` gets through.
#[derive(Debug, PartialEq, Eq)]
pub struct Reach<'a> {
    /// The inbound security group rules that let the requester in on the port.
    pub opening: Vec<&'a SgRule>,
    /// The network ACL entry that drops it, if one does (inbound, or outbound on the way back).
    pub nacl_deny: Option<&'a NaclEntry>,
}

impl Reach<'_> {
    pub fn is_open(&self) -> bool {
        !self.opening.is_empty() && self.nacl_deny.is_none()
    }
}

/// Judges a TCP request from `requester` (from `client_port`, when known) to `port`.
/// `prefix_lists` maps a prefix list id to its CIDR blocks; one not in it admits nobody.
pub fn reach<'a>(
    rules: &'a [SgRule],
    prefix_lists: &BTreeMap<String, Vec<String>>,
    nacl: &'a [NaclEntry],
    port: u16,
    requester: Requester,
    client_port: Option<u16>,
) -> Reach<'a> {
    let opening: Vec<&SgRule> = rules
        .iter()
        .filter(|r| !r.egress && sg_rule_admits(r, prefix_lists, port, requester))
        .collect();
    if requester == Requester::Anyone && !opening.is_empty() {
        // Someone gets in when some address passes the rules and, entry by entry in rule
        // order, the network ACL both ways. Addresses fall in classes by the blocks that hold
        // them; one address of each class is enough.
        let candidates = edge_addresses(rules, prefix_lists, nacl);
        let judged: Vec<Reach> = candidates
            .iter()
            .map(|ip| {
                reach(
                    rules,
                    prefix_lists,
                    nacl,
                    port,
                    Requester::Address(*ip),
                    client_port,
                )
            })
            .filter(|r| !r.opening.is_empty())
            .collect();
        if !judged.is_empty() {
            let nacl_deny = match judged.iter().any(Reach::is_open) {
                true => None,
                false => judged.iter().find_map(|r| r.nacl_deny),
            };
            return Reach { opening, nacl_deny };
        }
    }
    let inbound = first_match(nacl, false, port, requester).filter(|e| !e.allow);
    let outbound = || {
        let ports: Vec<u16> = match client_port {
            Some(p) => vec![p],
            None => EPHEMERAL_SAMPLES.to_vec(),
        };
        ports
            .into_iter()
            .find_map(|p| first_match(nacl, true, p, requester).filter(|e| !e.allow))
    };
    Reach {
        opening,
        nacl_deny: inbound.or_else(outbound),
    }
}

/// One address of every class the blocks of the rules, prefix lists and ACL entries cut the
/// address space into: each block's first and last address and the ones just outside it (where
/// the gaps between nested blocks begin and end).
fn edge_addresses(
    rules: &[SgRule],
    prefix_lists: &BTreeMap<String, Vec<String>>,
    nacl: &[NaclEntry],
) -> Vec<IpAddr> {
    let blocks = rules
        .iter()
        .filter_map(|r| match &r.source {
            RuleSource::Cidr(c) => Some(c.as_str()),
            _ => None,
        })
        .chain(prefix_lists.values().flatten().map(String::as_str))
        .chain(nacl.iter().filter_map(|e| e.cidr.as_deref()));
    let mut out: Vec<IpAddr> = Vec::new();
    for block in blocks {
        let Some((net, bits)) = parse_cidr(block) else {
            continue;
        };
        let (value, width): (u128, u32) = match net {
            IpAddr::V4(n) => (u32::from(n).into(), 32),
            IpAddr::V6(n) => (n.into(), 128),
        };
        let host = width - u32::from(bits);
        let hosts: u128 = u128::MAX.checked_shr(128 - host).unwrap_or(0);
        let top: u128 = u128::MAX >> (128 - width);
        let (first, last) = (value & !hosts, (value & !hosts) | hosts);
        let edges = [
            first.checked_sub(1),
            Some(first),
            Some(last),
            last.checked_add(1).filter(|a| *a <= top),
        ]
        .into_iter()
        .flatten()
        .map(|a| match net {
            IpAddr::V4(_) => IpAddr::V4((a as u32).into()),
            IpAddr::V6(_) => IpAddr::V6(a.into()),
        });
        for ip in edges {
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    out
}

/// Whether an inbound rule lets `requester` in on TCP `port`.
pub fn sg_rule_admits(
    rule: &SgRule,
    prefix_lists: &BTreeMap<String, Vec<String>>,
    port: u16,
    requester: Requester,
) -> bool {
    let protocol = matches!(
        rule.protocol.to_ascii_lowercase().as_str(),
        "-1" | "all" | "tcp" | "6"
    );
    let all_ports = rule.protocol == "-1" || rule.protocol.eq_ignore_ascii_case("all");
    let ports = all_ports
        || match (rule.from_port, rule.to_port) {
            (Some(from), Some(to)) => (from..=to).contains(&i32::from(port)),
            _ => true,
        };
    protocol
        && ports
        && match &rule.source {
            RuleSource::Cidr(c) => cidr_admits(c, requester),
            RuleSource::PrefixList(id) => prefix_lists
                .get(id)
                .is_some_and(|cidrs| cidrs.iter().any(|c| cidr_admits(c, requester))),
            RuleSource::Group(_) => false,
        }
}

/// A rule's CIDR admits the requester: contains its address, or (requester unknown) is a valid
/// block at all.
fn cidr_admits(cidr: &str, requester: Requester) -> bool {
    match requester {
        Requester::Anyone => parse_cidr(cidr).is_some(),
        Requester::Address(ip) => contains(cidr, ip),
    }
}

/// The entry that decides a TCP packet on `port` in one direction: the matching one with the
/// lowest rule number. With the requester unknown, only an entry covering every address can
/// be said to match it.
fn first_match(
    nacl: &[NaclEntry],
    egress: bool,
    port: u16,
    requester: Requester,
) -> Option<&NaclEntry> {
    let mut entries: Vec<&NaclEntry> = nacl.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    entries.into_iter().find(|e| {
        let protocol = e.protocol == "-1" || e.protocol == TCP;
        let ports = match (e.protocol.as_str(), e.ports) {
            ("-1", _) | (_, None) => true,
            (_, Some((from, to))) => (from..=to).contains(&i32::from(port)),
        };
        let address = e.cidr.as_deref().is_some_and(|c| match requester {
            Requester::Anyone => parse_cidr(c).is_some_and(|(_, bits)| bits == 0),
            Requester::Address(ip) => contains(c, ip),
        });
        protocol && ports && address
    })
}

fn parse_cidr(cidr: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = cidr.trim().split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

/// Whether `cidr` contains `ip` (same family only).
pub fn contains(cidr: &str, ip: IpAddr) -> bool {
    let Some((net, bits)) = parse_cidr(cidr) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, ports: Option<(i32, i32)>, source: RuleSource) -> SgRule {
        SgRule {
            id: "sgr-1".into(),
            group_id: "sg-1".into(),
            egress: false,
            protocol: protocol.into(),
            from_port: ports.map(|p| p.0),
            to_port: ports.map(|p| p.1),
            source,
            description: None,
        }
    }

    fn cidr(c: &str) -> RuleSource {
        RuleSource::Cidr(c.into())
    }

    fn entry(n: i32, egress: bool, allow: bool, c: &str, ports: Option<(i32, i32)>) -> NaclEntry {
        NaclEntry {
            acl_id: "acl-1".into(),
            rule_number: n,
            egress,
            protocol: if ports.is_some() { "6" } else { "-1" }.into(),
            allow,
            cidr: Some(c.into()),
            ports,
        }
    }

    /// The default network ACL: allow everything, then the implicit deny.
    fn default_nacl() -> Vec<NaclEntry> {
        vec![
            entry(100, false, true, "0.0.0.0/0", None),
            entry(32767, false, false, "0.0.0.0/0", None),
            entry(100, true, true, "0.0.0.0/0", None),
            entry(32767, true, false, "0.0.0.0/0", None),
        ]
    }

    const STUDENT: &str = "203.0.113.5";

    fn student() -> Requester {
        Requester::Address(STUDENT.parse().expect("address"))
    }

    fn open(rules: &[SgRule], lists: &BTreeMap<String, Vec<String>>, who: Requester) -> bool {
        reach(rules, lists, &default_nacl(), 80, who, None).is_open()
    }

    #[test]
    fn what_opens_port_80_to_the_student_the_aws_way() {
        let none = BTreeMap::new();
        let lists = BTreeMap::from([("pl-1".to_string(), vec!["203.0.113.0/24".to_string()])]);
        // (rule, open to the student)
        let cases = [
            (rule("tcp", Some((80, 80)), cidr("0.0.0.0/0")), true),
            (rule("tcp", Some((80, 80)), cidr("203.0.113.5/32")), true),
            (rule("tcp", Some((1, 1024)), cidr("203.0.0.0/8")), true),
            (rule("-1", None, cidr("0.0.0.0/0")), true),
            (rule("6", Some((80, 80)), cidr("0.0.0.0/0")), true),
            (
                rule("tcp", Some((80, 80)), RuleSource::PrefixList("pl-1".into())),
                true,
            ),
            (rule("tcp", Some((443, 443)), cidr("0.0.0.0/0")), false),
            (rule("udp", Some((80, 80)), cidr("0.0.0.0/0")), false),
            (rule("tcp", Some((80, 80)), cidr("198.51.100.0/24")), false),
            (rule("tcp", Some((80, 80)), cidr("::/0")), false),
            (
                rule("tcp", Some((80, 80)), RuleSource::Group("sg-2".into())),
                false,
            ),
            (
                rule(
                    "tcp",
                    Some((80, 80)),
                    RuleSource::PrefixList("pl-unknown".into()),
                ),
                false,
            ),
        ];
        for (r, expected) in cases {
            assert_eq!(
                open(std::slice::from_ref(&r), &lists, student()),
                expected,
                "{r:?}"
            );
        }
        assert!(!open(&[], &none, student()), "no rule: closed");
        let mut egress = rule("-1", None, cidr("0.0.0.0/0"));
        egress.egress = true;
        assert!(
            !open(&[egress], &none, student()),
            "an outbound rule opens nothing"
        );
    }

    #[test]
    fn an_unknown_requester_is_let_in_by_any_address_rule() {
        let none = BTreeMap::new();
        let narrow = rule("tcp", Some((80, 80)), cidr("198.51.100.7/32"));
        assert!(open(
            std::slice::from_ref(&narrow),
            &none,
            Requester::Anyone
        ));
        assert!(!open(&[narrow], &none, student()));
    }

    #[test]
    fn a_network_acl_deny_blocks_first_match_wins() {
        let none = BTreeMap::new();
        let rules = [rule("tcp", Some((80, 80)), cidr("0.0.0.0/0"))];
        let mut nacl = default_nacl();
        nacl.push(entry(50, false, false, "0.0.0.0/0", Some((80, 80))));
        let r = reach(&rules, &none, &nacl, 80, student(), None);
        assert!(!r.is_open());
        assert_eq!(r.nacl_deny.map(|e| e.rule_number), Some(50));
        // An allow numbered before the deny wins.
        nacl.push(entry(10, false, true, "203.0.113.0/24", Some((80, 80))));
        assert!(reach(&rules, &none, &nacl, 80, student(), None).is_open());
        // The return traffic: an outbound deny of the ephemeral ports blocks too.
        let mut nacl = default_nacl();
        nacl.push(entry(90, true, false, "0.0.0.0/0", Some((1024, 65535))));
        let r = reach(&rules, &none, &nacl, 80, student(), Some(51234));
        assert_eq!(
            r.nacl_deny.map(|e| (e.rule_number, e.egress)),
            Some((90, true))
        );
        // Unknown requester: only an entry for every address can be said to block.
        let mut nacl = default_nacl();
        nacl.push(entry(50, false, false, "203.0.113.0/24", Some((80, 80))));
        assert!(reach(&rules, &none, &nacl, 80, Requester::Anyone, None).is_open());
        assert!(!reach(&rules, &none, &nacl, 80, student(), None).is_open());
    }

    #[test]
    fn with_the_requester_unknown_the_acl_is_judged_entry_by_entry() {
        let none = BTreeMap::new();
        // (open, the number of the entry that blocks)
        let anyone = |rules: &[SgRule], extra: &[NaclEntry]| {
            let mut nacl = default_nacl();
            nacl.extend(extra.iter().cloned());
            let r = reach(rules, &none, &nacl, 80, Requester::Anyone, None);
            (r.is_open(), r.nacl_deny.map(|e| e.rule_number))
        };
        let open_to_all = [rule("tcp", Some((80, 80)), cidr("0.0.0.0/0"))];
        // Some addresses allowed first, then port 80 denied to everyone: those few get in.
        let some_then_all = [
            entry(40, false, true, "203.0.113.0/24", Some((80, 80))),
            entry(50, false, false, "0.0.0.0/0", Some((80, 80))),
        ];
        assert!(anyone(&open_to_all, &some_then_all).0);
        // The other way round, everyone is denied before anyone is allowed.
        let all_then_some = [
            entry(40, false, false, "0.0.0.0/0", Some((80, 80))),
            entry(50, false, true, "203.0.113.0/24", Some((80, 80))),
        ];
        assert_eq!(anyone(&open_to_all, &all_then_some), (false, Some(40)));
        // The ACL lets in only addresses no rule admits: nobody gets in.
        let office_only = [rule("tcp", Some((80, 80)), cidr("10.0.0.0/8"))];
        assert!(!anyone(&office_only, &some_then_all).0);
        // Nested blocks: everyone but one /24 is denied, and a rule admits that /24's
        // neighbour only.
        let neighbour = [rule("tcp", Some((80, 80)), cidr("203.0.112.0/23"))];
        let deny_all_but = [
            entry(40, false, true, "203.0.113.0/24", Some((80, 80))),
            entry(50, false, false, "0.0.0.0/0", Some((80, 80))),
        ];
        assert!(anyone(&neighbour, &deny_all_but).0);
        // Return traffic denied to everyone but the allowed block.
        let back_denied = [
            entry(40, true, true, "198.51.100.0/24", None),
            entry(50, true, false, "0.0.0.0/0", None),
        ];
        assert!(anyone(&open_to_all, &back_denied).0);
        let ssh_only_back = [entry(50, true, false, "0.0.0.0/0", None)];
        assert!(!anyone(&open_to_all, &ssh_only_back).0);
    }

    #[test]
    fn cidr_containment() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("address");
        assert!(contains("127.0.0.0/8", ip("127.0.0.1")));
        assert!(contains("0.0.0.0/0", ip("127.0.0.1")));
        assert!(!contains("10.0.0.0/8", ip("127.0.0.1")));
        assert!(contains("::/0", ip("::1")));
        assert!(!contains("::/0", ip("127.0.0.1")));
        for bad in ["", "10.0.0.0", "10.0.0.0/33", "x/8", "::/129"] {
            assert!(!contains(bad, ip("10.0.0.1")), "{bad}");
        }
    }
}
