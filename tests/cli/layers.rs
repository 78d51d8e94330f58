//! The layers of `src/`: the lower modules (papers, sources, picking, text helpers) never
//! name a higher one, and `deliver` carries finished bytes without knowing how they were
//! rendered. The check reads the source, so a violation fails here before it becomes a
//! circle in the import graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules every other module may build on.
const LOWER: [&str; 5] = ["paper", "source", "topic", "text", "cadence"];

/// Modules a lower one must never name.
const HIGHER: [&str; 17] = [
    "config",
    "library",
    "profiles",
    "voted",
    "feedback",
    "site",
    "serve",
    "compose",
    "deliver",
    "render",
    "journal",
    "unsubscribe",
    "pages",
    "cmd",
    "exit",
    "error",
    "cli",
];

/// What the couriers and the dispatcher must not know.
const NOT_FOR_DELIVER: [&str; 2] = ["render", "digest"];

/// What rendering must not reach: it turns picks into text, whoever stores or sends them.
const NOT_FOR_RENDER: [&str; 5] = ["journal", "deliver", "pages", "serve", "cmd"];

/// Every rule broken under `src`, as `path:line: ...`.
fn violations(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(src) {
        let text = std::fs::read_to_string(&file).unwrap();
        let relative = file.strip_prefix(src).unwrap();
        let module = module_path(relative);
        let Some(own) = module.first() else { continue };
        let every: Vec<String>;
        let forbidden: Vec<&str> = if own == "text" {
            // The text helpers name nothing of paperboy.
            every = named_modules(&module, &text).into_iter().map(|(_, named)| named).collect();
            every.iter().map(String::as_str).collect()
        } else if LOWER.contains(&own.as_str()) {
            HIGHER.to_vec()
        } else if own == "deliver" {
            NOT_FOR_DELIVER.to_vec()
        } else if own == "render" {
            NOT_FOR_RENDER.to_vec()
        } else {
            continue;
        };
        for (line, named) in named_modules(&module, &text) {
            if named != *own && forbidden.contains(&named.as_str()) {
                found.push(format!(
                    "src/{}:{line}: `{own}` must not name `crate::{named}`",
                    relative.display()
                ));
            }
        }
    }
    found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// `source/fetch.rs` is `[source, fetch]`; `source/mod.rs` and `source.rs` are `[source]`;
/// `lib.rs` and `main.rs` are the root.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> =
        relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
    let file = parts.pop().unwrap();
    let stem = file.trim_end_matches(".rs");
    if !(stem == "mod" || (parts.is_empty() && (stem == "lib" || stem == "main"))) {
        parts.push(stem.to_owned());
    }
    parts
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Other,
}

/// The code's tokens with their lines; comments, strings and characters left out.
fn tokens(text: &str) -> Vec<(usize, Token)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut at, mut line) = (0, 1);
    let count_lines = |from: usize, to: usize, line: &mut usize| {
        *line += chars[from..to].iter().filter(|&&c| c == '\n').count();
    };
    while at < chars.len() {
        let c = chars[at];
        let next = chars.get(at + 1).copied();
        let start = at;
        if c == '\n' {
            line += 1;
            at += 1;
        } else if c.is_whitespace() {
            at += 1;
        } else if c == '/' && next == Some('/') {
            while at < chars.len() && chars[at] != '\n' {
                at += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while at < chars.len() {
                if chars[at] == '/' && chars.get(at + 1) == Some(&'*') {
                    depth += 1;
                    at += 2;
                } else if chars[at] == '*' && chars.get(at + 1) == Some(&'/') {
                    depth -= 1;
                    at += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    at += 1;
                }
            }
            count_lines(start, at, &mut line);
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && raw_string(&chars, at) {
            // r"..." or r#"..."#.
            at += 1;
            let mut hashes = 0;
            while chars[at] == '#' {
                hashes += 1;
                at += 1;
            }
            at += 1;
            loop {
                if chars[at] == '"' && chars[at + 1..].iter().take(hashes).all(|&h| h == '#') {
                    at += 1 + hashes;
                    break;
                }
                at += 1;
            }
            count_lines(start, at, &mut line);
        } else if c == '"' {
            at += 1;
            while chars[at] != '"' {
                at += if chars[at] == '\\' { 2 } else { 1 };
            }
            at += 1;
            count_lines(start, at, &mut line);
        } else if c == '\'' {
            // A character ('x', '\n', '\u{1F600}') or a lifetime ('a).
            if next == Some('\\') {
                at += 2;
                while chars[at] != '\'' {
                    at += 1;
                }
                at += 1;
            } else if chars.get(at + 2) == Some(&'\'') {
                at += 3;
            } else {
                at += 1;
                while at < chars.len() && (chars[at].is_alphanumeric() || chars[at] == '_') {
                    at += 1;
                }
            }
            out.push((line, Token::Other));
        } else if c.is_alphanumeric() || c == '_' {
            while at < chars.len() && (chars[at].is_alphanumeric() || chars[at] == '_') {
                at += 1;
            }
            let word: String = chars[start..at].iter().collect();
            // `b"..."` and `br"..."` are strings: their prefix is no name.
            if !((word == "b" || word == "br") && matches!(chars.get(at), Some('"' | '#'))) {
                out.push((line, Token::Ident(word)));
            }
        } else if c == ':' && next == Some(':') {
            out.push((line, Token::Path));
            at += 2;
        } else {
            out.push((
                line,
                match c {
                    '{' => Token::Open,
                    '}' => Token::Close,
                    ',' => Token::Comma,
                    _ => Token::Other,
                },
            ));
            at += 1;
        }
    }
    out
}

/// Whether `r` at `at` starts a raw string rather than a name such as `r#type` or `r`.
fn raw_string(chars: &[char], at: usize) -> bool {
    let before = at.checked_sub(1).map(|b| chars[b]);
    if before.is_some_and(|b| b.is_alphanumeric() || b == '_') {
        return false;
    }
    let mut next = at + 1;
    while chars.get(next) == Some(&'#') {
        next += 1;
    }
    chars.get(next) == Some(&'"')
}

/// The top-level modules of the crate that `text` (the file of module `module`) names, with
/// the line of each: `crate::x`, `use crate::{x, y::{z}}`, `super::super::x`, in `use` lines
/// and in expressions alike, inside inline modules too.
fn named_modules(module: &[String], text: &str) -> Vec<(usize, String)> {
    let tokens = tokens(text);
    let mut named = Vec::new();
    // Inline `mod name {` blocks, with the brace depth each was opened at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut at = 0;
    while at < tokens.len() {
        let (line, token) = &tokens[at];
        let starts_path = at == 0 || tokens[at - 1].1 != Token::Path;
        match token {
            Token::Open => depth += 1,
            Token::Close => {
                depth -= 1;
                if inline.last().is_some_and(|(_, open)| *open == depth) {
                    inline.pop();
                }
            }
            Token::Ident(word) if word == "mod" => {
                if let (Some((_, Token::Ident(name))), Some((_, Token::Open))) =
                    (tokens.get(at + 1), tokens.get(at + 2))
                {
                    inline.push((name.clone(), depth));
                }
            }
            Token::Ident(word) if starts_path && (word == "crate" || word == "super") => {
                let mut base: Vec<String> = module.to_vec();
                base.extend(inline.iter().map(|(name, _)| name.clone()));
                // `next` ends on the `::` after `crate` or after the last `super`.
                let mut next = at + 1;
                if word == "crate" {
                    base.clear();
                } else {
                    base.pop();
                    while tokens.get(next + 1).is_some_and(|(_, t)| *t == ident("super"))
                        && tokens.get(next + 2).is_some_and(|(_, t)| *t == Token::Path)
                    {
                        base.pop();
                        next += 2;
                    }
                }
                if tokens.get(next).is_some_and(|(_, t)| *t == Token::Path) {
                    for first in first_segments(&tokens, next + 1) {
                        let top = base.first().cloned().unwrap_or(first);
                        named.push((*line, top));
                    }
                    at = next;
                }
            }
            _ => {}
        }
        at += 1;
    }
    named
}

fn ident(word: &str) -> Token {
    Token::Ident(word.to_owned())
}

/// The first segment of the path at `at`, or of each path in the `{...}` group there.
fn first_segments(tokens: &[(usize, Token)], at: usize) -> Vec<String> {
    match tokens.get(at).map(|(_, t)| t) {
        Some(Token::Ident(word)) if word != "self" => vec![word.clone()],
        Some(Token::Open) => {
            let mut firsts = Vec::new();
            let (mut depth, mut item_start) = (0, true);
            for (_, token) in &tokens[at..] {
                match token {
                    Token::Open => depth += 1,
                    Token::Close => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Token::Comma if depth == 1 => item_start = true,
                    Token::Ident(word) if depth == 1 && item_start => {
                        item_start = false;
                        if word != "self" {
                            firsts.push(word.clone());
                        }
                    }
                    _ => item_start = false,
                }
            }
            firsts
        }
        _ => Vec::new(),
    }
}

#[test]
fn lower_layers_never_name_higher_ones_and_deliver_knows_no_rendering() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(found.is_empty(), "layering broken:\n{}", found.join("\n"));
}

/// The top-level modules each top-level module names.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(src) {
        let module = module_path(file.strip_prefix(src).unwrap());
        let Some(own) = module.first() else { continue };
        let text = std::fs::read_to_string(&file).unwrap();
        for (_, named) in named_modules(&module, &text) {
            if named != *own {
                graph.entry(own.clone()).or_default().insert(named);
            }
        }
    }
    graph
}

/// A circle in `graph`, as the modules along it, if there is one.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == at) {
            let mut found = path[start..].to_vec();
            found.push(at.to_owned());
            return Some(found);
        }
        if !done.insert(at.to_owned()) {
            return None;
        }
        path.push(at.to_owned());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(found) = walk(graph, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|start| walk(graph, start, &mut Vec::new(), &mut done))
}

#[test]
fn the_modules_name_each_other_without_a_circle() {
    let graph = module_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(graph.contains_key("cmd") && graph["cmd"].contains("config"), "{graph:?}");
    if let Some(found) = circle(&graph) {
        panic!("the modules name each other in a circle: {}", found.join(" -> "));
    }
}

#[test]
fn a_circle_is_found() {
    let dir = tempfile::tempdir().unwrap();
    for (path, code) in [
        ("render/mod.rs", "use crate::unsubscribe::Links;"),
        ("unsubscribe.rs", "use crate::config::Config;"),
        ("config/mod.rs", "fn f() { crate::render::x(); }"),
        ("cmd/mod.rs", "use crate::config::Config;"),
    ] {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, code).unwrap();
    }
    let found = circle(&module_graph(dir.path())).expect("a circle");
    assert_eq!(found.len(), 4, "{found:?}");
    std::fs::write(dir.path().join("config/mod.rs"), "").unwrap();
    assert_eq!(circle(&module_graph(dir.path())), None);
}

/// A `src/` with one file, checked.
fn planted(path: &str, code: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, code).unwrap();
    violations(dir.path())
}

#[test]
fn every_way_of_naming_a_higher_layer_is_caught() {
    let caught = [
        ("source/fetch.rs", "use crate::config::Config;"),
        ("paper.rs", "use crate::{clock::Clock, deliver::Letter};"),
        ("topic/index.rs", "use crate::{clock::{self, Clock}, render::{view::{A, B}}};"),
        ("text/mod.rs", "fn f() { let _ = crate::error::one_line(\"x\"); }"),
        ("source/fetch.rs", "use super::super::journal::Journal;"),
        ("source/a/b.rs", "fn f() { super::super::super::config::load(); }"),
        ("source/mod.rs", "mod tests { use super::super::cmd::Ctx; }"),
        ("topic/mod.rs", "fn f() -> crate::unsubscribe::Links { todo!() }"),
        ("text/mod.rs", "use crate::{\n    text::x,\n    compose,\n};"),
        ("text/plural.rs", "use crate::paper::Paper;"),
        ("deliver/dispatch.rs", "use crate::digest::Digest;"),
        ("deliver.rs", "fn f(r: &crate::render::Renderer) {}"),
    ];
    for (path, code) in caught {
        let found = planted(path, code);
        assert_eq!(found.len(), 1, "{path}: {code}\n{found:?}");
    }
    assert!(planted("source/mod.rs", "use crate::{clock, paper::Paper};").is_empty());
    assert!(planted("source/mod.rs", "pub(super) fn f() {} pub(crate) fn g() {}").is_empty());
    assert!(planted("source/fetch.rs", "use super::SourceError; use crate::source::x;").is_empty());
    assert!(planted("config/mod.rs", "use crate::deliver::Mailer;").is_empty(), "config is high");
    let quoted =
        "// crate::config\n/* crate::cmd */ fn f() { \"crate::error\"; r#\"crate::journal\"#; }";
    assert!(planted("source/mod.rs", quoted).is_empty(), "comments and strings name nothing");
    let line = planted("paper.rs", "//! a\n\nuse std::fmt;\nuse crate::config::Config;\n");
    assert!(line[0].starts_with("src/paper.rs:4:"), "{line:?}");
}
