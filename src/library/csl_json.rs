//! CSL-JSON, as Zotero's "CSL JSON" export writes it: an array of items with `title`,
//! `abstract`, `author` (`{family, given}` or `{literal}`), `DOI`, `URL`, `issued` and
//! `accessed` (`{"date-parts": [["2024", 10, 22]]}`, the year often a string).
//!
//! serde_json reads the values; the items' lines come from a scan of the text for the
//! objects at the top of the array, since a parsed value keeps no position.

use serde_json::Value;

use super::{Entry, Read};
use crate::lines::Lines;
use crate::source::clean;

pub(super) fn read(text: &str) -> Result<Read, (Option<usize>, String)> {
    let value: Value = serde_json::from_str(text)
        .map_err(|err| (Some(err.line()), format!("not valid CSL-JSON: {err}")))?;
    let items = match value {
        Value::Array(items) => items,
        // One item on its own, as some tools write a single reference.
        item @ Value::Object(_) => vec![item],
        _ => return Err((Some(1), "CSL-JSON is an array of items, `[{...}, ...]`".to_owned())),
    };
    let lines = Lines::new(text.as_bytes());
    let starts = item_starts(text);
    let mut read = Read::default();
    for (at, item) in items.iter().enumerate() {
        let line = starts.get(at).map_or(1, |&offset| lines.line(offset));
        let Some(item) = item.as_object() else {
            read.warnings.push((Some(line), "an item that is not an object; left out".into()));
            continue;
        };
        let text_of = |key: &str| item.get(key).and_then(Value::as_str).map(clean::plain);
        let Some(title) = text_of("title").filter(|title| !title.is_empty()) else {
            read.warnings.push((Some(line), "an item without a `title`; left out".into()));
            continue;
        };
        let authors = item
            .get("author")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(person)
            .collect();
        let added = ["accessed", "issued"].iter().find_map(|key| item.get(*key).and_then(date));
        read.entries.push(Entry {
            title,
            abstract_text: text_of("abstract").unwrap_or_default(),
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

/// The offsets of the objects directly inside the top-level array, in order.
fn item_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, byte) in text.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                if byte == b'{' && depth <= 1 {
                    starts.push(at);
                }
                depth += 1;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    starts
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
    fn broken_json_names_its_line() {
        let (line, message) = read("[\n  {\"title\": \"x\",}\n]").unwrap_err();
        assert_eq!(line, Some(2));
        assert!(message.starts_with("not valid CSL-JSON: "), "{message}");
    }
}
