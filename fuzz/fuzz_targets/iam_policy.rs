//! The IAM policy parser and evaluator on any document, with the requests the lab makes.
#![no_main]

use awslab_iam as iam;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(doc) = iam::parse_document(&text) else { return };
    let mut context = iam::RequestContext::new();
    context.set("aws:SourceAccount", "123456789012");
    let principal = iam::Principal::Service("vpc-flow-logs.amazonaws.com".into());
    for (action, resource, principal) in [
        ("logs:PutLogEvents", Some("arn:aws:logs:ap-northeast-2:123456789012:log-group:MyVpc22-Log:log-stream:eni-1-all"), None),
        ("logs:CreateLogGroup", Some("arn:aws:logs:ap-northeast-2:123456789012:log-group:MyVpc22-Log:log-stream:"), None),
        ("sts:AssumeRole", None, Some(&principal)),
    ] {
        let _ = iam::evaluate(&[&doc], &iam::Request { action, resource, principal, context: &context });
    }
});
