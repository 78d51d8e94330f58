//! CSL-JSON, as Zotero's "CSL JSON" export writes it: an array of items with `title`,
//! `abstract`, `author` (`{family, given}` or `{literal}`), `DOI`, `URL`, `issued` and
//! `accessed` (`{"date-parts": [["2024", 10, 22]]}`, the year often a string).
//!
//! serde_json reads the array as raw items borrowed from the text, which says where each
//! starts (for its line), then only the fields used; a field of another type than expected,
//! or a string that is not valid JSON text (a lone surrogate escape), counts as absent, and an
//! item that is not an object is left out with a warning.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{Entry, Read};
use crate::lines::Lines;
use crate::source::clean;

/// The fields of an item that paperboy reads, each still JSON; the others are skipped.
#[derive(Deserialize)]
struct Item<'t> {
    #[serde(borrow)]
    title: Option<&'t RawValue>,
    #[serde(borrow, rename = "abstract")]
    abstract_text: Option<&'t RawValue>,
    #[serde(borrow)]
    author: Option<&'t RawValue>,
    #[serde(borrow)]
    accessed: Option<&'t RawValue>,
    #[serde(borrow)]
    issued: Option<&'t RawValue>,
}

pub(super) fn read(text: &str) -> Result<Read, (Option<usize>, String)> {
    let invalid = |err: serde_json::Error| (Some(err.line()), format!("not valid CSL-JSON: {err}"));
    let items: Vec<&RawValue> = match text.trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str(text).map_err(invalid)?,
        // One item on its own, as some tools write a single reference.
        Some(b'{') => vec![serde_json::from_str(text).map_err(invalid)?],
        _ => {
            serde_json::from_str::<&RawValue>(text).map_err(invalid)?;
            return Err((Some(1), "CSL-JSON is an array of items, `[{...}, ...]`".to_owned()));
        }
    };
    let lines = Lines::new(text.as_bytes());
    let mut read = Read::default();
    for raw in items {
        // A raw item is a slice of `text`: where it starts is where its line is.
        let line = lines.line(raw.get().as_ptr() as usize - text.as_ptr() as usize);
        let item = match serde_json::from_str::<Item>(raw.get()) {
            Ok(item) => item,
            Err(err) => {
                let why = if !raw.get().starts_with('{') {
                    "an item that is not an object; left out"
                } else if err.to_string().starts_with("duplicate field") {
                    "an item that names a field twice; left out"
                } else {
                    "an item with a name that is not valid JSON text; left out"
                };
                read.warnings.push((Some(line), why.into()));
                continue;
            }
        };
        let text_of = |field: Option<&RawValue>| {
            field.and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
        };
        let Some(title) = text_of(item.title).map(|t| clean::plain(&t)).filter(|t| !t.is_empty())
        else {
            read.warnings.push((Some(line), "an item without a `title`; left out".into()));
            continue;
        };
        let value = |field: Option<&RawValue>| {
            field.and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
        };
        let authors = match value(item.author) {
            Some(Value::Array(people)) => people.iter().filter_map(person).collect(),
            _ => Vec::new(),
        };
        let added = [item.accessed, item.issued].into_iter().find_map(|d| date(&value(d)?));
        read.entries.push(Entry {
            title,
            abstract_text: text_of(item.abstract_text)
                .map(|a| clean::plain(&a))
                .unwrap_or_default(),
            authors,
            added,
            line,
        });
    }
    Ok(read)
}

/// `{given, family}` as "Given Family", or `{literal}` as it stands.
fn person(value: &Value) -> Option<String> {
    let part = |key: &str| value.get(key).and_then(Value::as_str).map(str::trim);
    let name = match (part("literal"), part("given"), part("family")) {
        (Some(literal), _, _) => literal.to_owned(),
        (None, Some(given), Some(family)) => format!("{given} {family}"),
        (None, None, Some(family)) => family.to_owned(),
        (None, Some(given), None) => given.to_owned(),
        (None, None, None) => return None,
    };
    let name = clean::plain(&name);
    (!name.is_empty()).then_some(name)
}

/// A CSL date: its first `date-parts`, numbers or strings, else its `raw` text.
fn date(value: &Value) -> Option<chrono::NaiveDate> {
    let number = |part: &Value| match part {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    if let Some(parts) = value.pointer("/date-parts/0").and_then(Value::as_array) {
        let year = i32::try_from(number(parts.first()?)?).ok()?;
        let month = parts.get(1).and_then(number).unwrap_or(1);
        let day = parts.get(2).and_then(number).unwrap_or(1);
        return chrono::NaiveDate::from_ymd_opt(year, month.try_into().ok()?, day.try_into().ok()?);
    }
    value.get("raw").and_then(Value::as_str).and_then(super::parse_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_read_with_their_lines() {
        let text = "[\n\t{\n\t\t\"title\": \"A {brace} \\\"quoted\\\" title\",\n\t\t\"author\": \
                    [{\"family\": \"Li\", \"given\": \"Fei-Fei\"}, {\"literal\": \"OpenAI\"}],\n\t\t\
                    \"issued\": {\"date-parts\": [[\"2024\", 10, 22]]}\n\t},\n\t{\n\t\t\"note\": \"x\"\n\t}\n]\n";
        let read = read(text).unwrap();
        assert_eq!(read.entries.len(), 1);
        let entry = &read.entries[0];
        assert_eq!(entry.title, "A brace \"quoted\" title");
        assert_eq!(entry.authors, ["Fei-Fei Li", "OpenAI"]);
        assert_eq!(entry.added, chrono::NaiveDate::from_ymd_opt(2024, 10, 22));
        assert_eq!(entry.line, 2);
        assert_eq!(read.warnings, [(Some(7), "an item without a `title`; left out".to_owned())]);
    }

    #[test]
    fn odd_items_are_left_out_and_fields_of_another_type_count_as_absent() {
        let text = "[3,\n{\"title\": \"A\", \"title\": \"B\"},\n\
                    {\"title\": \"Kept\", \"abstract\": 7, \"author\": \"x\", \"issued\": null},\n\
                    {\"title\": [\"no\"]},\n{\"title\": \"a\", \"\\ud800\": 1}]";
        let read = read(text).unwrap();
        let titles: Vec<&str> = read.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["Kept"]);
        let kept = &read.entries[0];
        assert_eq!((kept.abstract_text.as_str(), kept.authors.len(), kept.added), ("", 0, None));
        let warnings: Vec<(Option<usize>, &str)> =
            read.warnings.iter().map(|(line, w)| (*line, w.as_str())).collect();
        assert_eq!(
            warnings,
            [
                (Some(1), "an item that is not an object; left out"),
                (Some(2), "an item that names a field twice; left out"),
                (Some(4), "an item without a `title`; left out"),
                (Some(5), "an item with a name that is not valid JSON text; left out"),
            ]
        );
        let alone = super::read("{\"title\": \"Alone\"}").unwrap();
        assert_eq!(alone.entries[0].title, "Alone");
        assert!(super::read("\"text\"").unwrap_err().1.contains("an array of items"));
    }

    #[test]
    fn broken_json_names_its_line() {
        let (line, message) = read("[\n  {\"title\": \"x\",}\n]").unwrap_err();
        assert_eq!(line, Some(2));
        assert!(message.starts_with("not valid CSL-JSON: "), "{message}");
    }
}
