//! A flow log record, field by field, in words: what `awslab explain` prints and what the
//! wizard shows when the access record arrives.

use crate::flow_record::{FlowRecord, LogFormat, RecordError, protocol_name};
use crate::i18n::{Lang, Text};
use colored::Colorize;
use std::fmt::Write;

/// What the lab knows that makes a record's addresses meaningful.
#[derive(Debug, Default, Clone)]
pub struct Known {
    /// The ENI's private address: where a request to the public IP really arrives.
    pub private_ip: Option<String>,
    /// The public IP the student sent the request to.
    pub public_ip: Option<String>,
    /// The record is the one of the lab's own test request: its fields can be told in the
    /// lab's words ("the web server you sent curl to"); any other record is told as it is.
    pub lab_request: bool,
    /// The record is the sandbox's: the request went from this computer to its stand-in web
    /// server, so nothing is said that only AWS's network does (the internet, its gateway).
    pub sandbox: bool,
}

impl Known {
    /// What the lab knows of its own test request's record, to `instance`: its addresses. The
    /// wizard's last step and the student's page explain the record with it.
    pub fn lab(instance: &crate::aws::Instance, sandbox: bool) -> Known {
        Known {
            private_ip: instance.primary_eni().and_then(|e| e.private_ip.clone()),
            public_ip: instance.public_ip.clone(),
            lab_request: true,
            sandbox,
        }
    }
}

/// One explained field: name, value (`-` when empty) and the sentence about it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explained {
    pub field: String,
    pub value: Option<String>,
    pub meaning: String,
}

pub fn explain(record: &FlowRecord, known: &Known, lang: Lang) -> Vec<Explained> {
    record
        .fields()
        .map(|(field, value)| Explained {
            field: field.to_string(),
            value: value.map(str::to_string),
            meaning: meaning(field, value, known).render(lang),
        })
        .collect()
}

fn meaning(field: &str, value: Option<&str>, known: &Known) -> Text {
    let Some(v) = value else {
        return Text::new("explain.empty");
    };
    match field {
        "dstaddr" | "pkt-dstaddr" if known.private_ip.as_deref() == Some(v) => {
            Text::new(if known.sandbox {
                "explain.dstaddr-private-sandbox"
            } else {
                "explain.dstaddr-private"
            })
            .arg("public_ip", known.public_ip.as_deref().unwrap_or("?"))
        }
        "srcaddr" if known.lab_request && known.sandbox => Text::new("explain.srcaddr-lab-sandbox"),
        "srcaddr" if known.lab_request => Text::new("explain.srcaddr-lab"),
        "dstport" if known.lab_request => Text::new("explain.dstport-lab").arg("port", v),
        "dstport" | "srcport" => match v.parse::<u16>().ok().and_then(service) {
            Some(name) => Text::new(if field == "dstport" {
                "explain.dstport-service"
            } else {
                "explain.srcport-service"
            })
            .arg("port", v)
            .arg("service", name),
            None if field == "dstport" => Text::new("explain.dstport"),
            None => Text::new("explain.srcport"),
        },
        "protocol" => match v.parse::<u8>() {
            Ok(6) => Text::new("explain.protocol-tcp"),
            Ok(17) => Text::new("explain.protocol-udp"),
            Ok(1) => Text::new("explain.protocol-icmp"),
            Ok(n) => Text::new("explain.protocol").arg("name", protocol_name(n).unwrap_or("?")),
            Err(_) => Text::new("explain.protocol").arg("name", "?"),
        },
        "action" if v == "ACCEPT" => Text::new("explain.action-accept"),
        "action" if v == "REJECT" => Text::new("explain.action-reject"),
        "log-status" if v == "NODATA" => Text::new("explain.log-status-nodata"),
        "log-status" if v == "SKIPDATA" => Text::new("explain.log-status-skipdata"),
        "start" | "end" => Text::new(if field == "start" {
            "explain.start"
        } else {
            "explain.end"
        })
        .arg(
            "time",
            v.parse::<i64>()
                .map(crate::time::for_reader)
                .unwrap_or_default(),
        ),
        _ => match KNOWN.iter().find(|(f, _)| *f == field) {
            Some((_, key)) => Text::new(key),
            None => Text::new("explain.other"),
        },
    }
}

/// The well-known service behind a port, for the ports a flow log shows most.
fn service(port: u16) -> Option<&'static str> {
    Some(match port {
        22 => "SSH",
        23 => "Telnet",
        25 => "SMTP",
        53 => "DNS",
        80 => "HTTP",
        123 => "NTP",
        443 => "HTTPS",
        445 => "SMB",
        3306 => "MySQL",
        3389 => "RDP",
        5432 => "PostgreSQL",
        8080 => "HTTP (alternative port)",
        _ => return None,
    })
}

/// Catalogue keys of the fields' plain meanings.
const KNOWN: &[(&str, &str)] = &[
    ("version", "explain.version"),
    ("account-id", "explain.account-id"),
    ("interface-id", "explain.interface-id"),
    ("srcaddr", "explain.srcaddr"),
    ("dstaddr", "explain.dstaddr"),
    ("packets", "explain.packets"),
    ("bytes", "explain.bytes"),
    ("log-status", "explain.log-status"),
    ("vpc-id", "explain.vpc-id"),
    ("subnet-id", "explain.subnet-id"),
    ("instance-id", "explain.instance-id"),
    ("tcp-flags", "explain.tcp-flags"),
    ("type", "explain.type"),
    ("pkt-srcaddr", "explain.pkt-srcaddr"),
    ("pkt-dstaddr", "explain.pkt-dstaddr"),
    ("region", "explain.region"),
    ("az-id", "explain.az-id"),
    ("flow-direction", "explain.flow-direction"),
    ("traffic-path", "explain.traffic-path"),
];

/// The explained record as a table for a terminal.
/// The rows as a table `columns` wide: a meaning that does not fit wraps under its column.
pub fn table(rows: &[Explained], lang: Lang, columns: usize) -> String {
    use crate::report::{pad, width, wrap};
    let head_field = Text::new("explain.head-field").render(lang);
    let head_value = Text::new("explain.head-value").render(lang);
    let name_w = rows
        .iter()
        .map(|r| width(&r.field))
        .chain([width(&head_field)])
        .max()
        .unwrap_or(5);
    let value_w = rows
        .iter()
        .map(|r| width(r.value.as_deref().unwrap_or("-")))
        .chain([width(&head_value)])
        .max()
        .unwrap_or(5)
        .clamp(5, 40);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {}  {}  {}",
        pad(&head_field.bold().to_string(), name_w),
        pad(&head_value.bold().to_string(), value_w),
        Text::new("explain.head-meaning").render(lang).bold(),
    );
    let lead = 2 + name_w + 2 + value_w + 2;
    let meaning_w = columns.saturating_sub(lead).max(24);
    for r in rows {
        let value = r.value.as_deref().unwrap_or("-");
        let wrapped = wrap(&r.meaning, meaning_w);
        let mut lines = wrapped.lines();
        let _ = writeln!(
            out,
            "  {}  {}  {}",
            pad(&r.field.cyan().to_string(), name_w),
            pad(value, value_w),
            lines.next().unwrap_or_default()
        );
        for line in lines {
            let _ = writeln!(out, "{}{line}", " ".repeat(lead));
        }
    }
    out
}

/// Parses a record line with a format given as text (default: version 2). A line copied from
/// the CloudWatch console starts with the event's timestamp, which is not a field: it is
/// dropped. What is wrong is said in the reader's language.
pub fn parse(line: &str, format: Option<&str>) -> Result<FlowRecord, Text> {
    let format = match format {
        Some(f) => {
            LogFormat::parse(f).map_err(|e| Text::new("explain.bad-format").arg("detail", e))?
        }
        None => LogFormat::default_v2(),
    };
    let line = without_timestamp(line, format.fields().len());
    FlowRecord::parse(&format, &line).map_err(|e| match e {
        RecordError::Empty => Text::new("explain.bad-empty"),
        RecordError::FieldCount { expected, got, .. } => Text::new("explain.bad-count")
            .arg("expected", expected)
            .arg("got", got),
        RecordError::InvalidValue {
            field,
            position,
            value,
            expected,
        } => Text::new("explain.bad-value")
            .arg("field", field)
            .arg("position", position)
            .arg("value", value)
            .arg("expected", expected),
    })
}

/// `line` without the timestamp the CloudWatch console puts before a record when it is copied
/// (`2026-12-03T16:20:22.000+09:00`, or a date and a time), when there are more tokens than
/// the format has fields.
fn without_timestamp(line: &str, fields: usize) -> String {
    let mut tokens: Vec<&str> = line.split_ascii_whitespace().collect();
    let stamp = |t: &str| {
        let digits = t.chars().filter(char::is_ascii_digit).count();
        digits >= 4
            && t.chars()
                .all(|c| c.is_ascii_digit() || "-:.TZ+".contains(c))
            && (t.contains(':') || t.matches('-').count() == 2)
    };
    while tokens.len() > fields && tokens.first().is_some_and(|t| stamp(t)) {
        tokens.remove(0);
    }
    tokens.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_copied_from_the_console_with_its_timestamp_is_read() {
        let record = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
        for copied in [
            format!("2014-12-14T13:06:50.000+09:00 {record}"),
            format!("2014-12-14T04:06:50.000Z\t{record}"),
            format!("2014-12-14 13:06:50.000 {record}"),
        ] {
            let parsed = parse(&copied, None).expect("parses");
            assert_eq!(parsed, parse(record, None).expect("parses"), "{copied}");
        }
        // A record that is short a field is not made to fit by dropping its first one.
        assert!(parse(&record.replacen("2 ", "", 1), None).is_err());
    }

    #[test]
    fn a_bad_record_is_told_in_the_readers_language() {
        let e = parse("2 123 eni-1 not-an-ip", None).expect_err("too short");
        assert!(e.render(Lang::En).contains("expected 14"), "{e:?}");
        assert!(
            e.render(Lang::Ko).contains("14개"),
            "{}",
            e.render(Lang::Ko)
        );
    }

    #[test]
    fn the_guides_record_is_explained_in_both_languages() {
        let r = parse(
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            None,
        )
        .expect("parses");
        let known = Known {
            private_ip: Some("172.31.16.21".into()),
            public_ip: Some("203.0.113.9".into()),
            lab_request: false,
            sandbox: false,
        };
        for lang in [Lang::En, Lang::Ko] {
            let rows = explain(&r, &known, lang);
            assert_eq!(rows.len(), 14);
            assert!(
                rows.iter().all(|r| !r.meaning.starts_with("explain.")),
                "{rows:?}"
            );
            let dst = rows.iter().find(|r| r.field == "dstaddr").expect("dstaddr");
            assert!(dst.meaning.contains("203.0.113.9"), "{}", dst.meaning);
        }
        let rows = explain(&r, &known, Lang::En);
        let proto = rows
            .iter()
            .find(|r| r.field == "protocol")
            .expect("protocol");
        assert!(proto.meaning.contains("TCP"));
    }

    #[test]
    fn meanings_follow_the_values_and_the_lab_is_named_only_for_its_own_record() {
        let line = |port: u16, proto: u8| {
            parse(
                &format!("2 123456789010 eni-1 198.51.100.7 10.0.1.4 40000 {port} {proto} 1 40 1418530010 1418530070 REJECT OK"),
                None,
            )
            .expect("parses")
        };
        let meaning = |r: &FlowRecord, known: &Known, field: &str, lang: Lang| {
            explain(r, known, lang)
                .into_iter()
                .find(|row| row.field == field)
                .map(|row| row.meaning)
                .unwrap_or_default()
        };
        let stranger = Known::default();
        for (port, service) in [(22, "SSH"), (443, "HTTPS"), (3389, "RDP")] {
            let m = meaning(&line(port, 6), &stranger, "dstport", Lang::En);
            assert!(m.contains(service) && !m.contains("curl"), "{m}");
        }
        assert!(meaning(&line(53, 17), &stranger, "protocol", Lang::En).contains("UDP"));
        assert!(meaning(&line(0, 1), &stranger, "protocol", Lang::En).contains("ICMP"));
        assert!(!meaning(&line(80, 6), &stranger, "srcaddr", Lang::En).contains("your own"));
        let lab = Known {
            lab_request: true,
            ..Known::default()
        };
        assert!(meaning(&line(80, 6), &lab, "dstport", Lang::En).contains("curl"));
        assert!(meaning(&line(80, 6), &lab, "srcaddr", Lang::En).contains("your own"));
        // In the sandbox nothing crossed the internet: no claim that only AWS makes true.
        let sandbox = Known {
            sandbox: true,
            ..lab.clone()
        };
        for lang in [Lang::En, Lang::Ko] {
            let said = meaning(&line(80, 6), &sandbox, "srcaddr", lang);
            assert!(
                said.contains("this computer") || said.contains("이 컴퓨터"),
                "{said}"
            );
        }
        // The record's times are dated (in the machine's zone, with UTC).
        let start = meaning(&line(80, 6), &stranger, "start", Lang::Ko);
        assert!(start.contains("04:06:50 UTC"), "{start}");
    }

    #[test]
    fn a_line_that_does_not_fit_is_an_error() {
        assert!(parse("2 123 eni-1", None).is_err());
        assert!(parse("x", Some("${nope}")).is_err());
    }
}
