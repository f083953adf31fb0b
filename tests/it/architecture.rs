//! The rules ARCHITECTURE.md states about the source tree, checked on the source itself: no
//! import cycle between top-level modules, every AWS SDK client built in `src/aws/`, no comment
//! pointing outside the repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> (PathBuf, Vec<PathBuf>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 20, "found only {} source files", files.len());
    (root, files)
}

/// The top-level module a file belongs to (`src/steps/role.rs` → `steps`).
fn module_of(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    first
        .unwrap_or_default()
        .trim_end_matches(".rs")
        .to_string()
}

/// Top-level module → the top-level modules it names as `crate::x`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let (root, files) = src();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = module_of(&root, &file);
        if from == "main" || from == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let edges = graph.entry(from.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != from {
                edges.insert(name);
            }
        }
    }
    graph
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let start = path.iter().position(|p| p == next).unwrap_or(0);
                    let mut found = path[start..].to_vec();
                    found.push(next.clone());
                    return Some(found);
                }
                Some(_) => {}
                None => {
                    if let Some(found) = visit(next, graph, state, path) {
                        return Some(found);
                    }
                }
            }
        }
        path.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            if let Some(found) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(found);
            }
        }
    }
    None
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let graph = module_graph();
    assert!(
        graph["steps"].contains("iam"),
        "the graph is read: {graph:?}"
    );
    assert!(
        !graph["steps"].contains("lesson"),
        "step kinds see a Lab, not the lesson"
    );
    assert!(!graph["aws"].contains("cmd"), "{:?}", graph["aws"]);
    assert_eq!(cycle(&graph), None, "{graph:#?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

#[test]
fn aws_sdk_clients_are_built_only_in_src_aws() {
    let (root, files) = src();
    let outside: Vec<String> = files
        .iter()
        .filter(|f| module_of(&root, f) != "aws")
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            ["aws_sdk_", "aws_config::"]
                .iter()
                .any(|p| text.contains(p))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(outside.is_empty(), "SDK use outside src/aws: {outside:?}");
}

#[test]
fn no_comment_points_outside_the_repository() {
    let (_, files) = src();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let comment = line.trim_start();
            if comment.starts_with("//") {
                assert!(
                    !comment.contains("shared/") && !comment.contains("DESIGN.md"),
                    "{}:{}: {line}",
                    file.display(),
                    n + 1
                );
            }
        }
    }
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("ARCHITECTURE.md")
            .exists()
    );
}

/// The crates under `crates/` (the domain): each one's package and its dependency names, from
/// every dependency table of its Cargo.toml (`[dependencies]`, `[dev-dependencies]`,
/// `[build-dependencies]`, and their `[target.*]` forms).
fn domain_crates() -> Vec<(PathBuf, Vec<String>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut crates = Vec::new();
    for entry in entries.flatten() {
        let manifest = entry.path().join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let doc: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let mut tables: Vec<&toml::Table> = vec![&doc];
        if let Some(targets) = doc.get("target").and_then(|t| t.as_table()) {
            tables.extend(targets.values().filter_map(|t| t.as_table()));
        }
        let mut deps = Vec::new();
        for table in tables {
            for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
                if let Some(names) = table.get(kind).and_then(|d| d.as_table()) {
                    deps.extend(names.keys().cloned());
                }
            }
        }
        crates.push((entry.path(), deps));
    }
    crates.sort();
    crates
}

#[test]
fn the_domain_crates_need_no_aws_sdk_no_runtime_and_no_io() {
    let crates = domain_crates();
    let names: Vec<String> = crates
        .iter()
        .filter_map(|(dir, _)| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for expected in ["awslab-iam", "awslab-flow-record", "awslab-net"] {
        assert!(names.iter().any(|n| n == expected), "crates/: {names:?}");
    }
    for (dir, deps) in &crates {
        // The main crate would bring the SDKs back in; the other domain crates may be used.
        let heavy: Vec<&String> = deps
            .iter()
            .filter(|d| {
                d.starts_with("aws-")
                    || d.starts_with("aws_")
                    || d.starts_with("tokio")
                    || ["awslab", "reqwest", "hyper", "futures"].contains(&d.as_str())
            })
            .collect();
        assert!(heavy.is_empty(), "{}: depends on {heavy:?}", dir.display());
        let mut files = Vec::new();
        sources(&dir.join("src"), &mut files);
        assert!(!files.is_empty(), "{}: no sources", dir.display());
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for io in [
                "std::fs",
                "std::env",
                "std::process",
                "std::io::std",
                "TcpStream",
                "TcpListener",
                "UdpSocket",
                "SystemTime",
                "Instant::now",
            ] {
                assert!(!text.contains(io), "{}: uses {io}", file.display());
            }
        }
    }
}
