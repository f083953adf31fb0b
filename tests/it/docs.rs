//! The documentation holds together: every relative link and `#anchor` in README.md,
//! README.ko.md, ARCHITECTURE.md and docs/**/*.md leads somewhere (the file exists; the anchor
//! is a heading's slug as GitHub makes it, Korean headings included), and every page is there
//! in English and Korean (`x.md` and `x.ko.md`), each linking to the other.

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
        ["docs/alone.md: no docs/alone.ko.md", "docs/guide.ko.md: no link to guide.md"]
    );
}
