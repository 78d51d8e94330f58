//! The `hf-json` format: the Hub's `GET /api/daily_papers?date=YYYY-MM-DD`.
//!
//! An array of entries, each with the day it was featured (`publishedAt`, the listing date),
//! `numComments`, and a `paper` with `id` (a bare arXiv id), `title`, `summary`,
//! `authors[].name`, `publishedAt` (the arXiv date), `upvotes`, and in newer responses
//! `githubRepo`, `projectPage`, `ai_keywords`, `ai_summary` and `withdrawnAt`. Every field
//! but `paper.id` and a title is optional; withdrawn papers are left out. A field of the wrong type is an error naming its
//! JSON path, so a change in the API is heard of rather than silently read wrong.

use chrono::{DateTime, NaiveDate};
use serde_json::Value;

use super::{Draft, Input, Listing, Position, SourceError};
use crate::paper::{Link, LinkFinder, LinkKind, arxiv_id};

pub(super) fn parse(input: &Input<'_>) -> Result<Listing, SourceError> {
    let value: Value = serde_json::from_str(input.text).map_err(|err| {
        let message = format!("not valid JSON: {}", strip_position(&err.to_string()));
        let (line, column) = (err.line().max(1), err.column().max(1));
        SourceError {
            origin: input.origin.to_owned(),
            position: Some(Position::Line { line, column: Some(column) }),
            message,
        }
    })?;
    let fail = |path: &str, message: String| SourceError {
        origin: input.origin.to_owned(),
        position: Some(Position::JsonPath(path.to_owned())),
        message,
    };
    let entries = match &value {
        Value::Array(entries) => entries,
        Value::Object(object) if object.contains_key("error") => {
            let said = object.get("error").map(describe).unwrap_or_default();
            return Err(SourceError::whole(
                input.origin,
                format!("the Hub answered with an error: {said}"),
            ));
        }
        other => {
            return Err(fail(
                "$",
                format!("expected an array of daily papers, found {}", kind(other)),
            ));
        }
    };

    let finder = LinkFinder::new();
    let mut papers = Vec::new();
    let mut warnings = Vec::new();
    let mut listed_on: Option<NaiveDate> = None;
    for (index, entry) in entries.iter().enumerate() {
        let at = Fields { value: entry, path: format!("[{index}]") };
        let draft = match entry_draft(&at) {
            Ok(Some(draft)) => draft,
            Ok(None) => {
                warnings.push(super::SourceWarning {
                    origin: input.origin.to_owned(),
                    line: None,
                    message: format!("`{}.paper` was withdrawn; left out", at.path),
                });
                continue;
            }
            Err((path, message)) => return Err(fail(&path, message)),
        };
        if let Some(date) = draft.date {
            listed_on = Some(listed_on.map_or(date, |seen| seen.max(date)));
        }
        papers.push(draft.finish(&input.source.name, input.date, &finder));
    }
    Ok(Listing { papers, warnings, listed_on, empty_note: None })
}

/// The entry as a draft; `None` for a withdrawn paper; the JSON path and message of the
/// first field that is wrong.
fn entry_draft(entry: &Fields<'_>) -> Result<Option<Draft>, (String, String)> {
    entry.object()?;
    let paper = entry.field("paper").required()?;
    paper.object()?;
    if paper.field("withdrawnAt").string()?.is_some() {
        return Ok(None);
    }
    let id_field = paper.field("id");
    let id = id_field.string()?.ok_or_else(|| id_field.missing())?;
    // The Hub's ids are arXiv's; one that is not keeps its Hub page and a title id.
    let arxiv = arxiv_id(id);
    let title = match paper.field("title").string()? {
        Some(title) if !title.trim().is_empty() => title,
        _ => entry
            .field("title")
            .string()?
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| paper.field("title").missing())?,
    };
    let summary = match paper.field("summary").string()? {
        Some(summary) => Some(summary),
        None => entry.field("summary").string()?,
    };
    let mut authors = Vec::new();
    if let Some(list) = paper.field("authors").array()? {
        for author in list {
            author.object()?;
            if let Some(name) = author.field("name").string()? {
                authors.push(name.to_owned());
            }
        }
    }
    let mut keywords = Vec::new();
    if let Some(list) = paper.field("ai_keywords").array()? {
        for keyword in list {
            if let Some(keyword) = keyword.string()? {
                keywords.push(keyword.to_owned());
            }
        }
    }
    let ai_summary = paper.field("ai_summary").string()?.map(str::to_owned);
    let mut links = Vec::new();
    if let Some(repo) = paper.field("githubRepo").string()?.filter(|r| !r.trim().is_empty()) {
        links.push(Link::new(LinkKind::Code, repo.trim()));
    }
    if let Some(page) = paper.field("projectPage").string()?.filter(|p| !p.trim().is_empty()) {
        links.push(Link::new(LinkKind::Project, page.trim()));
    }
    links.push(Link::new(
        LinkKind::HuggingFace,
        format!("https://huggingface.co/papers/{}", id.trim()),
    ));
    let featured =
        entry.field("publishedAt").date()?.or(paper.field("submittedOnDailyAt").date()?);
    Ok(Some(Draft {
        title: title.to_owned(),
        abstract_text: summary.unwrap_or_default().to_owned(),
        authors,
        arxiv_id: arxiv,
        links,
        published: paper.field("publishedAt").date()?,
        upvotes: paper.field("upvotes").count()?,
        keywords,
        summary: ai_summary,
        comment_count: entry.field("numComments").count()?,
        date: featured,
        ..Draft::default()
    }))
}

/// A JSON value with its path, for messages.
struct Fields<'a> {
    value: &'a Value,
    path: String,
}

type FieldResult<T> = Result<T, (String, String)>;

impl<'a> Fields<'a> {
    fn field(&self, name: &str) -> Fields<'a> {
        static NULL: Value = Value::Null;
        let value = self.value.get(name).unwrap_or(&NULL);
        Fields { value, path: format!("{}.{name}", self.path) }
    }

    fn wrong(&self, expected: &str) -> (String, String) {
        (self.path.clone(), format!("expected {expected}, found {}", kind(self.value)))
    }

    fn missing(&self) -> (String, String) {
        (self.path.clone(), "missing, and every paper needs it".to_owned())
    }

    fn object(&self) -> FieldResult<()> {
        if self.value.is_object() { Ok(()) } else { Err(self.wrong("an object")) }
    }

    fn required(self) -> FieldResult<Fields<'a>> {
        if self.value.is_null() { Err(self.missing()) } else { Ok(self) }
    }

    /// `None` for absent or null.
    fn string(&self) -> FieldResult<Option<&'a str>> {
        match self.value {
            Value::Null => Ok(None),
            Value::String(text) => Ok(Some(text)),
            _ => Err(self.wrong("a string")),
        }
    }

    fn count(&self) -> FieldResult<Option<u64>> {
        match self.value {
            Value::Null => Ok(None),
            Value::Number(number) => {
                number.as_u64().map(Some).ok_or_else(|| self.wrong("a whole number"))
            }
            _ => Err(self.wrong("a whole number")),
        }
    }

    fn array(&self) -> FieldResult<Option<Vec<Fields<'a>>>> {
        match self.value {
            Value::Null => Ok(None),
            Value::Array(items) => Ok(Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, value)| Fields { value, path: format!("{}[{index}]", self.path) })
                    .collect(),
            )),
            _ => Err(self.wrong("an array")),
        }
    }

    /// The UTC day of an RFC 3339 timestamp such as `2024-10-25T00:57:09.392Z`.
    fn date(&self) -> FieldResult<Option<NaiveDate>> {
        let Some(text) = self.string()? else { return Ok(None) };
        DateTime::parse_from_rfc3339(text.trim())
            .map(|at| Some(at.naive_utc().date()))
            .or_else(|_| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map(Some))
            .map_err(|_| (self.path.clone(), format!("`{text}` is not a date")))
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// serde_json ends its messages with ` at line 1 column 5`; the location is said already.
fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Listing, SourceError> {
        crate::source::parse_test(text, "day.json", (2024, 10, 25), |_| {}, parse)
    }

    const REAL: &str =
        include_str!("../../tests/fixtures/real/hf_daily_papers_2024-10-25_first8.json");

    #[test]
    fn ai_keywords_are_kept_for_matching() {
        let text = r#"[{"paper": {"id": "2508.00001", "title": "x", "ai_keywords": ["state space model", "SSM"]}}]"#;
        let papers = parse_str(text).unwrap().papers;
        assert_eq!(papers[0].keywords, ["state space model", "SSM"]);
        let wrong = r#"[{"paper": {"id": "2508.00001", "title": "x", "ai_keywords": [1]}}]"#;
        assert_eq!(
            parse_str(wrong).unwrap_err().to_string(),
            "day.json: at `[0].paper.ai_keywords[0]`: expected a string, found a number"
        );
    }

    #[test]
    fn ai_summary_is_kept_cleaned_as_the_summary() {
        let text = r#"[{"paper": {"id": "2508.00001", "title": "x",
            "ai_summary": "Inf-CL  scales\ncontrastive loss to $10^6$ batches."}}]"#;
        let papers = parse_str(text).unwrap().papers;
        assert_eq!(
            papers[0].summary.as_deref(),
            Some("Inf-CL scales contrastive loss to 10⁶ batches.")
        );
        assert_eq!(parse_str(REAL).unwrap().papers[0].summary, None);
        let wrong = r#"[{"paper": {"id": "2508.00001", "title": "x", "ai_summary": 1}}]"#;
        assert_eq!(
            parse_str(wrong).unwrap_err().to_string(),
            "day.json: at `[0].paper.ai_summary`: expected a string, found a number"
        );
    }

    #[test]
    fn the_real_response_gives_eight_papers_with_authors_and_links() {
        let listing = parse_str(REAL).unwrap();
        assert_eq!(listing.papers.len(), 8);
        assert!(listing.warnings.is_empty());
        let date = NaiveDate::from_ymd_opt(2024, 10, 25).unwrap();
        assert_eq!(listing.listed_on, Some(date));
        let first = &listing.papers[0];
        assert_eq!(first.id.as_str(), "arxiv:2410.17243");
        assert_eq!(
            first.title,
            "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
        );
        assert_eq!(first.authors.len(), 9);
        assert_eq!(first.authors[0], "Zesen Cheng");
        assert_eq!(first.date, date, "the day it was featured");
        assert_eq!(first.published, NaiveDate::from_ymd_opt(2024, 10, 22), "the arXiv date");
        assert_eq!(first.upvotes, Some(64));
        assert_eq!(first.comment_count, Some(3));
        assert_eq!(
            first.link(LinkKind::HuggingFace),
            Some("https://huggingface.co/papers/2410.17243")
        );
        assert_eq!(first.link(LinkKind::Abstract), Some("https://arxiv.org/abs/2410.17243"));
        assert_eq!(first.link(LinkKind::Pdf), Some("https://arxiv.org/pdf/2410.17243"));
        assert!(!first.abstract_text.contains('\n'), "the summary is unwrapped");
        for paper in &listing.papers {
            assert!(!paper.authors.is_empty(), "{}", paper.title);
            assert!(paper.arxiv_id.is_some(), "{}", paper.title);
        }
    }

    #[test]
    fn newer_fields_give_code_and_project_links_and_withdrawn_papers_are_left_out() {
        let text = r#"[
          {"publishedAt": "2025-08-05T10:00:00.000Z", "title": "A",
           "paper": {"id": "2508.00001", "title": "A", "summary": "x", "githubRepo": "https://github.com/a/b",
                     "projectPage": "https://a.github.io/b", "submittedOnDailyAt": "2025-08-05T09:00:00.000Z"}},
          {"paper": {"id": "2508.00002", "title": "B", "withdrawnAt": "2025-08-05T11:00:00.000Z"}}
        ]"#;
        let listing = parse_str(text).unwrap();
        assert_eq!(listing.papers.len(), 1);
        assert_eq!(listing.papers[0].link(LinkKind::Code), Some("https://github.com/a/b"));
        assert_eq!(listing.papers[0].link(LinkKind::Project), Some("https://a.github.io/b"));
        assert!(listing.warnings[0].message.contains("`[1].paper` was withdrawn"));
    }

    #[test]
    fn every_field_but_the_id_and_a_title_may_be_missing() {
        let listing =
            parse_str(r#"[{"title": "Only A Title", "paper": {"id": "2508.00001"}}]"#).unwrap();
        let paper = &listing.papers[0];
        assert_eq!(paper.title, "Only A Title");
        assert_eq!(paper.abstract_text, "");
        assert_eq!(paper.date, NaiveDate::from_ymd_opt(2024, 10, 25).unwrap(), "the run date");
    }

    #[test]
    fn an_id_that_is_not_arxiv_s_keeps_the_hub_page_and_a_title_id() {
        let listing =
            parse_str(r#"[{"paper": {"id": "hub-only-7", "title": "A Hub Paper"}}]"#).unwrap();
        let paper = &listing.papers[0];
        assert!(paper.id.as_str().starts_with("title:"));
        assert_eq!(paper.arxiv_id, None);
        assert_eq!(
            paper.link(LinkKind::HuggingFace),
            Some("https://huggingface.co/papers/hub-only-7")
        );
        assert_eq!(paper.link(LinkKind::Pdf), None);
    }

    #[test]
    fn an_empty_array_is_an_empty_listing() {
        assert!(parse_str("[]").unwrap().papers.is_empty());
    }

    #[test]
    fn wrong_fields_are_errors_at_their_json_path() {
        let cases = [
            (
                r#"{"papers": []}"#,
                "day.json: at `$`: expected an array of daily papers, found an object",
            ),
            (
                r#"[{"paper": {"title": "x"}}]"#,
                "day.json: at `[0].paper.id`: missing, and every paper needs it",
            ),
            (
                r#"[{"paper": {"id": "2508.00001"}}]"#,
                "day.json: at `[0].paper.title`: missing, and every paper needs it",
            ),
            (
                r#"[{"paper": {"id": "2508.00001", "title": "x", "upvotes": "many"}}]"#,
                "day.json: at `[0].paper.upvotes`: expected a whole number, found a string",
            ),
            (r#"[1]"#, "day.json: at `[0]`: expected an object, found a number"),
            (
                r#"[{"paper": {"id": "2508.00001", "title": "x", "authors": [{"name": 3}]}}]"#,
                "day.json: at `[0].paper.authors[0].name`: expected a string, found a number",
            ),
            (
                r#"[{"publishedAt": "yesterday", "paper": {"id": "2508.00001", "title": "x"}}]"#,
                "day.json: at `[0].publishedAt`: `yesterday` is not a date",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_str(text).unwrap_err().to_string(), expected, "{text}");
        }
    }

    #[test]
    fn malformed_json_is_an_error_at_its_line_and_column() {
        let err = parse_str("[\n  {\"paper\": }\n]").unwrap_err();
        assert_eq!(err.to_string(), "day.json:2:13: not valid JSON: expected value");
        let truncated = &REAL[..REAL.len() / 2];
        assert!(parse_str(truncated).unwrap_err().message.contains("EOF"));
    }

    #[test]
    fn an_error_object_from_the_hub_is_reported_as_such() {
        let err = parse_str(r#"{"error": "Invalid date"}"#).unwrap_err();
        assert_eq!(err.to_string(), "day.json: the Hub answered with an error: Invalid date");
    }

    #[test]
    fn a_line_break_in_an_answer_cannot_make_a_second_error_line() {
        let err = parse_str(r#"{"error": "bad\nerror: forged"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "day.json: the Hub answered with an error: bad\\nerror: forged"
        );
    }
}
