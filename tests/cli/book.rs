//! The book in `docs/src` and the README that points into it: every internal link names a
//! file that exists and, after `#`, a heading that file has, and every chapter is in
//! `SUMMARY.md`. CI builds the book with mdbook, which reports neither; this checks them
//! without mdbook-linkcheck, whose install would cost CI several minutes. And no table cell
//! leaves a code span open, which mdbook shows as stray backticks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The markdown outside fenced code blocks, line by line with 1-based numbers.
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push((index + 1, line));
        }
    }
    lines
}

/// The anchor mdbook (and GitHub) give a heading: lowercase, spaces to `-`, punctuation out.
fn anchor(heading: &str) -> String {
    let text = without_links(heading);
    text.chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c.to_ascii_lowercase()),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// `[text](target)` becomes `text`.
fn without_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some((before, after)) = rest.split_once("](") {
        out.push_str(&before.replace('[', ""));
        rest = after.split_once(')').map_or("", |(_, tail)| tail);
    }
    out.push_str(&rest.replace('[', ""));
    out
}

/// The anchors of a markdown file's headings, with `-1`, `-2`, ... for repeats as mdbook does.
fn anchors(text: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut anchors = Vec::new();
    for (_, line) in prose(text) {
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if hashes == 0 || hashes > 6 || !line[hashes..].starts_with(' ') {
            continue;
        }
        let id = anchor(line[hashes..].trim());
        let count = seen.entry(id.clone()).or_insert(0);
        anchors.push(if *count == 0 { id.clone() } else { format!("{id}-{count}") });
        *count += 1;
    }
    anchors
}

/// Every `[text](target)` and `![alt](target)` outside code: (line, target).
fn links(text: &str) -> Vec<(usize, String)> {
    let mut links = Vec::new();
    for (number, line) in prose(text) {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let tail = &rest[at + 2..];
            let Some(end) = tail.find(')') else { break };
            links.push((number, tail[..end].to_owned()));
            rest = &tail[end..];
        }
    }
    links
}

/// The problems of the internal links in `file`.
fn broken_links(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let shown = file.strip_prefix(root()).unwrap_or(file).display().to_string();
    let mut problems = Vec::new();
    for (line, target) in links(&text) {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, fragment) = target.split_once('#').unwrap_or((&target, ""));
        let target_file =
            if path.is_empty() { file.to_owned() } else { file.parent().unwrap().join(path) };
        if !target_file.exists() {
            problems.push(format!("{shown}:{line}: `{target}`: no file {}", target_file.display()));
            continue;
        }
        if !fragment.is_empty() {
            let target_text = std::fs::read_to_string(&target_file).unwrap();
            if !anchors(&target_text).iter().any(|a| a == fragment) {
                problems.push(format!("{shown}:{line}: `{target}`: no heading `#{fragment}`"));
            }
        }
    }
    problems
}

fn chapters() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("docs/src"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_internal_link_of_the_book_and_the_readme_resolves() {
    let mut files = chapters();
    files.push(root().join("README.md"));
    let problems: Vec<String> = files.iter().flat_map(|file| broken_links(file)).collect();
    assert!(problems.is_empty(), "broken links:\n{}", problems.join("\n"));
}

#[test]
fn every_chapter_is_in_the_summary() {
    let summary = std::fs::read_to_string(root().join("docs/src/SUMMARY.md")).unwrap();
    let listed: Vec<String> = links(&summary).into_iter().map(|(_, target)| target).collect();
    for chapter in chapters() {
        let name = chapter.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name == "SUMMARY.md" || listed.contains(&name),
            "docs/src/{name} is not in SUMMARY.md, so the book leaves it out"
        );
    }
    // mdbook refuses to build a summary that lists a chapter twice.
    let mut seen = std::collections::HashSet::new();
    for name in &listed {
        assert!(seen.insert(name), "SUMMARY.md lists {name} twice");
    }
}

#[test]
fn the_link_check_finds_what_it_is_for() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.md");
    let text = "# Exit statuses\n\n## The `send` run\n\n```sh\n# not a heading\n```\n\
                [ok](#exit-statuses) [ok](#the-send-run) [gone](#not-a-heading) [missing](other.md)\n";
    std::fs::write(&page, text).unwrap();
    assert_eq!(anchors(text), ["exit-statuses", "the-send-run"]);
    let problems = broken_links(&page);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("`#not-a-heading`: no heading"), "{problems:#?}");
    assert!(problems[1].contains("`other.md`: no file"), "{problems:#?}");
    assert_eq!(anchor("Relays, DKIM and shards"), "relays-dkim-and-shards");
    assert_eq!(anchor("[Records](x.md) and `ids`"), "records-and-ids");
}

/// The rows `| <status> | meaning |` under a file's `## Exit statuses`.
fn exit_status_rows(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let section = text.split("\n## Exit statuses\n").nth(1).unwrap_or_else(|| panic!("{file}"));
    let section = section.split("\n#").next().unwrap();
    let is_row = |line: &&str| {
        let cell = line.strip_prefix("| ").and_then(|rest| rest.split_once(" |"));
        cell.is_some_and(|(status, _)| status.bytes().all(|b| b.is_ascii_digit()))
    };
    section.lines().filter(is_row).map(str::to_owned).collect()
}

#[test]
fn the_book_and_the_readme_give_the_same_exit_statuses() {
    let readme = exit_status_rows("README.md");
    assert!(readme.len() >= 8, "{readme:#?}");
    assert_eq!(exit_status_rows("docs/src/commands.md"), readme);
}

/// Table rows whose cells open a code span they do not close: the table splits at every
/// `|`, code spans or not, and an unclosed run of backticks is shown as backticks, with the
/// rest of the cell's code garbled around it.
fn unclosed_code_in_tables(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let shown = file.strip_prefix(root()).unwrap_or(file).display().to_string();
    let mut problems = Vec::new();
    for (line, row) in prose(&text) {
        if !row.trim_start().starts_with('|') {
            continue;
        }
        for cell in row.replace("\\|", "").split('|') {
            if !code_spans_close(cell) {
                problems
                    .push(format!("{shown}:{line}: a code span left open in `{}`", cell.trim()));
            }
        }
    }
    problems
}

/// Whether every run of backticks opening a code span is closed by the next run of the same
/// length, as CommonMark reads them.
fn code_spans_close(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let length = bytes[at..].iter().take_while(|&&b| b == b'`').count();
        if length > 0 {
            runs.push(length);
        }
        at += length.max(1);
    }
    let mut open = 0;
    while open < runs.len() {
        match runs[open + 1..].iter().position(|&run| run == runs[open]) {
            Some(close) => open += close + 2,
            None => return false,
        }
    }
    true
}

#[test]
fn every_code_span_in_a_table_of_the_book_and_the_readme_is_closed_in_its_cell() {
    let mut files = chapters();
    files.push(root().join("README.md"));
    let problems: Vec<String> =
        files.iter().flat_map(|file| unclosed_code_in_tables(file)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_table_check_finds_a_code_span_a_cell_leaves_open() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.md");
    let rows = "| a | b |\n| --- | --- |\n| `x`, `` `y` `` | `| z |\n| `` @a{`, `@b{` | ok |\n";
    std::fs::write(&page, rows).unwrap();
    let problems = unclosed_code_in_tables(&page);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(
        problems[0].contains("page.md:3:") && problems[1].contains("page.md:4:"),
        "{problems:#?}"
    );
}
