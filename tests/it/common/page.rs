//! report.html and report.md read as a browser and a Markdown viewer read them (html5ever through
//! scraper, pulldown-cmark), checked against grades.json: every number on the page is the one
//! in the file, and nothing from an account became markup.

use scraper::{ElementRef, Html, Selector};
use serde_json::Value;

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"))
}

fn attr<'a>(e: &ElementRef<'a>, name: &str) -> &'a str {
    e.value()
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} on {}", e.html()))
}

fn text(e: &ElementRef) -> String {
    e.text().collect::<String>()
}

pub fn parse(html: &str) -> Html {
    let doc = Html::parse_document(html);
    assert!(
        doc.errors.is_empty(),
        "report.html is not well-formed HTML: {:?}",
        doc.errors
    );
    doc
}

fn is_done(status: &str) -> bool {
    matches!(status, "pass" | "warn" | "tip")
}

/// Everything the page may hold: its one script, its own inline SVG, no handler, no link out.
pub fn assert_inert(doc: &Html) {
    let scripts: Vec<ElementRef> = doc.select(&sel("script")).collect();
    assert_eq!(scripts.len(), 1, "one script, the page's own");
    assert!(scripts[0].value().attr("src").is_none());
    for e in doc.select(&sel("*")) {
        for (name, value) in e.value().attrs() {
            assert!(
                !name.starts_with("on"),
                "event handler {name} on <{}>",
                e.value().name()
            );
            // Attributes that load, navigate or style: the page needs none of them, so one is
            // something from an account that got out of its text.
            assert!(
                ![
                    "href",
                    "src",
                    "srcset",
                    "action",
                    "formaction",
                    "xlink:href",
                    "poster",
                    "background",
                    "style"
                ]
                .contains(&name),
                "{name}={value} on <{}>",
                e.value().name()
            );
        }
        assert!(
            ![
                "img",
                "iframe",
                "object",
                "embed",
                "link",
                "a",
                "form",
                "base",
                "foreignObject"
            ]
            .contains(&e.value().name()),
            "<{}> on the page",
            e.value().name()
        );
    }
    let policy = doc
        .select(&sel("meta[http-equiv=Content-Security-Policy]"))
        .next()
        .expect("a Content-Security-Policy");
    assert!(attr(&policy, "content").starts_with("default-src 'none'"));
}

/// Every number the page shows equals grades.json's.
pub fn assert_matches_grades(html: &str, grades: &Value) {
    let doc = parse(html);
    assert_inert(&doc);
    let students = grades["students"].as_array().expect("students");
    let readable: Vec<&Value> = students.iter().filter(|s| s["error"].is_null()).collect();

    let card = |field: &str| {
        let e = doc
            .select(&sel(&format!("dd[data-field={field}]")))
            .next()
            .unwrap_or_else(|| panic!("no {field} card"));
        text(&e)
    };
    assert_eq!(
        card("graded"),
        format!("{} / {}", readable.len(), students.len())
    );
    let mean = if readable.is_empty() {
        0.0
    } else {
        readable
            .iter()
            .map(|s| s["score"].as_f64().unwrap_or(0.0))
            .sum::<f64>()
            / readable.len() as f64
    };
    assert_eq!(card("mean"), format!("{mean:.1}"));
    let count = |f: &dyn Fn(&Value) -> bool| students.iter().filter(|s| f(s)).count().to_string();
    assert_eq!(card("passed"), count(&|s| s["verify"]["status"] == "pass"));
    assert_eq!(card("late"), count(&|s| s["late"] == true));
    assert_eq!(card("unreadable"), count(&|s| !s["error"].is_null()));
    assert_eq!(
        card("skipped"),
        grades["skipped"].as_array().map_or(0, Vec::len).to_string()
    );

    // The histogram: each bar the readable scores within its bounds, all of them once.
    let mut in_bars = 0;
    for bar in doc.select(&sel("svg.histogram rect.bar")) {
        let low: u64 = attr(&bar, "data-low").parse().expect("low");
        let high: u64 = attr(&bar, "data-high").parse().expect("high");
        let n: usize = attr(&bar, "data-count").parse().expect("count");
        let expected = readable
            .iter()
            .filter(|s| (low..=high).contains(&s["score"].as_u64().unwrap_or(0)))
            .count();
        assert_eq!(n, expected, "bar {low}–{high}");
        in_bars += n;
    }
    assert_eq!(in_bars, readable.len());

    // Step completion.
    let steps: Vec<ElementRef> = doc.select(&sel("ol.steps li")).collect();
    for (i, li) in steps.iter().enumerate() {
        let done = li.select(&sel("rect.done")).next().expect("bar");
        let expected = readable
            .iter()
            .filter(|s| is_done(s["verify"]["steps"][i]["status"].as_str().unwrap_or("")))
            .count();
        assert_eq!(attr(&done, "data-done"), expected.to_string(), "step {i}");
        assert_eq!(attr(&done, "data-of"), readable.len().to_string());
    }

    // The most common failing checks, grouped by cause: each group's students fail that check
    // for that cause (its `class.cause` in grades.json), and the groups of one check add up to
    // every readable student it affects.
    let mut per_check: std::collections::BTreeMap<String, usize> = Default::default();
    let failing_checks = |s: &Value| -> Vec<Value> {
        s["verify"]["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|st| st["checks"].as_array().into_iter().flatten())
            .filter(|c| c["status"] == "fail" || c["status"] == "pending")
            .cloned()
            .collect()
    };
    let cause_of = |c: &Value| {
        c["class"]["cause"]
            .as_str()
            .or_else(|| c["message"].as_str())
            .unwrap_or("")
            .to_string()
    };
    let groups: Vec<ElementRef> = doc.select(&sel("ol.failing > li")).collect();
    for li in &groups {
        let id = attr(li, "data-check");
        let cause = attr(li, "data-cause");
        let expected = readable
            .iter()
            .filter(|s| {
                failing_checks(s)
                    .iter()
                    .any(|c| c["id"] == id && cause_of(c) == cause)
            })
            .count();
        assert_eq!(attr(li, "data-count"), expected.to_string(), "{id} {cause}");
        *per_check.entry(id.to_string()).or_default() += expected;
        assert_eq!(li.select(&sel(".who")).count(), 1);
    }
    if groups.len() < 10 {
        for (id, n) in &per_check {
            let expected = readable
                .iter()
                .filter(|s| failing_checks(s).iter().any(|c| c["id"] == id.as_str()))
                .count();
            assert!(
                *n >= expected,
                "{id}: groups hold {n} of {expected} students"
            );
        }
    }

    // The table: a row per student, in order, with each step's status and points.
    let rows: Vec<ElementRef> = doc.select(&sel("#students tbody tr.student")).collect();
    assert_eq!(rows.len(), students.len());
    for (row, s) in rows.iter().zip(students) {
        let name = row.select(&sel("td.name")).next().expect("name");
        assert_eq!(text(&name), s["student"].as_str().unwrap_or(""));
        let score = row
            .select(&sel("td[data-field=score]"))
            .next()
            .expect("score");
        // Not graded is not zero: no points, sorted below every graded student.
        let sort = if s["score"].is_null() {
            "-1".to_string()
        } else {
            s["score"].to_string()
        };
        assert_eq!(attr(&score, "data-sort"), sort);
        let cells: Vec<ElementRef> = row.select(&sel("td[data-step]")).collect();
        let steps = s["verify"]["steps"].as_array().expect("steps");
        assert_eq!(cells.len(), steps.len());
        for (cell, step) in cells.iter().zip(steps) {
            assert_eq!(attr(cell, "data-step"), step["id"].as_str().unwrap_or(""));
            assert_eq!(
                attr(cell, "data-status"),
                step["status"].as_str().unwrap_or("")
            );
            assert_eq!(attr(cell, "data-earned"), step["earned"].to_string());
        }
        let late = row
            .select(&sel("td[data-field=late]"))
            .next()
            .expect("late");
        assert_eq!(
            attr(&late, "data-sort"),
            if s["late"] == true { "1" } else { "0" }
        );
    }
}

/// The page's text for `selector`, joined.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    Html::parse_document(html)
        .select(&sel(selector))
        .map(|e| text(&e))
        .collect()
}

/// report.md as a Markdown viewer shows it, as HTML.
pub fn markdown_as_html(md: &str) -> String {
    let mut out = String::new();
    let options =
        pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH;
    pulldown_cmark::html::push_html(&mut out, pulldown_cmark::Parser::new_ext(md, options));
    out
}
