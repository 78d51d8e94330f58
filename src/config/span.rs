//! What stands at a byte offset of config text: the key path a person looks for (the line
//! comes from [`crate::lines::Lines`]), the table around it, and, so that a file with several
//! mistakes can be read on past the first, the key to take out of the parsed tree.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};
use toml_edit::{Document, Item, TableLike, Value};

/// The dotted path of the innermost key or value at `offset`, such as
/// `subscribers[1].max_papers`.
pub(super) fn key_path_at(text: &str, offset: usize) -> Option<String> {
    let document = Document::parse(text).ok()?;
    in_table(document.as_table(), offset, String::new())
}

/// `subscribers[3].email` as `subscribers[3 + by].email`: a key path found in a batch of
/// subscriber tables, as the whole file numbers them.
pub(super) fn shift_subscriber_index(key: &str, by: usize) -> String {
    let shifted = key.strip_prefix("subscribers[").and_then(|rest| {
        let (index, rest) = rest.split_once(']')?;
        Some(format!("subscribers[{}]{rest}", index.parse::<usize>().ok()? + by))
    });
    shifted.unwrap_or_else(|| key.to_owned())
}

/// Takes out of `table` the innermost key, value or table at `offset` (the place a
/// deserialization error points at), so that the rest can be read again; `false` when nothing
/// there is at `offset`.
pub(super) fn remove_at(table: &mut DeTable<'_>, offset: usize) -> bool {
    let mut hit = None;
    for (key, value) in table.iter_mut() {
        if remove_in_value(value.get_mut(), offset) {
            return true;
        }
        if key.span().contains(&offset) || value.span().contains(&offset) {
            hit = Some(key.clone());
            break;
        }
    }
    hit.is_some_and(|key| table.remove(&key).is_some())
}

fn remove_in_value(value: &mut DeValue<'_>, offset: usize) -> bool {
    match value {
        DeValue::Table(table) => remove_at(table, offset),
        // An item of a plain array is not taken out alone: the key holding it goes.
        DeValue::Array(array) => {
            array.iter_mut().any(|item| remove_in_value(item.get_mut(), offset))
        }
        _ => false,
    }
}

/// The dotted path of the table that spans `span`, such as `smtp` or `subscribers[2]`;
/// `None` for the whole document.
pub(super) fn table_path_at(root: &Spanned<DeTable<'_>>, span: Range<usize>) -> Option<String> {
    if root.span() == span {
        return None;
    }
    let path = table_path_in(root.get_ref(), &span, String::new());
    Some(path).filter(|path| !path.is_empty())
}

fn table_path_in(table: &DeTable<'_>, span: &Range<usize>, prefix: String) -> String {
    let within = |value: &Spanned<DeValue<'_>>| {
        let own = value.span();
        own.start <= span.start && span.end <= own.end
    };
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        match value.get_ref() {
            DeValue::Table(inner) if within(value) => return table_path_in(inner, span, path),
            DeValue::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    if let DeValue::Table(inner) = item.get_ref()
                        && within(item)
                    {
                        return table_path_in(inner, span, format!("{path}[{index}]"));
                    }
                }
            }
            _ => {}
        }
    }
    prefix
}

fn in_table(table: &dyn TableLike, offset: usize, prefix: String) -> Option<String> {
    for (name, item) in table.iter() {
        let path = if prefix.is_empty() { name.to_owned() } else { format!("{prefix}.{name}") };
        let key_span = table.get_key_value(name).and_then(|(key, _)| key.span());
        if let Some(found) = in_item(item, offset, &path) {
            return Some(found);
        }
        if key_span.is_some_and(|span| span.contains(&offset)) {
            return Some(path);
        }
    }
    None
}

fn in_item(item: &Item, offset: usize, path: &str) -> Option<String> {
    match item {
        Item::Table(table) => in_table(table, offset, path.to_owned()),
        Item::ArrayOfTables(tables) => tables
            .iter()
            .enumerate()
            .find_map(|(index, table)| in_table(table, offset, format!("{path}[{index}]"))),
        Item::Value(value) => in_value(value, offset, path),
        Item::None => None,
    }
}

fn in_value(value: &Value, offset: usize, path: &str) -> Option<String> {
    let inner = match value {
        Value::InlineTable(table) => in_table(table, offset, path.to_owned()),
        Value::Array(array) => array
            .iter()
            .enumerate()
            .find_map(|(index, value)| in_value(value, offset, &format!("{path}[{index}]"))),
        _ => None,
    };
    inner.or_else(|| value.span().filter(|span| span.contains(&offset)).map(|_| path.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[newsletter]\ntitle = 'x'\n\n[[subscribers]]\nemail = 'a@b.c'\n\n[[subscribers]]\nemail = 'd@e.f'\nmax_papers = 'ten'\ntopics = ['a', 'b']\n";

    #[test]
    fn a_batch_key_is_numbered_as_the_whole_file_numbers_it() {
        assert_eq!(
            shift_subscriber_index("subscribers[1].max_papers", 1000),
            "subscribers[1001].max_papers"
        );
        assert_eq!(shift_subscriber_index("subscribers[0]", 5), "subscribers[5]");
        assert_eq!(shift_subscriber_index("newsletter.title", 5), "newsletter.title");
    }

    #[test]
    fn values_in_arrays_of_tables_get_indexed_paths() {
        let at = TEXT.find("'ten'").unwrap();
        assert_eq!(key_path_at(TEXT, at).as_deref(), Some("subscribers[1].max_papers"));
        assert_eq!(crate::lines::Lines::new(TEXT.as_bytes()).line(at), 9);
    }

    #[test]
    fn keys_and_array_items_are_found() {
        assert_eq!(
            key_path_at(TEXT, TEXT.find("title").unwrap()).as_deref(),
            Some("newsletter.title")
        );
        assert_eq!(
            key_path_at(TEXT, TEXT.find("'b'").unwrap()).as_deref(),
            Some("subscribers[1].topics[1]")
        );
    }
}
