//! The rules ARCHITECTURE.md states about the source tree, checked on the source itself: no
//! import cycle between top-level modules nor between the modules inside any folder, every AWS
//! SDK client built in `src/aws/`, no comment pointing outside the repository.

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

/// Module → the modules it names, among the modules of one folder.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The module a file under `src/` defines: `steps/role.rs` → `[steps, role]`, `steps/mod.rs` →
/// `[steps]`, `lib.rs` → `[]`.
fn module_path(rel: &str) -> Vec<String> {
    let rel = rel.trim_end_matches(".rs");
    let mut path: Vec<String> = rel.split('/').map(str::to_string).collect();
    if path.last().is_some_and(|l| l == "mod" || l == "lib") {
        path.pop();
    }
    path
}

/// `text` with comments, string and character literals blanked out, so that what is left of
/// braces and paths is code.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let start = i;
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && (i == 0 || !ident(chars[i - 1]) || chars[i - 1] == 'b')
        {
            let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
            if chars.get(i + 1 + hashes) == Some(&'"') {
                i += 2 + hashes;
                let close: String = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                while i < chars.len() && !chars[i..].iter().collect::<String>().starts_with(&close)
                {
                    i += 1;
                }
                i += close.chars().count();
            } else {
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
            continue;
        }
        let end = i.min(chars.len());
        out.extend(
            chars[start..end]
                .iter()
                .map(|c| if *c == '\n' { '\n' } else { ' ' }),
        );
    }
    out
}

/// Identifiers, `::` and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut word = c.to_string();
            while let Some(&n) = chars.peek().filter(|n| n.is_alphanumeric() || **n == '_') {
                word.push(n);
                chars.next();
            }
            out.push(word);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            out.push("::".to_string());
        } else if !c.is_whitespace() {
            out.push(c.to_string());
        }
    }
    out
}

/// The paths a `use` tree or an inline path starting at `tokens[*i]` names, each made absolute
/// from `prefix`: `super::{a, b::{c, self}}` gives `a`, `b::c` and `b`. Leaves `*i` after it.
fn path_tree(tokens: &[String], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut path = prefix;
    loop {
        match tokens.get(*i).map(String::as_str) {
            Some("{") => {
                *i += 1;
                while *i < tokens.len() && tokens[*i] != "}" {
                    if tokens[*i] == "," {
                        *i += 1;
                    } else if tokens[*i] == "self" || tokens[*i] == "*" {
                        out.push(path.clone());
                        *i += 1;
                    } else {
                        path_tree(tokens, i, path.clone(), out);
                        // Skip what follows an element (`as name`) up to its end.
                        while *i < tokens.len() && tokens[*i] != "," && tokens[*i] != "}" {
                            *i += 1;
                        }
                    }
                }
                *i += 1;
                return;
            }
            Some("super") => {
                path.pop();
            }
            Some("*") => {}
            Some(word) if word.chars().all(|c| c.is_alphanumeric() || c == '_') => {
                path.push(word.to_string());
            }
            _ => break,
        }
        *i += 1;
        if tokens.get(*i).map(String::as_str) == Some("::") {
            *i += 1;
        } else {
            break;
        }
    }
    out.push(path);
}

/// Whether `tokens[..at]` ends with `#[cfg(test)]` and an optional `pub`/`pub(crate)`: the item
/// at `at` is test code.
fn test_only(tokens: &[String], at: usize) -> bool {
    let mut end = at;
    if end >= 4 && tokens[end - 4..end] == ["pub", "(", "crate", ")"] {
        end -= 4;
    } else if end >= 1 && tokens[end - 1] == "pub" {
        end -= 1;
    }
    end >= 7 && tokens[end - 7..end] == ["#", "[", "cfg", "(", "test", ")", "]"]
}

/// The modules a file declares as test code (`#[cfg(test)] mod fixtures;`), as module paths.
/// Tests share helpers with the code they test and may name each other's modules: only the
/// code that ships is held to the rule of no circles.
fn test_modules(module: &[String], text: &str) -> Vec<Vec<String>> {
    let tokens = tokens(&code_only(text));
    (0..tokens.len())
        .filter(|&i| tokens[i] == "mod" && tokens.get(i + 2).is_some_and(|t| t == ";"))
        .filter(|&i| test_only(&tokens, i))
        .map(|i| {
            let mut path = module.to_vec();
            path.push(tokens[i + 1].clone());
            path
        })
        .collect()
}

/// Every module path a file names through `crate::`, `super::` or `self::`, each with the
/// module it is named from (an inline `mod x { … }` is a module of its own; an inline
/// `#[cfg(test)] mod tests { … }` is test code, and left out).
fn named_paths(module: &[String], text: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let tokens = tokens(&code_only(text));
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let here: Vec<String> = module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(m, _)| m.clone()))
            .collect();
        let token = tokens[i].as_str();
        let after_path = i > 0 && tokens[i - 1] == "::";
        let starts_path = tokens.get(i + 1).is_some_and(|t| t == "::");
        match token {
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t == "{") && test_only(&tokens, i) => {
                // Skip the test module to its closing brace.
                let mut open = 0usize;
                i += 2;
                while i < tokens.len() {
                    match tokens[i].as_str() {
                        "{" => open += 1,
                        "}" => {
                            open -= 1;
                            if open == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t == "{") => {
                inline.push((tokens[i + 1].clone(), depth + 1));
                depth += 1;
                i += 3;
                continue;
            }
            "crate" | "super" | "self" if starts_path && !after_path => {
                let start = match token {
                    "crate" => Vec::new(),
                    "super" => here[..here.len().saturating_sub(1)].to_vec(),
                    _ => here.clone(),
                };
                i += 2;
                let mut paths = Vec::new();
                path_tree(&tokens, &mut i, start, &mut paths);
                out.extend(paths.into_iter().map(|p| (here.clone(), p)));
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Folder (`""` for `src/` itself, `steps`, `cmd/cleanup`) → the graph of the modules inside it
/// that name each other, from `(path under src/, text)` of every file. A module naming its own
/// parent or child is not an edge: only siblings can import each other in a circle. Below the
/// top, a name counts only when a file defines it as a module (a type in `mod.rs` is no node).
fn import_graphs(files: &[(String, String)]) -> BTreeMap<String, Graph> {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(f, _)| module_path(f)).collect();
    let tests: Vec<Vec<String>> = files
        .iter()
        .flat_map(|(f, text)| test_modules(&module_path(f), text))
        .collect();
    let mut graphs: BTreeMap<String, Graph> = BTreeMap::new();
    for (file, text) in files {
        let module = module_path(file);
        if file == "main.rs" || tests.iter().any(|t| module.starts_with(t)) {
            continue;
        }
        if let Some((_, parent)) = module.split_last() {
            graphs
                .entry(parent.join("/"))
                .or_default()
                .entry(module[parent.len()].clone())
                .or_default();
        }
        for (from, to) in named_paths(&module, text) {
            let shared = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if shared >= from.len() || shared >= to.len() {
                continue;
            }
            if shared > 0 && !modules.contains(&to[..=shared]) {
                continue;
            }
            graphs
                .entry(from[..shared].join("/"))
                .or_default()
                .entry(from[shared].clone())
                .or_default()
                .insert(to[shared].clone());
        }
    }
    graphs
}

/// The import graphs of the crate's own source.
fn module_graphs() -> BTreeMap<String, Graph> {
    let (root, files) = src();
    let files: Vec<(String, String)> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(&root).unwrap_or(f);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, text)
        })
        .collect();
    import_graphs(&files)
}

fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
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

/// The cycles of every folder, named as a person finds them: `src/steps: removal → flow_log →
/// removal`. Once a cycle is found its closing edge is set aside, so that the next is found too.
fn cycles(graphs: &BTreeMap<String, Graph>) -> Vec<String> {
    let mut out = Vec::new();
    for (folder, graph) in graphs {
        let folder = if folder.is_empty() {
            "src".to_string()
        } else {
            format!("src/{folder}")
        };
        let mut graph = graph.clone();
        while let Some(found) = cycle(&graph) {
            out.push(format!("{folder}: {}", found.join(" → ")));
            if let [.., from, to] = found.as_slice() {
                if let Some(edges) = graph.get_mut(from) {
                    edges.remove(to);
                }
            }
        }
    }
    out
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    let graphs = module_graphs();
    let graph = &graphs[""];
    assert!(
        graph["steps"].contains("iam"),
        "the graph is read: {graph:?}"
    );
    assert!(
        !graph["steps"].contains("lesson"),
        "step kinds see a Lab, not the lesson"
    );
    assert!(!graph["aws"].contains("cmd"), "{:?}", graph["aws"]);
    assert_eq!(cycle(graph), None, "{graph:#?}");
}

#[test]
fn modules_inside_a_folder_import_each_other_without_cycles() {
    let graphs = module_graphs();
    assert!(
        graphs["steps"]["traffic"].contains("flow_log"),
        "the folders' graphs are read: {:?}",
        graphs["steps"]
    );
    assert!(
        graphs.contains_key("cmd/cleanup"),
        "nested folders are read"
    );
    let found = cycles(&graphs);
    assert!(found.is_empty(), "import cycles: {found:#?}");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}

fn made_up(files: &[(&str, &str)]) -> BTreeMap<String, Graph> {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    import_graphs(&files)
}

#[test]
fn test_code_may_share_helpers_with_the_modules_it_tests() {
    // fixtures (test code) names kinds; kinds' tests, inline and in a file, name fixtures.
    let graphs = made_up(&[
        ("lib.rs", "pub mod steps;"),
        (
            "steps/mod.rs",
            "pub mod kinds;\npub mod other;\n#[cfg(test)]\npub(crate) mod fixtures;",
        ),
        (
            "steps/kinds.rs",
            "pub struct Observed;\n#[cfg(test)]\nmod check_tests;\n\
             #[cfg(test)]\nmod tests { use crate::steps::fixtures::lab; }",
        ),
        (
            "steps/kinds/check_tests.rs",
            "use crate::steps::fixtures::*;",
        ),
        (
            "steps/fixtures.rs",
            "use super::kinds::Observed;\npub fn lab() {}",
        ),
        // Not test code: this one still counts.
        ("steps/other.rs", "use super::kinds::Observed;"),
    ]);
    assert_eq!(cycles(&graphs), Vec::<String>::new());
    assert!(graphs["steps"]["other"].contains("kinds"), "{graphs:?}");
    assert!(!graphs["steps"].contains_key("fixtures"), "{graphs:?}");
}

#[test]
fn a_cycle_inside_a_folder_is_found_through_every_way_of_naming_a_module() {
    // kinds → removal through a `use` group, removal → kinds through an inline path.
    let graphs = made_up(&[
        ("lib.rs", "pub mod steps;"),
        (
            "steps/mod.rs",
            "pub mod kinds;\npub mod removal;\npub struct Lab;",
        ),
        (
            "steps/kinds.rs",
            "use super::{Lab, removal::{self, Target}};\nfn f() {}",
        ),
        (
            "steps/removal.rs",
            "pub enum Target {}\nfn plan() { super::kinds::f(); }",
        ),
    ]);
    assert_eq!(
        cycles(&graphs),
        vec!["src/steps: kinds → removal → kinds".to_string()]
    );
    // The same through `crate::steps::x` and, from a nested folder, `super::super::x`.
    let graphs = made_up(&[
        ("steps/mod.rs", ""),
        ("steps/a.rs", "use crate::steps::b::B;"),
        ("steps/b/mod.rs", "pub struct B;"),
        ("steps/b/inner.rs", "fn f() { super::super::a::g() }"),
    ]);
    assert_eq!(cycles(&graphs), vec!["src/steps: a → b → a".to_string()]);
}

#[test]
fn parents_children_comments_strings_and_test_modules_make_no_cycle() {
    let graphs = made_up(&[
        (
            "steps/mod.rs",
            "pub mod a;\npub mod b;\npub struct Lab;\nfn f() { a::x(); self::b::y(); }",
        ),
        (
            "steps/a.rs",
            "use super::{Lab, b};\n// super::b uses super::a, says a comment\nfn x() {}",
        ),
        (
            "steps/b.rs",
            "use super::Lab;\nconst S: &str = \"super::a::x\";\nconst R: &str = r#\"crate::steps::a\"#;\n\
             fn y() { let _c = '{'; }\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
    ]);
    assert_eq!(cycles(&graphs), Vec::<String>::new(), "{graphs:#?}");
    assert_eq!(
        graphs["steps"],
        Graph::from([
            ("a".to_string(), BTreeSet::from(["b".to_string()])),
            ("b".to_string(), BTreeSet::new()),
        ])
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
