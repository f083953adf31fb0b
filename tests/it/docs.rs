//! The documentation holds together: every relative link and `#anchor` in README.md,
//! README.ko.md, ARCHITECTURE.md and docs/**/*.md leads somewhere (the file exists; the anchor
//! is a heading's slug as GitHub makes it, Korean headings included), and every page is there
//! in English and Korean (`x.md` and `x.ko.md`), each linking to the other. The reference agrees
//! with the code it describes: the JSON contract's keys, grades.json's fields, the exit codes;
//! and the READMEs give the test command `.ci/run` runs.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Pages by their path from the repository's root, with `/` between folders.
type Pages = BTreeMap<String, String>;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn markdown_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            markdown_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// The pages this test answers for, read from disk.
fn pages() -> Pages {
    let mut files: Vec<PathBuf> = ["README.md", "README.ko.md", "ARCHITECTURE.md"]
        .iter()
        .map(|f| root().join(f))
        .collect();
    markdown_under(&root().join("docs"), &mut files);
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let name = file
                .strip_prefix(root())
                .unwrap_or(&file)
                .to_string_lossy()
                .replace('\\', "/");
            (name, text)
        })
        .collect()
}

/// A heading's anchor as GitHub makes it: lower case, letters (any script), digits, `-` and
/// `_` kept, each space a `-`, everything else dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// What GitHub's Markdown has beyond CommonMark and changes what a page links to or calls its
/// headings (no smart punctuation: GitHub keeps `--` in a heading as two hyphens).
fn gfm() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Every anchor a page offers: its headings' slugs, a repeated one numbered `-1`, `-2`, … as
/// GitHub numbers them.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let mut heading: Option<String> = None;
    for event in Parser::new_ext(text, gfm()) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(h) = heading.take() {
                    let base = slug(&h);
                    let n = seen.entry(base.clone()).or_insert(0);
                    out.insert(if *n == 0 {
                        base.clone()
                    } else {
                        format!("{base}-{n}")
                    });
                    *n += 1;
                }
            }
            _ => {}
        }
    }
    out
}

/// Every link and image target of a page.
fn targets(text: &str) -> Vec<String> {
    Parser::new_ext(text, gfm())
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(dest_url.to_string())
            }
            _ => None,
        })
        .collect()
}

/// `dir/../x/./y` → `x/y`; `None` when it climbs out of the repository.
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The links of `pages` that lead nowhere, as "page: target (why)". `exists` answers for a
/// path that is not one of the pages (a source file, an image, a folder).
fn broken_links(pages: &Pages, exists: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut broken = Vec::new();
    for (page, text) in pages {
        let dir = page.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        for target in targets(text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                Some(page.clone())
            } else {
                normalise(&format!("{dir}/{path}"))
            };
            let Some(file) = file else {
                broken.push(format!("{page}: {target} (outside the repository)"));
                continue;
            };
            let found = pages.contains_key(&file) || exists(&file);
            if !found {
                broken.push(format!("{page}: {target} (no such file)"));
                continue;
            }
            if let Some(anchor) = anchor {
                match pages.get(&file) {
                    Some(text) if anchors(text).contains(anchor) => {}
                    Some(_) => broken.push(format!("{page}: {target} (no such heading)")),
                    None => broken.push(format!("{page}: {target} (an anchor in a non-page)")),
                }
            }
        }
    }
    broken
}

/// `x.md` ↔ `x.ko.md`.
fn counterpart(page: &str) -> String {
    match page.strip_suffix(".ko.md") {
        Some(stem) => format!("{stem}.md"),
        None => format!("{}.ko.md", page.trim_end_matches(".md")),
    }
}

/// Pages in one language only, or not linking to their other language.
fn unpaired(pages: &Pages) -> Vec<String> {
    let mut problems = Vec::new();
    for (page, text) in pages {
        if !(page.starts_with("docs/") || page.starts_with("README")) {
            continue;
        }
        let other = counterpart(page);
        if !pages.contains_key(&other) {
            problems.push(format!("{page}: no {other}"));
            continue;
        }
        let name = other.rsplit('/').next().unwrap_or(&other);
        if !targets(text).iter().any(|t| t == name) {
            problems.push(format!("{page}: no link to {name}"));
        }
    }
    problems
}

#[test]
fn every_link_and_anchor_in_the_docs_resolves() {
    let pages = pages();
    assert!(
        pages.len() >= 13,
        "found only {} pages: {:?}",
        pages.len(),
        pages.keys()
    );
    let broken = broken_links(&pages, &|file| root().join(file).exists());
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_page_is_in_english_and_korean_and_links_to_the_other() {
    let problems = unpaired(&pages());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn github_slugs_keep_korean_and_drop_punctuation() {
    let text = "# Cleaning up (`awslab cleanup`)\n## 직접 내려받기, 또는 소스에서 빌드\n\
                ## Exit codes\n## Exit codes\n### `run --auto`: no questions\n";
    let want = [
        "cleaning-up-awslab-cleanup",
        "직접-내려받기-또는-소스에서-빌드",
        "exit-codes",
        "exit-codes-1",
        "run---auto-no-questions",
    ];
    assert_eq!(
        anchors(text),
        want.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>()
    );
}

#[test]
fn the_checker_finds_each_kind_of_broken_link() {
    let pages: Pages = [
        (
            "docs/guide.md".to_string(),
            "[한국어](guide.ko.md)\n# Start here\n\
             [ok](#start-here) [ok](guide.ko.md#시작하기) [ok](../src/main.rs) [ok](https://x.test/#y)\n\
             [bad](#no-such) [bad](missing.md) [bad](guide.ko.md#start-here) [bad](../../out.md)\n\
             ![bad](images/none.png) [bad](../src/main.rs#main)\n"
                .to_string(),
        ),
        (
            "docs/guide.ko.md".to_string(),
            "# 시작하기\n본문\n".to_string(),
        ),
        ("docs/alone.md".to_string(), "# Alone\n".to_string()),
    ]
    .into_iter()
    .collect();
    let exists = |file: &str| file == "src/main.rs";
    let broken = broken_links(&pages, &exists);
    assert_eq!(
        broken,
        [
            "docs/guide.md: #no-such (no such heading)",
            "docs/guide.md: missing.md (no such file)",
            "docs/guide.md: guide.ko.md#start-here (no such heading)",
            "docs/guide.md: ../../out.md (outside the repository)",
            "docs/guide.md: images/none.png (no such file)",
            "docs/guide.md: ../src/main.rs#main (an anchor in a non-page)",
        ],
        "{broken:#?}"
    );
    assert_eq!(
        unpaired(&pages),
        [
            "docs/alone.md: no docs/alone.ko.md",
            "docs/guide.ko.md: no link to guide.md"
        ]
    );
}

/// The keys a piece of Rust source gives a `json!` object: every `"key":`.
fn json_keys_in_source(source: &str) -> BTreeSet<String> {
    source
        .split('"')
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[1].trim_start().starts_with(':') && !w[1].trim_start().starts_with("::"))
        .map(|w| w[0].to_string())
        .filter(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect()
}

/// Every key of a JSON value, at any depth.
fn json_keys(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                json_keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| json_keys(v, out)),
        _ => {}
    }
}

/// The text of a page from the heading that starts with `heading` to the next heading of the
/// same or a higher level.
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(&format!("\n{heading}"))
        .unwrap_or_else(|| panic!("no heading {heading:?}"));
    let level = heading.chars().take_while(|c| *c == '#').count();
    let body = &text[start + 1..];
    let end = body[1..]
        .match_indices("\n#")
        .map(|(i, _)| i + 1)
        .find(|&i| body[i + 1..].chars().take_while(|c| *c == '#').count() <= level)
        .unwrap_or(body.len());
    &body[..end]
}

/// The first fenced JSON block of a text, parsed.
fn first_json_block(text: &str) -> serde_json::Value {
    let block = text
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("no ```json block in:\n{text}"));
    serde_json::from_str(block).unwrap_or_else(|e| panic!("{e}:\n{block}"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_json_contract_names_every_key_the_code_writes() {
    let code = json_keys_in_source(&read("src/report/json.rs"));
    for page in ["docs/reference.md", "docs/reference.ko.md"] {
        let text = read(page);
        let example = first_json_block(section(&text, "### verify --format json"));
        let mut documented = BTreeSet::new();
        json_keys(&example, &mut documented);
        assert_eq!(
            documented, code,
            "{page}: the verify example against src/report/json.rs"
        );
    }

    let report = read("src/grade/report.rs");
    let start = report
        .find("pub fn document")
        .expect("grade::report::document");
    let end = report[start..]
        .find("/// A document as written to disk.")
        .map(|i| start + i)
        .expect("the end of grade::report::student");
    let mut code = json_keys_in_source(&report[start..end]);
    let skipped = read("src/grade/organization.rs");
    let to_json = skipped.find("pub fn to_json").expect("Skipped::to_json");
    code.extend(json_keys_in_source(&skipped[to_json..to_json + 300]));
    assert!(code.len() > 25, "found only {code:?}");
    for page in ["docs/reference.md", "docs/reference.ko.md"] {
        let text = read(page);
        let grades = section(&text, "### grades.json");
        let words: BTreeSet<&str> = grades
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        let missing: Vec<&String> = code
            .iter()
            .filter(|k| !words.contains(k.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "{page}: grades.json fields not described: {missing:?}"
        );
    }
}

#[test]
fn the_exit_codes_are_those_of_src_exit_rs() {
    let code: BTreeSet<String> = read("src/exit.rs")
        .lines()
        .filter_map(|l| l.trim().strip_suffix(',')?.split_once(" = "))
        .map(|(_, n)| n.to_string())
        .collect();
    assert_eq!(code.len(), 5, "{code:?}");
    for (page, heading) in [
        ("ARCHITECTURE.md", "## Exit codes"),
        ("docs/reference.md", "## Exit codes"),
        ("docs/reference.ko.md", "## 종료 코드"),
    ] {
        let text = read(page);
        let documented: BTreeSet<String> = section(&text, heading)
            .lines()
            .filter_map(|l| l.strip_prefix("| ")?.split_once(" |"))
            .map(|(n, _)| n.to_string())
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
            .collect();
        assert_eq!(documented, code, "{page}");
    }
}

#[test]
fn the_readmes_test_command_is_what_ci_runs() {
    let ci = read(".ci/run");
    assert!(ci.lines().any(|l| l == "./scripts/test.sh"), "{ci}");
    for page in ["README.md", "README.ko.md"] {
        let text = read(page);
        assert!(
            text.lines().any(|l| l == "./scripts/test.sh"),
            "{page} does not give the test command .ci/run runs"
        );
        assert!(text.lines().any(|l| l == "cargo run -- run"), "{page}");
    }
}
