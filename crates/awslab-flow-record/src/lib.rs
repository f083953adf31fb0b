//! Parsing of VPC Flow Log records against the flow log's `LogFormat`.
//!
//! A record is one CloudWatch Logs event message. Its meaning depends entirely
//! on the format the flow log was created with, so a record is always parsed
//! together with a [`LogFormat`]. Values are validated at parse time so the
//! typed getters can be infallible apart from "absent or `-`".
//!
//! Input is treated as hostile: lines may be many megabytes, contain control
//! characters or U+FFFD from a lossy UTF-8 conversion. Parsing is a single
//! linear pass, and error messages only ever quote a bounded, escaped excerpt
//! of the offending token so that they stay printable and short.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::Serialize;

/// Every field name AWS documents for VPC flow logs, versions 2 to 8, in the
/// order the user guide lists them.
const KNOWN_FIELDS: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
    "ecs-cluster-arn",
    "ecs-cluster-name",
    "ecs-container-instance-arn",
    "ecs-container-instance-id",
    "ecs-container-id",
    "ecs-second-container-id",
    "ecs-service-name",
    "ecs-task-definition-arn",
    "ecs-task-arn",
    "ecs-task-id",
    "reject-reason",
];

/// The default (version 2) format, which is also what AWS reports as the
/// LogFormat of a flow log created without a custom format.
const DEFAULT_V2_FIELDS: &[&str] = &[
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
];

/// Tokens quoted in error messages are cut to this many characters so that a
/// multi-megabyte token cannot produce a multi-megabyte message.
const EXCERPT_CHARS: usize = 64;

/// A suggestion is only offered within this edit distance; further away it is
/// more likely to mislead than help.
const MAX_SUGGESTION_DISTANCE: usize = 2;

/// TCP flag bits as AWS reports them in `tcp-flags`. Values are OR-ed over the
/// aggregation interval, so e.g. 19 means SYN-ACK and FIN were both seen.
pub const TCP_FLAG_FIN: u8 = 1;
pub const TCP_FLAG_SYN: u8 = 2;
pub const TCP_FLAG_RST: u8 = 4;
pub const TCP_FLAG_SYN_ACK: u8 = 18;

/// All field names a LogFormat may contain.
pub fn known_fields() -> &'static [&'static str] {
    KNOWN_FIELDS
}

/// Human-readable name of a handful of common IANA protocol numbers.
pub fn protocol_name(n: u8) -> Option<&'static str> {
    Some(match n {
        1 => "ICMP",
        2 => "IGMP",
        4 => "IPv4",
        6 => "TCP",
        17 => "UDP",
        41 => "IPv6",
        47 => "GRE",
        50 => "ESP",
        51 => "AH",
        58 => "ICMPv6",
        132 => "SCTP",
        _ => return None,
    })
}

/// Why a LogFormat string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("log format is empty: expected fields like ${{version}} ${{srcaddr}}")]
    Empty,
    /// `token` is an escaped, possibly truncated excerpt.
    #[error("log format token \"{token}\" is not of the form ${{field-name}}")]
    BadToken { token: String },
    /// `name` is an escaped, possibly truncated excerpt.
    #[error("unknown log format field \"{name}\"{}", suggestion_hint(.suggestion.as_deref()))]
    UnknownField {
        name: String,
        suggestion: Option<String>,
    },
    #[error("log format field \"{name}\" appears more than once")]
    DuplicateField { name: String },
}

fn suggestion_hint(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean \"{s}\"?)"),
        None => String::new(),
    }
}

/// Why a flow log record did not match its LogFormat.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("empty flow log record")]
    Empty,
    #[error(
        "flow log record has the wrong number of fields: expected {expected} from the log format, got {got} (format: {format})"
    )]
    FieldCount {
        expected: usize,
        got: usize,
        format: String,
    },
    /// `value` is an escaped, possibly truncated excerpt; `position` is
    /// 1-based, as a person counts columns.
    #[error(
        "invalid value \"{value}\" for field \"{field}\" (field {position} of the record): expected {expected}"
    )]
    InvalidValue {
        field: String,
        position: usize,
        value: String,
        expected: &'static str,
    },
}

/// The ordered list of fields a flow log writes, e.g. `${version} ${srcaddr}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFormat {
    fields: Vec<String>,
}

impl LogFormat {
    /// Parses a LogFormat as AWS returns it from DescribeFlowLogs.
    pub fn parse(text: &str) -> Result<LogFormat, FormatError> {
        let mut fields: Vec<String> = Vec::new();
        for token in text.split_ascii_whitespace() {
            let name = token
                .strip_prefix("${")
                .and_then(|rest| rest.strip_suffix('}'))
                .filter(|name| !name.is_empty() && !name.contains(['$', '{', '}']))
                .ok_or_else(|| FormatError::BadToken {
                    token: excerpt(token),
                })?;
            if !KNOWN_FIELDS.contains(&name) {
                return Err(FormatError::UnknownField {
                    name: excerpt(name),
                    suggestion: closest_known_field(name).map(str::to_owned),
                });
            }
            // Only known names get this far, so the list never exceeds
            // KNOWN_FIELDS.len() and the linear search stays cheap.
            if fields.iter().any(|f| f == name) {
                return Err(FormatError::DuplicateField {
                    name: name.to_owned(),
                });
            }
            fields.push(name.to_owned());
        }
        if fields.is_empty() {
            return Err(FormatError::Empty);
        }
        Ok(LogFormat { fields })
    }

    pub fn default_v2() -> LogFormat {
        LogFormat {
            fields: DEFAULT_V2_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
        }
    }

    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The canonical single-spaced `${a} ${b}` form, as AWS prints it.
    pub fn as_text(&self) -> String {
        let mut out = String::new();
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str("${");
            out.push_str(field);
            out.push('}');
        }
        out
    }

    pub fn is_default(&self) -> bool {
        self.fields
            .iter()
            .map(String::as_str)
            .eq(DEFAULT_V2_FIELDS.iter().copied())
    }
}

impl Default for LogFormat {
    fn default() -> Self {
        LogFormat::default_v2()
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}

impl FromStr for LogFormat {
    type Err = FormatError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LogFormat::parse(s)
    }
}

/// The `action` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    Accept,
    Reject,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "ACCEPT",
            Action::Reject => "REJECT",
        }
    }

    fn from_token(s: &str) -> Option<Action> {
        match s {
            "ACCEPT" => Some(Action::Accept),
            "REJECT" => Some(Action::Reject),
            _ => None,
        }
    }
}

/// The `log-status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogStatus {
    Ok,
    NoData,
    SkipData,
}

impl LogStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LogStatus::Ok => "OK",
            LogStatus::NoData => "NODATA",
            LogStatus::SkipData => "SKIPDATA",
        }
    }

    fn from_token(s: &str) -> Option<LogStatus> {
        match s {
            "OK" => Some(LogStatus::Ok),
            "NODATA" => Some(LogStatus::NoData),
            "SKIPDATA" => Some(LogStatus::SkipData),
            _ => None,
        }
    }
}

/// One parsed flow log record: the format's field names, in order, each with
/// its value, or `None` where the record had `-`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowRecord {
    fields: Vec<(String, Option<String>)>,
}

impl FlowRecord {
    pub fn parse(format: &LogFormat, line: &str) -> Result<FlowRecord, RecordError> {
        let expected = format.fields.len();
        let mut tokens = line.split_ascii_whitespace();
        // Take only as many tokens as the format needs; anything beyond is just
        // counted, so a huge line costs one pass and no extra allocation.
        let values: Vec<&str> = tokens.by_ref().take(expected).collect();
        if values.is_empty() {
            return Err(RecordError::Empty);
        }
        let surplus = tokens.count();
        if values.len() != expected || surplus > 0 {
            return Err(RecordError::FieldCount {
                expected,
                got: values.len().saturating_add(surplus),
                format: format.as_text(),
            });
        }

        let mut fields = Vec::with_capacity(expected);
        for (index, (name, value)) in format.fields.iter().zip(values).enumerate() {
            let value = if value == "-" {
                None
            } else {
                if let Err(expected) = validate(name, value) {
                    return Err(RecordError::InvalidValue {
                        field: name.clone(),
                        position: index + 1,
                        value: excerpt(value),
                        expected,
                    });
                }
                Some(value.to_owned())
            };
            fields.push((name.clone(), value));
        }
        Ok(FlowRecord { fields })
    }

    /// The raw value of `field`; `None` both when the format lacks the field
    /// and when the record had `-`, since callers rarely need to tell apart.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| name == field)
            .and_then(|(_, value)| value.as_deref())
    }

    pub fn fields(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.fields
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_deref()))
    }

    pub fn action(&self) -> Option<Action> {
        self.get("action").and_then(Action::from_token)
    }

    pub fn log_status(&self) -> Option<LogStatus> {
        self.get("log-status").and_then(LogStatus::from_token)
    }

    pub fn protocol(&self) -> Option<u8> {
        self.parsed("protocol")
    }

    pub fn tcp_flags(&self) -> Option<u8> {
        self.parsed("tcp-flags")
    }

    pub fn srcaddr(&self) -> Option<IpAddr> {
        self.parsed("srcaddr")
    }

    pub fn dstaddr(&self) -> Option<IpAddr> {
        self.parsed("dstaddr")
    }

    pub fn srcport(&self) -> Option<u16> {
        self.parsed("srcport")
    }

    pub fn dstport(&self) -> Option<u16> {
        self.parsed("dstport")
    }

    pub fn packets(&self) -> Option<u64> {
        self.parsed("packets")
    }

    pub fn bytes(&self) -> Option<u64> {
        self.parsed("bytes")
    }

    /// Start of the capture window, Unix seconds.
    pub fn start(&self) -> Option<i64> {
        self.parsed("start")
    }

    /// End of the capture window, Unix seconds.
    pub fn end(&self) -> Option<i64> {
        self.parsed("end")
    }

    pub fn interface_id(&self) -> Option<&str> {
        self.get("interface-id")
    }

    // Values were validated in `parse`, so a failure here cannot happen for a
    // record built by `parse`; `ok()` keeps it a `None` rather than a panic.
    fn parsed<T: FromStr>(&self, field: &str) -> Option<T> {
        self.get(field).and_then(|v| v.parse().ok())
    }
}

/// Checks `value` (never `-`) for fields with a known shape; other fields are
/// opaque identifiers and accepted as-is. The error is what was expected.
fn validate(field: &str, value: &str) -> Result<(), &'static str> {
    let ok = match field {
        "version" | "protocol" | "tcp-flags" => unsigned_at_most(value, u64::from(u8::MAX)),
        "srcport" | "dstport" => unsigned_at_most(value, u64::from(u16::MAX)),
        "packets" | "bytes" => unsigned_at_most(value, u64::MAX),
        // Stored as i64 to match the usual Unix-time types, so the upper bound
        // is i64::MAX; AWS never writes negative times.
        "start" | "end" => unsigned_at_most(value, i64::MAX.unsigned_abs()),
        "srcaddr" | "dstaddr" | "pkt-srcaddr" | "pkt-dstaddr" => value.parse::<IpAddr>().is_ok(),
        "action" => Action::from_token(value).is_some(),
        "log-status" => LogStatus::from_token(value).is_some(),
        "interface-id" => value
            .strip_prefix("eni-")
            .is_some_and(|rest| !rest.is_empty()),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    Err(match field {
        "version" | "protocol" => "an unsigned integer from 0 to 255",
        "tcp-flags" => "a TCP flags bitmask from 0 to 255",
        "srcport" | "dstport" => "a port number from 0 to 65535",
        "packets" | "bytes" => "an unsigned 64-bit integer",
        "start" | "end" => "a Unix timestamp in seconds",
        "srcaddr" | "dstaddr" | "pkt-srcaddr" | "pkt-dstaddr" => "an IPv4 or IPv6 address",
        "action" => "ACCEPT or REJECT",
        "log-status" => "OK, NODATA or SKIPDATA",
        "interface-id" => "a network interface ID starting with \"eni-\"",
        _ => "a valid value",
    })
}

/// Plain decimal digits only: `str::parse` would also take a leading `+`,
/// which AWS never writes and which hints at corrupted input.
fn unsigned_at_most(value: &str, max: u64) -> bool {
    !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit())
        && value.parse::<u64>().is_ok_and(|n| n <= max)
}

/// A short, printable rendering of untrusted text for error messages.
fn excerpt(token: &str) -> String {
    let mut out = String::new();
    let mut chars = token.chars();
    for c in chars.by_ref().take(EXCERPT_CHARS) {
        out.extend(c.escape_debug());
    }
    if chars.next().is_some() {
        out.push_str(&format!("... ({} bytes in all)", token.len()));
    }
    out
}

fn closest_known_field(name: &str) -> Option<&'static str> {
    let longest = KNOWN_FIELDS.iter().map(|f| f.len()).max().unwrap_or(0);
    // Beyond this length no known name can be within the distance limit, and
    // skipping keeps a hostile multi-megabyte name from costing O(n*m) work.
    if name
        .chars()
        .take(longest + MAX_SUGGESTION_DISTANCE + 1)
        .count()
        > longest + MAX_SUGGESTION_DISTANCE
    {
        return None;
    }
    KNOWN_FIELDS
        .iter()
        .map(|known| (levenshtein(name, known), *known))
        .filter(|(distance, _)| *distance <= MAX_SUGGESTION_DISTANCE)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Edit distance over chars with two rolling rows.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const ACCEPT_LINE: &str = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
    const REJECT_LINE: &str = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK";
    const NODATA_LINE: &str =
        "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA";
    const SKIPDATA_LINE: &str =
        "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA";
    const IPV6_LINE: &str = "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK";
    const V3_FORMAT: &str = "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status}";
    const V3_LINE: &str = "3 vpc-12345678 subnet-012345678 i-07890123456789012 eni-23456789012345678 123456789010 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK";
    const V5_FORMAT: &str = "${version} ${interface-id} ${flow-direction} ${traffic-path} ${srcaddr} ${dstaddr} ${action}";
    const V8_FORMAT: &str =
        "${version} ${interface-id} ${srcaddr} ${dstaddr} ${action} ${reject-reason} ${log-status}";
    const DEFAULT_TEXT: &str = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

    fn format(text: Option<&str>) -> LogFormat {
        match text {
            None => LogFormat::default_v2(),
            Some(t) => match LogFormat::parse(t) {
                Ok(f) => f,
                Err(e) => panic!("test format {t:?} did not parse: {e}"),
            },
        }
    }

    fn parse_ok(fmt: Option<&str>, line: &str) -> FlowRecord {
        match FlowRecord::parse(&format(fmt), line) {
            Ok(r) => r,
            Err(e) => panic!("record {line:?} did not parse: {e}"),
        }
    }

    fn parse_err(fmt: Option<&str>, line: &str) -> RecordError {
        match FlowRecord::parse(&format(fmt), line) {
            Ok(r) => panic!("record {line:?} parsed unexpectedly: {r:?}"),
            Err(e) => e,
        }
    }

    /// Deterministic bytes that cover every value, including NUL, control
    /// characters, tabs/newlines and invalid UTF-8 sequences.
    fn garbage_bytes(len: usize) -> Vec<u8> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..len)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn valid_records_expose_each_field_value() {
        struct Case {
            name: &'static str,
            format: Option<&'static str>,
            line: &'static str,
            expect: &'static [(&'static str, Option<&'static str>)],
        }
        let cases = [
            Case {
                name: "default ACCEPT",
                format: None,
                line: ACCEPT_LINE,
                expect: &[
                    ("version", Some("2")),
                    ("account-id", Some("123456789010")),
                    ("interface-id", Some("eni-1235b8ca123456789")),
                    ("srcaddr", Some("172.31.16.139")),
                    ("dstaddr", Some("172.31.16.21")),
                    ("srcport", Some("20641")),
                    ("dstport", Some("22")),
                    ("protocol", Some("6")),
                    ("packets", Some("20")),
                    ("bytes", Some("4249")),
                    ("start", Some("1418530010")),
                    ("end", Some("1418530070")),
                    ("action", Some("ACCEPT")),
                    ("log-status", Some("OK")),
                ],
            },
            Case {
                name: "default REJECT",
                format: None,
                line: REJECT_LINE,
                expect: &[
                    ("srcaddr", Some("172.31.9.69")),
                    ("dstport", Some("3389")),
                    ("action", Some("REJECT")),
                ],
            },
            Case {
                name: "NODATA",
                format: None,
                line: NODATA_LINE,
                expect: &[
                    ("interface-id", Some("eni-1235b8ca123456789")),
                    ("srcaddr", None),
                    ("dstaddr", None),
                    ("srcport", None),
                    ("dstport", None),
                    ("protocol", None),
                    ("packets", None),
                    ("bytes", None),
                    ("start", Some("1431280876")),
                    ("end", Some("1431280934")),
                    ("action", None),
                    ("log-status", Some("NODATA")),
                ],
            },
            Case {
                name: "SKIPDATA",
                format: None,
                line: SKIPDATA_LINE,
                expect: &[
                    ("interface-id", Some("eni-11111111aaaaaaaaa")),
                    ("packets", None),
                    ("log-status", Some("SKIPDATA")),
                ],
            },
            Case {
                name: "IPv6",
                format: None,
                line: IPV6_LINE,
                expect: &[
                    ("srcaddr", Some("2001:db8:1234:a100:8d6e:3477:df66:f105")),
                    ("dstaddr", Some("2001:db8:1234:a102:3304:8879:34cf:4071")),
                    ("srcport", Some("34892")),
                    ("bytes", Some("8855")),
                ],
            },
            Case {
                name: "custom v3",
                format: Some(V3_FORMAT),
                line: V3_LINE,
                expect: &[
                    ("version", Some("3")),
                    ("vpc-id", Some("vpc-12345678")),
                    ("subnet-id", Some("subnet-012345678")),
                    ("instance-id", Some("i-07890123456789012")),
                    ("interface-id", Some("eni-23456789012345678")),
                    ("type", Some("IPv4")),
                    ("pkt-srcaddr", Some("52.213.180.42")),
                    ("pkt-dstaddr", Some("10.0.0.62")),
                    ("bytes", Some("568")),
                    ("packets", Some("8")),
                    ("tcp-flags", Some("2")),
                    ("log-status", Some("OK")),
                    // Not in this format at all.
                    ("region", None),
                ],
            },
            Case {
                name: "custom v5 egress",
                format: Some(V5_FORMAT),
                line: "5 eni-0123456789abcdef0 egress 1 10.0.1.5 52.95.110.1 ACCEPT",
                expect: &[
                    ("flow-direction", Some("egress")),
                    ("traffic-path", Some("1")),
                    ("dstaddr", Some("52.95.110.1")),
                    ("action", Some("ACCEPT")),
                    ("log-status", None),
                ],
            },
            Case {
                name: "custom v5 ingress without traffic-path",
                format: Some(V5_FORMAT),
                line: "5 eni-0123456789abcdef0 ingress - 52.95.110.1 10.0.1.5 REJECT",
                expect: &[
                    ("flow-direction", Some("ingress")),
                    ("traffic-path", None),
                    ("action", Some("REJECT")),
                ],
            },
            Case {
                name: "custom v8 reject-reason",
                format: Some(V8_FORMAT),
                line: "8 eni-0123456789abcdef0 198.51.100.7 10.0.1.5 REJECT BPA OK",
                expect: &[("reject-reason", Some("BPA")), ("action", Some("REJECT"))],
            },
            Case {
                name: "runs of spaces and tabs, padded",
                format: None,
                line: " \t 2  123456789010\teni-1235b8ca123456789 \t172.31.16.139   172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT\t\tOK \r\n",
                expect: &[
                    ("version", Some("2")),
                    ("account-id", Some("123456789010")),
                    ("srcaddr", Some("172.31.16.139")),
                    ("action", Some("ACCEPT")),
                    ("log-status", Some("OK")),
                ],
            },
        ];
        for case in cases {
            let record = parse_ok(case.format, case.line);
            for (field, want) in case.expect {
                assert_eq!(record.get(field), *want, "{}: field {field}", case.name);
            }
            let expected_len = format(case.format).fields().len();
            assert_eq!(record.fields().count(), expected_len, "{}", case.name);
        }
    }

    #[test]
    fn typed_getters_on_real_records() {
        let accept = parse_ok(None, ACCEPT_LINE);
        assert_eq!(accept.dstport(), Some(22));
        assert_eq!(accept.srcport(), Some(20641));
        assert_eq!(accept.protocol(), Some(6));
        assert_eq!(accept.protocol().and_then(protocol_name), Some("TCP"));
        assert_eq!(accept.action(), Some(Action::Accept));
        assert_eq!(accept.log_status(), Some(LogStatus::Ok));
        assert_eq!(accept.bytes(), Some(4249));
        assert_eq!(accept.packets(), Some(20));
        assert_eq!(accept.start(), Some(1_418_530_010));
        assert_eq!(accept.end(), Some(1_418_530_070));
        assert_eq!(
            accept.srcaddr(),
            Some(IpAddr::V4(Ipv4Addr::new(172, 31, 16, 139)))
        );
        assert_eq!(
            accept.dstaddr(),
            Some(IpAddr::V4(Ipv4Addr::new(172, 31, 16, 21)))
        );
        assert_eq!(accept.interface_id(), Some("eni-1235b8ca123456789"));
        assert_eq!(accept.tcp_flags(), None);

        let reject = parse_ok(None, REJECT_LINE);
        assert_eq!(reject.action(), Some(Action::Reject));
        assert_eq!(reject.dstport(), Some(3389));

        let nodata = parse_ok(None, NODATA_LINE);
        assert_eq!(nodata.log_status(), Some(LogStatus::NoData));
        assert_eq!(nodata.action(), None);
        assert_eq!(nodata.srcaddr(), None);
        assert_eq!(nodata.dstport(), None);
        assert_eq!(nodata.bytes(), None);
        assert_eq!(nodata.start(), Some(1_431_280_876));

        let skip = parse_ok(None, SKIPDATA_LINE);
        assert_eq!(skip.log_status(), Some(LogStatus::SkipData));
        assert_eq!(skip.interface_id(), Some("eni-11111111aaaaaaaaa"));

        let v6 = parse_ok(None, IPV6_LINE);
        assert_eq!(
            v6.srcaddr(),
            Some(IpAddr::V6(Ipv6Addr::new(
                0x2001, 0xdb8, 0x1234, 0xa100, 0x8d6e, 0x3477, 0xdf66, 0xf105
            )))
        );
        assert!(matches!(v6.dstaddr(), Some(IpAddr::V6(_))));

        let v3 = parse_ok(Some(V3_FORMAT), V3_LINE);
        assert_eq!(v3.tcp_flags(), Some(TCP_FLAG_SYN));
        assert_eq!(v3.dstport(), Some(5001));
        assert_eq!(v3.bytes(), Some(568));
        assert_eq!(v3.packets(), Some(8));
        assert_eq!(v3.interface_id(), Some("eni-23456789012345678"));
        assert_eq!(v3.dstaddr(), Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 62))));

        // A format without the field: every typed getter must say None.
        let v5 = parse_ok(
            Some(V5_FORMAT),
            "5 eni-0123456789abcdef0 egress 1 10.0.1.5 52.95.110.1 ACCEPT",
        );
        assert_eq!(v5.dstport(), None);
        assert_eq!(v5.protocol(), None);
        assert_eq!(v5.log_status(), None);
        assert_eq!(v5.action(), Some(Action::Accept));
    }

    #[test]
    fn fields_iterate_in_format_order() {
        let record = parse_ok(Some(V5_FORMAT), "5 eni-0a ingress - 1.2.3.4 5.6.7.8 REJECT");
        let got: Vec<(&str, Option<&str>)> = record.fields().collect();
        assert_eq!(
            got,
            vec![
                ("version", Some("5")),
                ("interface-id", Some("eni-0a")),
                ("flow-direction", Some("ingress")),
                ("traffic-path", None),
                ("srcaddr", Some("1.2.3.4")),
                ("dstaddr", Some("5.6.7.8")),
                ("action", Some("REJECT")),
            ]
        );
    }

    #[test]
    fn record_serializes_as_ordered_pairs() {
        let record = parse_ok(None, NODATA_LINE);
        let json = match serde_json::to_value(&record) {
            Ok(v) => v,
            Err(e) => panic!("serialize: {e}"),
        };
        assert_eq!(json["fields"][0], serde_json::json!(["version", "2"]));
        assert_eq!(json["fields"][3], serde_json::json!(["srcaddr", null]));
        assert_eq!(
            json["fields"][13],
            serde_json::json!(["log-status", "NODATA"])
        );
        assert_eq!(
            serde_json::to_value(Action::Reject).ok(),
            Some(serde_json::json!("REJECT"))
        );
        assert_eq!(
            serde_json::to_value(LogStatus::SkipData).ok(),
            Some(serde_json::json!("SKIPDATA"))
        );
    }

    #[test]
    fn empty_lines_are_rejected() {
        for line in ["", " ", "\t \t", "\r\n", "\n\n\n"] {
            assert_eq!(parse_err(None, line), RecordError::Empty, "{line:?}");
        }
        assert_eq!(RecordError::Empty.to_string(), "empty flow log record");
    }

    #[test]
    fn wrong_field_count_reports_expected_got_and_format() {
        let cases: &[(Option<&str>, &str, usize, usize)] = &[
            // Default format, last field missing.
            (
                None,
                "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT",
                14,
                13,
            ),
            // Default format, one extra.
            (
                None,
                "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK extra",
                14,
                15,
            ),
            (None, "2", 14, 1),
            // A default-format record read with a custom format.
            (Some(V5_FORMAT), ACCEPT_LINE, 7, 14),
            (Some(V3_FORMAT), ACCEPT_LINE, 21, 14),
        ];
        for (fmt, line, expected, got) in cases {
            let err = parse_err(*fmt, line);
            let format_text = format(*fmt).as_text();
            assert_eq!(
                err,
                RecordError::FieldCount {
                    expected: *expected,
                    got: *got,
                    format: format_text.clone(),
                },
                "{line}"
            );
            let msg = err.to_string();
            assert!(msg.contains(&format!("expected {expected}")), "{msg}");
            assert!(msg.contains(&format!("got {got}")), "{msg}");
            assert!(msg.contains(&format_text), "{msg}");
        }
    }

    #[test]
    fn invalid_typed_values_name_field_and_token() {
        // (format, field to corrupt, bad value, expected-description fragment)
        let cases: &[(Option<&str>, &str, &str, &str)] = &[
            (None, "version", "two", "0 to 255"),
            (None, "version", "256", "0 to 255"),
            (None, "srcaddr", "999.1.1.1", "IPv4 or IPv6"),
            (None, "srcaddr", "172.31.16", "IPv4 or IPv6"),
            (None, "dstaddr", "2001:db8::zz", "IPv4 or IPv6"),
            (None, "srcport", "65536", "port number"),
            (None, "srcport", "-1", "port number"),
            (None, "dstport", "+22", "port number"),
            (None, "dstport", "22a", "port number"),
            (None, "protocol", "256", "0 to 255"),
            (None, "protocol", "tcp", "0 to 255"),
            (None, "packets", "1e3", "64-bit"),
            (None, "bytes", "18446744073709551616", "64-bit"),
            (None, "start", "9223372036854775808", "Unix timestamp"),
            (None, "end", "yesterday", "Unix timestamp"),
            (None, "action", "accept", "ACCEPT or REJECT"),
            (None, "action", "ALLOW", "ACCEPT or REJECT"),
            (None, "log-status", "FAIL", "NODATA"),
            (None, "interface-id", "i-07890123456789012", "eni-"),
            (None, "interface-id", "eni-", "eni-"),
            (None, "dstport", "2\u{FFFD}2", "port number"),
            (None, "protocol", "6\u{0}", "0 to 255"),
            (Some(V3_FORMAT), "tcp-flags", "256", "TCP flags"),
            (Some(V3_FORMAT), "pkt-srcaddr", "nope", "IPv4 or IPv6"),
            (Some(V3_FORMAT), "pkt-dstaddr", "10.0.0.256", "IPv4 or IPv6"),
        ];
        for (fmt, field, bad, expected_fragment) in cases {
            let (base, fmt_obj) = match fmt {
                None => (ACCEPT_LINE, LogFormat::default_v2()),
                Some(t) => (V3_LINE, format(Some(t))),
            };
            let position = match fmt_obj.fields().iter().position(|f| f == field) {
                Some(p) => p,
                None => panic!("{field} not in format"),
            };
            let mut tokens: Vec<&str> = base.split(' ').collect();
            tokens[position] = bad;
            let line = tokens.join(" ");
            let err = match FlowRecord::parse(&fmt_obj, &line) {
                Ok(r) => panic!("{field}={bad:?} accepted: {r:?}"),
                Err(e) => e,
            };
            match &err {
                RecordError::InvalidValue {
                    field: f,
                    position: p,
                    value,
                    expected,
                } => {
                    assert_eq!(f, field);
                    assert_eq!(*p, position + 1);
                    assert_eq!(value, &excerpt(bad));
                    assert!(expected.contains(expected_fragment), "{expected}");
                }
                other => panic!("{field}={bad:?}: wrong error {other:?}"),
            }
            let msg = err.to_string();
            assert!(msg.contains(&format!("\"{field}\"")), "{msg}");
            assert!(msg.contains(&format!("\"{}\"", excerpt(bad))), "{msg}");
            assert!(!msg.contains('\u{0}'), "raw NUL leaked into {msg:?}");
        }
    }

    #[test]
    fn dash_is_allowed_in_every_validated_field() {
        let line = "- - - - - - - - - - - - - -";
        let record = parse_ok(None, line);
        assert!(record.fields().all(|(_, v)| v.is_none()));
        assert_eq!(record.get("version"), None);
        assert_eq!(record.interface_id(), None);
    }

    #[test]
    fn boundary_values_are_accepted() {
        let line = "255 1 eni-a 0.0.0.0 ::1 0 65535 255 18446744073709551615 0 0 9223372036854775807 REJECT OK";
        let r = parse_ok(None, line);
        assert_eq!(r.dstport(), Some(65535));
        assert_eq!(r.srcport(), Some(0));
        assert_eq!(r.protocol(), Some(255));
        assert_eq!(r.packets(), Some(u64::MAX));
        assert_eq!(r.end(), Some(i64::MAX));
        assert_eq!(r.dstaddr(), Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    }

    #[test]
    fn five_megabyte_garbage_line_is_an_error() {
        let text = String::from_utf8_lossy(&garbage_bytes(5 * 1024 * 1024)).into_owned();
        assert!(text.len() >= 5 * 1024 * 1024);
        let err = parse_err(None, &text);
        // Random bytes contain plenty of ASCII whitespace, so this is a field
        // count mismatch with far more than 14 tokens.
        match &err {
            RecordError::FieldCount { expected, got, .. } => {
                assert_eq!(*expected, 14);
                assert!(*got > 1000, "got {got}");
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(err.to_string().len() < 1024);
    }

    #[test]
    fn huge_single_token_and_huge_field_errors_stay_short() {
        let blob = "\u{FFFD}\u{1}x".repeat(2 * 1024 * 1024);
        // One enormous token: field count error.
        assert!(matches!(
            parse_err(None, &blob),
            RecordError::FieldCount { got: 1, .. }
        ));

        // Right number of fields, but one of them is enormous garbage.
        let line = ACCEPT_LINE.replace("172.31.16.139", &blob);
        let err = parse_err(None, &line);
        let msg = err.to_string();
        assert!(msg.len() < 512, "message is {} bytes", msg.len());
        assert!(msg.contains("\"srcaddr\""), "{msg}");
        assert!(
            msg.contains(&format!("({} bytes in all)", blob.len())),
            "{msg}"
        );
        assert!(msg.contains("\\u{1}"), "control char not escaped: {msg}");
        assert!(!msg.contains('\u{1}'));

        // A huge, entirely blank line is just empty.
        assert_eq!(
            parse_err(None, &" \t".repeat(1024 * 1024)),
            RecordError::Empty
        );
    }

    #[test]
    fn log_format_round_trips_and_knows_default() {
        let default = LogFormat::default_v2();
        assert!(default.is_default());
        assert_eq!(LogFormat::default(), default);
        assert_eq!(default.as_text(), DEFAULT_TEXT);
        assert_eq!(default.to_string(), DEFAULT_TEXT);
        assert_eq!(default.fields().len(), 14);
        assert_eq!(LogFormat::parse(DEFAULT_TEXT), Ok(default.clone()));
        // Extra whitespace is tolerated and normalised away.
        assert_eq!(
            LogFormat::parse(&format!("  {}\n", DEFAULT_TEXT.replace(' ', " \t "))),
            Ok(default)
        );

        let v3 = format(Some(V3_FORMAT));
        assert!(!v3.is_default());
        assert_eq!(v3.fields().len(), 21);
        assert_eq!(v3.fields()[1], "vpc-id");
        assert_eq!(v3.as_text(), V3_FORMAT);
        assert_eq!(V3_FORMAT.parse::<LogFormat>(), Ok(v3));

        // Same fields in another order is not the default format.
        let reordered =
            DEFAULT_TEXT.replacen("${version} ${account-id}", "${account-id} ${version}", 1);
        assert!(!format(Some(&reordered)).is_default());
        // A strict prefix is not the default either.
        assert!(!format(Some("${version} ${account-id}")).is_default());
    }

    #[test]
    fn every_known_field_is_accepted_in_one_format() {
        let text: Vec<String> = known_fields().iter().map(|f| format!("${{{f}}}")).collect();
        let all = format(Some(&text.join(" ")));
        assert_eq!(all.fields().len(), 40);
        assert_eq!(known_fields().len(), 40);
        assert!(known_fields().contains(&"reject-reason"));
        assert!(known_fields().contains(&"ecs-task-id"));
    }

    #[test]
    fn log_format_errors() {
        let cases: &[(&str, FormatError, &str)] = &[
            ("", FormatError::Empty, "empty"),
            ("  \t\n", FormatError::Empty, "empty"),
            (
                "${version} srcaddr",
                FormatError::BadToken {
                    token: "srcaddr".into(),
                },
                "\"srcaddr\" is not of the form ${field-name}",
            ),
            (
                "${}",
                FormatError::BadToken {
                    token: "${}".into(),
                },
                "\"${}\"",
            ),
            (
                "{version}",
                FormatError::BadToken {
                    token: "{version}".into(),
                },
                "{version}",
            ),
            (
                "${version",
                FormatError::BadToken {
                    token: "${version".into(),
                },
                "${version",
            ),
            (
                "${version}${srcaddr}",
                FormatError::BadToken {
                    token: "${version}${srcaddr}".into(),
                },
                "${version}${srcaddr}",
            ),
            (
                "${version} ${srcadr}",
                FormatError::UnknownField {
                    name: "srcadr".into(),
                    suggestion: Some("srcaddr".into()),
                },
                "unknown log format field \"srcadr\" (did you mean \"srcaddr\"?)",
            ),
            (
                "${dst-port}",
                FormatError::UnknownField {
                    name: "dst-port".into(),
                    suggestion: Some("dstport".into()),
                },
                "did you mean \"dstport\"?",
            ),
            (
                "${log_status}",
                FormatError::UnknownField {
                    name: "log_status".into(),
                    suggestion: Some("log-status".into()),
                },
                "did you mean \"log-status\"?",
            ),
            (
                "${TcpFlags}",
                FormatError::UnknownField {
                    name: "TcpFlags".into(),
                    suggestion: None,
                },
                "unknown log format field \"TcpFlags\"",
            ),
            (
                "${direction}",
                FormatError::UnknownField {
                    name: "direction".into(),
                    suggestion: None,
                },
                "\"direction\"",
            ),
            (
                "${version} ${srcaddr} ${version}",
                FormatError::DuplicateField {
                    name: "version".into(),
                },
                "\"version\" appears more than once",
            ),
        ];
        for (text, want, fragment) in cases {
            let got = LogFormat::parse(text);
            assert_eq!(got.as_ref(), Err(want), "{text:?}");
            let msg = want.to_string();
            assert!(msg.contains(fragment), "{text:?}: {msg}");
        }
        // No suggestion text at all when nothing is close.
        let far = FormatError::UnknownField {
            name: "direction".into(),
            suggestion: None,
        };
        assert!(!far.to_string().contains("did you mean"));
    }

    #[test]
    fn hostile_log_formats_are_errors() {
        let huge_name = format!("${{{}}}", "a".repeat(5 * 1024 * 1024));
        match LogFormat::parse(&huge_name) {
            Err(FormatError::UnknownField { name, suggestion }) => {
                assert_eq!(suggestion, None);
                assert!(name.len() < 200, "name excerpt is {} bytes", name.len());
            }
            other => panic!("unexpected {other:?}"),
        }
        let garbage = String::from_utf8_lossy(&garbage_bytes(5 * 1024 * 1024)).into_owned();
        match LogFormat::parse(&garbage) {
            Err(FormatError::BadToken { token }) => assert!(token.len() < 1024),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn levenshtein_distances() {
        let cases = [
            ("", "", 0),
            ("abc", "", 3),
            ("", "abc", 3),
            ("srcaddr", "srcaddr", 0),
            ("srcadr", "srcaddr", 1),
            ("kitten", "sitting", 3),
            ("dst-port", "dstport", 1),
            ("é", "e", 1),
        ];
        for (a, b, want) in cases {
            assert_eq!(levenshtein(a, b), want, "{a:?} vs {b:?}");
            assert_eq!(levenshtein(b, a), want, "{b:?} vs {a:?}");
        }
    }

    #[test]
    fn protocol_names() {
        let cases = [
            (1, Some("ICMP")),
            (6, Some("TCP")),
            (17, Some("UDP")),
            (58, Some("ICMPv6")),
            (0, None),
            (255, None),
        ];
        for (n, want) in cases {
            assert_eq!(protocol_name(n), want, "{n}");
        }
    }

    #[test]
    fn enum_text_matches_aws_tokens() {
        for a in [Action::Accept, Action::Reject] {
            assert_eq!(Action::from_token(a.as_str()), Some(a));
        }
        for s in [LogStatus::Ok, LogStatus::NoData, LogStatus::SkipData] {
            assert_eq!(LogStatus::from_token(s.as_str()), Some(s));
        }
        assert_eq!(TCP_FLAG_SYN_ACK, 18);
        assert_eq!(TCP_FLAG_FIN | TCP_FLAG_SYN | TCP_FLAG_RST, 7);
    }
}
