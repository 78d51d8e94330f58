//! `papers --format json` on every real listing in the fixtures, as insta snapshots: any
//! change to what a parser or the text cleanup makes of real data shows as a diff to review.
//! CI runs with `INSTA_UPDATE=no`, so a new or changed snapshot fails it.

use std::path::Path;

use crate::harness::{Paperboy, SAMPLE_DATE};

/// Fixtures that are no listing: each must fail with exit 65 instead (bad input is covered
/// case by case in `input_errors`).
const NOT_LISTINGS: &[&str] = &[
    "arxiv_api_error_http400_bad_id_2026-04-12.xml",
    "blank-lines.txt",
    "chrome-only.txt",
    "empty.txt",
    "latin1.txt",
    "nul-byte.txt",
];

/// The run date a fixture is read with: the date in its name, else that of the sample page.
fn date_of(name: &str) -> String {
    if name.contains("del_maestro_2016-10") {
        // A search answer of October 2016; the day is the one its tests use.
        return "2016-10-09".to_owned();
    }
    let dated = name.as_bytes().windows(10).position(|w| {
        w.iter()
            .enumerate()
            .all(|(at, b)| if at == 4 || at == 7 { *b == b'-' } else { b.is_ascii_digit() })
    });
    dated.map_or_else(|| SAMPLE_DATE.to_owned(), |at| name[at..at + 10].to_owned())
}

/// `papers --input FILE --format json` on a copy of the fixture: its standard output, after
/// checking that it is a listing (exit 0, or 3 for a listing of no papers).
fn papers_json(path: &Path) -> Option<String> {
    let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name");
    let setup = Paperboy::new().file(name, std::fs::read(path).expect("a readable fixture"));
    let run = setup.run(&["papers", "--input", name, "--format", "json", "--date", &date_of(name)]);
    if NOT_LISTINGS.contains(&name) {
        run.code(65);
        return None;
    }
    assert!(matches!(run.code, Some(0 | 3)), "{run}");
    Some(run.stdout.clone())
}

#[test]
fn papers_json_of_every_real_fixture() {
    insta::glob!("../fixtures", "{real,sources}/*.{xml,json,txt}", |path| {
        if let Some(json) = papers_json(path) {
            insta::assert_snapshot!(json);
        }
    });
}

#[test]
fn papers_json_of_the_bundled_sample_page() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hf-daily-papers-aug5.txt");
    insta::assert_snapshot!(papers_json(&sample).expect("the sample is a listing"));
}
