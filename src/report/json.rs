//! The JSON verdict, exactly as docs/reference.md ("The JSON contract") promises it to tools.

use crate::engine::Verdict;
use crate::i18n::Lang;
use serde_json::{Value, json};

pub fn verdict(v: &Verdict, lang: Lang) -> Value {
    json!({
        "lesson": v.lesson,
        "account": v.account,
        "region": v.region,
        "status": v.status,
        "score": { "earned": v.earned, "possible": v.possible },
        "error": v.fatal.as_ref().map(|e| e.to_string()),
        "steps": v.steps.iter().map(|s| json!({
            "id": s.id,
            "status": s.status,
            "points": s.points,
            "earned": s.earned,
            "checks": s.findings.iter().map(|f| json!({
                "id": f.id,
                "status": f.status,
                "message": f.message.render(lang),
                "remediation": f.remediation.as_ref().map(|r| r.render(lang)),
                "commands": f.commands(),
                "resource": f.resource,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

pub fn to_string(v: &Verdict, lang: Lang) -> String {
    let mut out = serde_json::to_string_pretty(&verdict(v, lang)).unwrap_or_else(|_| "{}".into());
    out.push('\n');
    out
}
