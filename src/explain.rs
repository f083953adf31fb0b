//! A flow log record, field by field, in words: what `awslab explain` prints and what the
//! wizard shows when the access record arrives.

use crate::flow_record::{FlowRecord, LogFormat, protocol_name};
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
}

/// One explained field: name, value (`-` when empty) and the sentence about it.
#[derive(Debug, Clone, serde::Serialize)]
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
            Text::new("explain.dstaddr-private")
                .arg("public_ip", known.public_ip.as_deref().unwrap_or("?"))
        }
        "protocol" => Text::new("explain.protocol").arg(
            "name",
            v.parse::<u8>().ok().and_then(protocol_name).unwrap_or("?"),
        ),
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
            v.parse::<i64>().map(crate::time::utc).unwrap_or_default(),
        ),
        _ => match KNOWN.iter().find(|(f, _)| *f == field) {
            Some((_, key)) => Text::new(key),
            None => Text::new("explain.other"),
        },
    }
}

/// Catalogue keys of the fields' plain meanings.
const KNOWN: &[(&str, &str)] = &[
    ("version", "explain.version"),
    ("account-id", "explain.account-id"),
    ("interface-id", "explain.interface-id"),
    ("srcaddr", "explain.srcaddr"),
    ("dstaddr", "explain.dstaddr"),
    ("srcport", "explain.srcport"),
    ("dstport", "explain.dstport"),
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
pub fn table(rows: &[Explained], lang: Lang) -> String {
    use crate::report::{pad, width};
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
    for r in rows {
        let value = r.value.as_deref().unwrap_or("-");
        let _ = writeln!(
            out,
            "  {}  {}  {}",
            pad(&r.field.cyan().to_string(), name_w),
            pad(value, value_w),
            r.meaning
        );
    }
    out
}

/// Parses a record line with a format given as text (default: version 2).
pub fn parse(line: &str, format: Option<&str>) -> Result<FlowRecord, String> {
    let format = match format {
        Some(f) => LogFormat::parse(f).map_err(|e| e.to_string())?,
        None => LogFormat::default_v2(),
    };
    FlowRecord::parse(&format, line).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_line_that_does_not_fit_is_an_error() {
        assert!(parse("2 123 eni-1", None).is_err());
        assert!(parse("x", Some("${nope}")).is_err());
    }
}
