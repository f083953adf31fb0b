//! What each page lets be seen: a student's page holds that student alone, the anonymized class
//! report nobody at all. The class is made of distinctive names, keys, emails and account ids,
//! so that any of them left on a page is found by searching its whole text.

use super::html::{Class, render, render_anonymous};
use super::student_page;
use crate::i18n::Lang;
use serde_json::{Value, json};

/// A check failing with the student's own account in its message and fix, and the class
/// view's words with a placeholder.
fn failing_check(account: &str) -> Value {
    json!({
        "id": "role.exists", "status": "fail",
        "message": format!("The role arn:aws:iam::{account}:role/my-flowlog-role does not exist."),
        "remediation": format!("aws iam create-role --role-name my-flowlog-role # in {account}"),
        "class": {
            "cause": "role.missing",
            "message": "The role arn:aws:iam::<account-id>:role/my-flowlog-role does not exist.",
            "fix": "aws iam create-role --role-name my-flowlog-role # in <account-id>"
        }
    })
}

fn graded(name: &str, key: &str, email: &str, account: &str, score: u32) -> Value {
    json!({
        "student": name, "key": key, "columns": [["email", email], ["section", "Quokka-Section-9"]],
        "account": account, "region": "ap-northeast-2", "graded_at": "2026-12-03T10:00:00Z",
        "status": "fail", "score": score, "late": true, "late_steps": ["role"],
        "late_detail": [{"step": "role", "at": "2026-12-02T23:59:59Z", "no_credit": false}],
        "undatable": [{"step": "policy", "what": "which policy version is the default"}],
        "error": null,
        "verify": {"status": "fail", "score": {"earned": score, "possible": 100}, "steps": [
            {"id": "policy", "status": "pass", "points": 50, "earned": 50, "checks": [
                {"id": "policy.exists", "status": "pass", "message": "ok", "remediation": null},
                // An older file's failing check: no class view, its words are the student's.
                {"id": "policy.old", "status": "fail",
                 "message": format!("Old words naming {account} and {email}."), "remediation": null}
            ]},
            {"id": "role", "status": "fail", "points": 50, "earned": 0, "checks": [failing_check(account)]}
        ]}
    })
}

/// Two graded students and one whose account could not be read, its error naming it.
fn class_json() -> String {
    json!({
        "lesson": "vpc-flow-logs", "graded_at": "2026-12-03T10:00:00Z",
        "regions": ["ap-northeast-2"], "roster": "Zyxwent-roster.csv", "complete": true,
        "students": [
            graded("Zelda Quasarwick", "S-770011", "zelda.quasar@uni.example", "918273645501", 50),
            graded("Yorick Bramblefoot", "S-770022", "yorick.b@uni.example", "564738291002", 40),
            {
                "student": "Xavier Plumtree", "key": "S-770033", "columns": [["email", "xp@uni.example"]],
                "account": "337799112244", "score": null, "late": false,
                "error": "AccessDenied: arn:aws:iam::337799112244:role/awslab-grader (Xavier Plumtree)",
                "verify": {"status": "error", "score": {"earned": 0, "possible": 100}, "steps": []}
            }
        ],
        "roster_errors": [{"line": 7, "message": "no account for Wanda Thistlecombe"}],
        "skipped": [{"account": "246813579024", "name": "Vera Moonstitch", "reason": "the management account"}]
    })
    .to_string()
}

/// Every name, key, email, roster value and account id in the class.
const SECRETS: &[&str] = &[
    "Zelda",
    "Quasarwick",
    "S-770011",
    "zelda.quasar",
    "918273645501",
    "Yorick",
    "Bramblefoot",
    "S-770022",
    "yorick.b",
    "564738291002",
    "Xavier",
    "Plumtree",
    "S-770033",
    "xp@uni",
    "337799112244",
    "Wanda",
    "Thistlecombe",
    "Vera",
    "Moonstitch",
    "246813579024",
    "Quokka-Section-9",
    "Zyxwent",
];

fn class() -> Class {
    serde_json::from_str(&class_json()).expect("the class parses")
}

fn select(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).expect("selector")
}

#[test]
fn a_students_page_holds_their_data_and_nobody_elses() {
    let class = class();
    let pages = student_page::pages(&class, None, Lang::En);
    assert_eq!(
        pages
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["S-770011.html", "S-770022.html", "S-770033.html"]
    );
    let (_, zelda) = &pages[0];
    let parsed = scraper::Html::parse_document(zelda);
    let field = |name: &str| {
        parsed
            .select(&select(&format!("dd[data-field={name}]")))
            .next()
            .map(|e| e.text().collect::<String>())
            .unwrap_or_else(|| panic!("the {name} field"))
    };
    assert_eq!(field("student"), "Zelda Quasarwick");
    assert_eq!(field("key"), "S-770011");
    assert_eq!(field("account"), "918273645501");
    assert_eq!(field("region"), "ap-northeast-2");
    assert_eq!(field("graded_at"), "2026-12-03T10:00:00Z");
    assert_eq!(field("lesson"), "vpc-flow-logs");
    assert_eq!(field("score"), "50 / 100");
    let steps: Vec<(String, String)> = parsed
        .select(&select("tr[data-step]"))
        .map(|r| {
            let v = r.value();
            (
                v.attr("data-step").unwrap_or("").to_string(),
                v.attr("data-status").unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("policy".into(), "pass".into()),
            ("role".into(), "fail".into())
        ]
    );
    // Their findings in their own ids, with the fix to type.
    let role = parsed
        .select(&select("li[data-check='role.exists']"))
        .next()
        .expect("the failing check")
        .text()
        .collect::<String>();
    assert!(
        role.contains("arn:aws:iam::918273645501:role/my-flowlog-role"),
        "{role}"
    );
    assert!(role.contains("# in 918273645501"), "{role}");
    assert!(!role.contains("<account-id>"), "{role}");
    let late = parsed
        .select(&select("p[data-field=late]"))
        .next()
        .expect("late");
    assert_eq!(
        late.text().collect::<String>(),
        "role (2026-12-02T23:59:59Z)"
    );
    assert!(
        parsed
            .select(&select("p[data-field=undatable]"))
            .next()
            .is_some()
    );
    // No one else's name, key, email or account, and no script at all.
    for other in SECRETS.iter().filter(|s| {
        !s.contains("Zelda")
            && !s.contains("Quasar")
            && !s.contains("770011")
            && !s.contains("zelda")
            && **s != "918273645501"
            && **s != "Quokka-Section-9"
    }) {
        assert!(!zelda.contains(other), "{other} is on Zelda's page");
    }
    assert_eq!(parsed.select(&select("script")).count(), 0);
    assert!(zelda.contains("script-src 'none'"));
    // The one not graded says why, and has no points.
    let (_, xavier) = &pages[2];
    let parsed = scraper::Html::parse_document(xavier);
    let error = parsed
        .select(&select("p[data-field=error]"))
        .next()
        .expect("why not graded")
        .text()
        .collect::<String>();
    assert!(error.contains("AccessDenied"), "{error}");
    assert!(!xavier.contains("Zelda") && !xavier.contains("918273645501"));
}

#[test]
fn a_students_page_is_in_the_users_language() {
    let class = class();
    let pages = student_page::pages(&class, None, Lang::Ko);
    assert!(pages[0].1.contains("<html lang=\"ko\""), "{}", pages[0].1);
    assert!(pages[0].1.contains("살펴볼 항목"));
}

#[test]
fn the_anonymized_report_names_nobody() {
    let json = class_json();
    let page = render_anonymous(&json, None, Lang::En).expect("renders");
    for secret in SECRETS {
        assert!(
            !page.contains(secret),
            "{secret} is in report-anonymous.html"
        );
    }
    let parsed = scraper::Html::parse_document(&page);
    // The class's numbers and the common failure with its fix, in the class view's words.
    assert!(parsed.select(&select("svg.histogram")).next().is_some());
    assert!(parsed.select(&select("ol.steps")).next().is_some());
    assert!(parsed.select(&select("#students")).next().is_none());
    let failing = parsed
        .select(&select("li[data-check='role.exists']"))
        .next()
        .expect("the common failure")
        .text()
        .collect::<String>();
    assert!(
        failing.contains("arn:aws:iam::<account-id>:role/my-flowlog-role"),
        "{failing}"
    );
    assert!(failing.contains("2 students"), "{failing}");
    // An older file's words, without a class view: shown with every id taken out.
    let old = parsed
        .select(&select("li[data-check='policy.old']"))
        .next()
        .expect("the older check")
        .text()
        .collect::<String>();
    assert!(old.contains("Old words naming"), "{old}");
    // The instructor's page names them, so the test would see a name that got through.
    let full = render(&json, None, Lang::En).expect("renders");
    for secret in [
        "Zelda Quasarwick",
        "918273645501",
        "Vera Moonstitch",
        "Zyxwent",
    ] {
        assert!(full.contains(secret), "{secret} is on report.html");
    }
}
