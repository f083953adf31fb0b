//! The flow record parser on any input: the first line is a LogFormat, the rest a record.
#![no_main]

use awslab_flow_record as flow_record;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (format, line) = text.split_once('\n').unwrap_or(("", &text));
    let format = flow_record::LogFormat::parse(format).unwrap_or_default();
    if let Ok(r) = flow_record::FlowRecord::parse(&format, line) {
        let _ = (r.action(), r.protocol(), r.srcaddr(), r.dstaddr(), r.dstport(), r.start());
        let _ = serde_json::to_string(&r);
    }
});
