//! Changes to the config file that keep everything else in it byte for byte: comments, blank
//! lines, key order and formatting.
//!
//! Every edit works on a `toml_edit` document, touches the smallest item it can, carries the
//! old value's decor (spacing, trailing comment) over to its replacement, then re-validates
//! the whole result with the same loader `send` uses before anything is written. The write
//! is atomic and keeps the previous file as `<name>.bak`.
//!
//! A subscriber edit parses only the tables it touches: a `toml_edit` tree is about fifty
//! times the size of its text, too much for a file of a hundred thousand subscribers. The
//! file is read through the same split as loading ([`super::split`]); the edited part goes
//! back between the untouched bytes, which gives the bytes an edit of the whole document
//! would. Where the split gives up (an odd header, an inline `subscribers = [...]`, a syntax
//! error), in a CRLF file, and for topic edits, the whole document is edited as before.

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lettre::Address;
use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, Value};

use super::{Config, ConfigError, Problem, split};
use crate::lines::Lines;
use crate::topic::Keyword;

/// An edit that was refused; the file is left as it was.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EditError {
    /// A value given for the edit is wrong (a bad address, an unknown topic, ...).
    #[error("{0}")]
    Refused(String),
    /// The subscriber or topic to change is not in the config.
    #[error("{0}")]
    NotFound(String),
    /// The file cannot be read or parsed as TOML.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The edited config would not load; nothing was written.
    #[error("refused: the edited config would not load: {0}")]
    WouldNotLoad(ConfigError),
    /// The file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

fn not_tables() -> EditError {
    refused(
        "`subscribers` is written as an inline array; paperboy edits [[subscribers]] tables only",
    )
}

fn refused(message: impl AsRef<str>) -> EditError {
    EditError::Refused(crate::text::one_line(message.as_ref()))
}

/// What `subscriber add` and `subscriber set` can say about a subscriber.
#[derive(Debug, Default, Clone)]
pub(crate) struct SubscriberFields {
    /// `name`; an empty string removes it.
    pub(crate) name: Option<String>,
    /// Replaces `topics`.
    pub(crate) topics: Option<Vec<String>>,
    /// Topics to add to `topics`.
    pub(crate) add_topics: Vec<String>,
    /// Topics to take out of `topics`.
    pub(crate) remove_topics: Vec<String>,
    /// Replaces `keywords`.
    pub(crate) keywords: Option<Vec<String>>,
    /// Replaces `exclude`.
    pub(crate) exclude: Option<Vec<String>>,
    /// Replaces `max_papers`.
    pub(crate) max_papers: Option<usize>,
    /// Takes `max_papers` out, so the newsletter's applies (when `max_papers` is `None`).
    pub(crate) default_max_papers: bool,
    /// `paused = true` when `Some(true)`; `Some(false)` takes the key out.
    pub(crate) paused: Option<bool>,
    /// Replace `frequency`, `weekday`, `send_at` and `timezone`, spelled as the config
    /// writes them.
    pub(crate) cadence: [Option<String>; 4],
}

/// A topic for `topic add`.
#[derive(Debug, Default, Clone)]
pub(crate) struct TopicFields {
    /// Any of these picks a paper.
    pub(crate) keywords: Vec<String>,
    /// All of these must occur as well.
    pub(crate) require: Vec<String>,
    /// Any of these rules a paper out.
    pub(crate) exclude: Vec<String>,
}

/// What `topic set` changes: each list given (`Some`) replaces the topic's.
#[derive(Debug, Default, Clone)]
pub(crate) struct TopicChanges {
    /// Replaces `keywords`; never empty.
    pub(crate) keywords: Option<Vec<String>>,
    /// Replaces `require`; empty takes it out.
    pub(crate) require: Option<Vec<String>>,
    /// Replaces `exclude`; empty takes it out.
    pub(crate) exclude: Option<Vec<String>>,
}

/// The config file, open for editing.
pub(crate) struct ConfigEdit {
    path: PathBuf,
    original: String,
    /// The bytes of `original` that `doc` was read from; the rest is written back as it was.
    window: Range<usize>,
    doc: DocumentMut,
    /// What the file holds outside `doc`, while it is edited a part at a time.
    parts: Option<Parts>,
    /// Held from reading to writing, so two edits at once (`serve` answering a reader while
    /// `subscriber add` runs) take turns instead of one undoing the other.
    _lock: std::fs::File,
}

impl ConfigEdit {
    /// Reads the config as an editable document.
    pub(crate) fn open(path: &Path) -> Result<ConfigEdit, EditError> {
        let config_error = |line, message: String| ConfigError::one(path, line, None, message);
        if let Err(err) = std::fs::metadata(path) {
            return Err(config_error(None, super::cannot_read(&err)).into());
        }
        let lock_path = sibling(path, ".lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .and_then(|file| file.lock().map(|()| file))
            .map_err(|source| EditError::Write { path: lock_path, source })?;
        let original = std::fs::read_to_string(path)
            .map_err(|err| config_error(None, format!("cannot read the config: {err}")))?;
        let mut edit = ConfigEdit {
            path: path.to_owned(),
            window: 0..0,
            doc: DocumentMut::new(),
            parts: Parts::read(&original),
            original,
            _lock: lock,
        };
        if edit.parts.is_none() {
            edit.doc = parse_document(&edit.original, path)?;
            edit.window = 0..edit.original.len();
        }
        Ok(edit)
    }

    /// Opens the whole document, as every edit did before the split: what the edits a part
    /// at a time are compared with.
    #[cfg(test)]
    fn open_whole(path: &Path) -> Result<ConfigEdit, EditError> {
        let mut edit = ConfigEdit::open(path)?;
        edit.whole()?;
        Ok(edit)
    }

    /// Makes `range` of the file (whole tables) the document that is edited. A second part
    /// asked for after a first was edited turns the edit into one of the whole document.
    fn focus(&mut self, range: Range<usize>) -> Result<(), EditError> {
        let Some(parts) = &mut self.parts else { return Ok(()) };
        if parts.focused {
            return if self.window == range { Ok(()) } else { self.whole() };
        }
        match DocumentMut::from_str(&self.original[range.clone()]) {
            Ok(doc) => {
                parts.focused = true;
                self.doc = doc;
                self.window = range;
                Ok(())
            }
            Err(_) => self.whole(),
        }
    }

    /// Edits the whole document from here on, with any edit made so far.
    fn whole(&mut self) -> Result<(), EditError> {
        if self.parts.take().is_some() {
            let text = self.text();
            self.doc = parse_document(&text, &self.path)?;
            self.window = 0..self.original.len();
        }
        Ok(())
    }

    /// The file as edited so far.
    fn text(&self) -> String {
        if self.parts.as_ref().is_some_and(|parts| !parts.focused) {
            return self.original.clone();
        }
        let (before, after) =
            (&self.original[..self.window.start], &self.original[self.window.end..]);
        let edited = self.doc.to_string();
        let mut text = String::with_capacity(self.original.len() + edited.len());
        text.push_str(before);
        text.push_str(&edited);
        text.push_str(after);
        text
    }

    /// The addresses of the `[[subscribers]]` tables, in file order; an error when the
    /// subscribers are written in a form paperboy does not edit (an inline array).
    fn subscriber_emails(&self) -> Result<Cow<'_, [String]>, EditError> {
        if let Some(parts) = &self.parts {
            return Ok(Cow::Borrowed(&parts.emails));
        }
        let Some(item) = self.doc.get("subscribers") else { return Ok(Cow::Owned(Vec::new())) };
        let tables = item.as_array_of_tables().ok_or_else(not_tables)?;
        Ok(tables
            .iter()
            .map(|t| t.get("email").and_then(Item::as_str).unwrap_or("").to_owned())
            .collect())
    }

    fn topic_names(&self) -> Vec<String> {
        if let Some(parts) = &self.parts {
            return parts.topics.clone();
        }
        topic_names(&self.doc)
    }

    fn subscriber_tables(&mut self) -> Result<&mut ArrayOfTables, EditError> {
        let item =
            self.doc.entry("subscribers").or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
        item.as_array_of_tables_mut().ok_or_else(not_tables)
    }

    /// The index of the subscriber with this address in the file.
    fn subscriber_index(&self, email: &str) -> Result<usize, EditError> {
        let wanted = email.trim().to_lowercase();
        self.subscriber_emails()?.iter().position(|e| e.trim().to_lowercase() == wanted).ok_or_else(
            || EditError::NotFound(format!("no subscriber `{email}` in {}", self.path.display())),
        )
    }

    /// Opens the part of the file that holds the file's `index`-th subscriber and the
    /// `before` ones right above it; the index of that subscriber in the document.
    fn focus_subscriber(&mut self, index: usize, before: usize) -> Result<usize, EditError> {
        let Some(parts) = &self.parts else { return Ok(index) };
        let tables = &parts.layout.subscribers;
        let mut first = index;
        while first > 0 && index - first < before && tables[first - 1].end == tables[first].start {
            first -= 1;
        }
        let start = if first == index && before > 0 {
            // The table's leading comments belong to it: start at the header above them.
            let above = parts.layout.headers.partition_point(|&at| at < tables[index].start);
            above.checked_sub(1).map_or(0, |at| parts.layout.headers[at])
        } else {
            tables[first].start
        };
        let range = start..tables[index].end;
        self.focus(range)?;
        Ok(if self.parts.is_some() { index - first } else { index })
    }
}

/// What the file holds, read a batch of subscribers at a time: enough to look a subscriber
/// up and check an edit without a document of the whole.
struct Parts {
    layout: split::Layout,
    /// The address of each `[[subscribers]]` table, as `subscriber_emails` gives it.
    emails: Vec<String>,
    /// The topics, in file order.
    topics: Vec<String>,
    /// Whether `doc` holds a part of the file yet.
    focused: bool,
}

impl Parts {
    /// `None` when the file is better edited whole: nothing to split, or a part that does
    /// not parse (whose error the whole document then reports as before).
    fn read(text: &str) -> Option<Parts> {
        #[derive(serde::Deserialize)]
        struct Batch {
            #[serde(default)]
            subscribers: Vec<Subscriber>,
        }
        #[derive(serde::Deserialize)]
        struct Subscriber {
            email: Option<toml::Value>,
        }
        // `toml_edit` writes every line ending of a document as `\n`: a part of a CRLF file
        // would come back with two kinds, where the whole comes back with one.
        if text.contains('\r') {
            return None;
        }
        let layout = split::layout(text)?;
        if layout.subscribers.is_empty() {
            return None;
        }
        let batches = split::batches_of(&layout.subscribers, split::SUBSCRIBERS_PER_BATCH);
        let mut emails = Vec::with_capacity(layout.subscribers.len());
        let mut rest = String::new();
        let mut done = 0;
        for (range, count) in &batches {
            rest.push_str(&text[done..range.start]);
            done = range.end;
            let batch: Batch = toml::from_str(&text[range.clone()]).ok()?;
            if batch.subscribers.len() != *count {
                return None;
            }
            emails.extend(batch.subscribers.into_iter().map(|subscriber| {
                subscriber.email.as_ref().and_then(toml::Value::as_str).unwrap_or("").to_owned()
            }));
        }
        rest.push_str(&text[done..]);
        let rest = DocumentMut::from_str(&rest).ok()?;
        if rest.contains_key("subscribers") {
            return None;
        }
        Some(Parts { topics: topic_names(&rest), layout, emails, focused: false })
    }
}

impl ConfigEdit {
    /// Adds a `[[subscribers]]` table after the last one.
    pub(crate) fn add_subscriber(
        &mut self,
        email: &str,
        fields: &SubscriberFields,
    ) -> Result<(), EditError> {
        let address = parse_address(email)?;
        let lower = address.to_string().to_lowercase();
        if self.subscriber_emails()?.iter().any(|e| e.trim().to_lowercase() == lower) {
            return Err(refused(format!("`{address}` is already a subscriber")));
        }
        let mut table = Table::new();
        table.decor_mut().set_prefix("\n");
        table["email"] = toml_edit::value(address.to_string());
        if let Some(last) = self.parts.as_ref().map(|parts| parts.layout.subscribers.len() - 1) {
            // A new table lands right after the last one: that is all of the file it needs.
            self.focus_subscriber(last, 0)?;
        }
        let tables = self.subscriber_tables()?;
        tables.push(table);
        let index = tables.len() - 1;
        self.apply(index, fields)
    }

    /// Changes only the keys that `fields` names.
    pub(crate) fn set_subscriber(
        &mut self,
        email: &str,
        fields: &SubscriberFields,
    ) -> Result<(), EditError> {
        let index = self.subscriber_index(email)?;
        let index = self.focus_subscriber(index, 0)?;
        self.apply(index, fields)
    }

    /// Removes a subscriber's table with the comment block right above it; comments further
    /// up, set off by a blank line (a section heading), stay where they were.
    pub(crate) fn remove_subscriber(&mut self, email: &str) -> Result<(), EditError> {
        let index = self.subscriber_index(email)?;
        // Its leading comments stand after the table above, which the part must include.
        let index = self.focus_subscriber(index, 1)?;
        let removed = self.subscriber_tables()?.remove(index);
        let prefix = removed.decor().prefix().and_then(|raw| raw.as_str()).unwrap_or("");
        self.keep_before_next_table(removed.position(), &section_comments(prefix));
        Ok(())
    }

    /// Puts `text` in front of whatever followed a removed table at `position`.
    fn keep_before_next_table(&mut self, position: Option<isize>, text: &str) {
        if text.is_empty() {
            return;
        }
        let Some(removed_at) = position else { return };
        let mut next = None;
        visit_tables(self.doc.as_table_mut(), &mut |table| {
            if let Some(at) = table.position().filter(|&at| at > removed_at && !table.is_implicit())
            {
                next = Some(next.map_or(at, |best: isize| best.min(at)));
            }
        });
        let mut placed = false;
        visit_tables(self.doc.as_table_mut(), &mut |table| {
            if !placed && next.is_some() && table.position() == next && !table.is_implicit() {
                let old =
                    table.decor().prefix().and_then(|raw| raw.as_str()).unwrap_or("").to_owned();
                table.decor_mut().set_prefix(format!("{text}{old}"));
                placed = true;
            }
        });
        if !placed {
            let old = self.doc.trailing().as_str().unwrap_or("").to_owned();
            self.doc.set_trailing(format!("{text}{old}"));
        }
    }

    fn apply(&mut self, index: usize, fields: &SubscriberFields) -> Result<(), EditError> {
        let known = self.topic_names();
        for topic in fields.topics.iter().flatten().chain(&fields.add_topics) {
            if !known.contains(topic) {
                let defined = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
                return Err(refused(format!("unknown topic `{topic}` (defined: {defined})")));
            }
        }
        for keyword in fields.keywords.iter().chain(&fields.exclude).flatten() {
            Keyword::parse(keyword)
                .map_err(|message| refused(format!("keyword `{keyword}`: {message}")))?;
        }
        if fields.max_papers == Some(0) {
            return Err(refused("--max-papers must be at least 1"));
        }
        let table = self.subscriber_tables()?.get_mut(index).expect("the index was just looked up");
        match fields.name.as_deref().map(str::trim) {
            Some("") => {
                table.remove("name");
            }
            Some(name) => set_value(table, "name", Value::from(name)),
            None => {}
        }
        set_list(table, "topics", fields.topics.as_deref());
        for topic in &fields.add_topics {
            let topics = array_entry(table, "topics")?;
            if !topics.iter().any(|t| t.as_str() == Some(topic)) {
                push_formatted(topics, topic);
            }
        }
        for topic in &fields.remove_topics {
            let topics = array_entry(table, "topics")?;
            let Some(at) = topics.iter().position(|t| t.as_str() == Some(topic)) else {
                return Err(refused(format!("the subscriber does not follow topic `{topic}`")));
            };
            remove_formatted(topics, at);
        }
        set_list(table, "keywords", fields.keywords.as_deref());
        set_list(table, "exclude", fields.exclude.as_deref());
        match fields.max_papers {
            Some(max) => {
                set_value(table, "max_papers", Value::from(i64::try_from(max).unwrap_or(i64::MAX)))
            }
            None if fields.default_max_papers => {
                table.remove("max_papers");
            }
            None => {}
        }
        match fields.paused {
            Some(true) => set_value(table, "paused", Value::from(true)),
            Some(false) => {
                table.remove("paused");
            }
            None => {}
        }
        for (key, value) in
            ["frequency", "weekday", "send_at", "timezone"].iter().zip(&fields.cadence)
        {
            if let Some(value) = value {
                set_value(table, key, Value::from(value.as_str()));
            }
        }
        Ok(())
    }

    /// Adds `[topics.NAME]`, placed after the other topics.
    pub(crate) fn add_topic(&mut self, name: &str, fields: &TopicFields) -> Result<(), EditError> {
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(refused(format!(
                "topic name `{name}` must be letters, digits, `-` or `_`"
            )));
        }
        if self.topic_names().iter().any(|n| n == name) {
            return Err(refused(format!("topic `{name}` already exists")));
        }
        if fields.keywords.is_empty() {
            return Err(refused("a topic needs at least one --keyword"));
        }
        for keyword in fields.keywords.iter().chain(&fields.require).chain(&fields.exclude) {
            Keyword::parse(keyword)
                .map_err(|message| refused(format!("keyword `{keyword}`: {message}")))?;
        }
        self.whole()?;
        let mut table = Table::new();
        table.decor_mut().set_prefix("\n");
        table["keywords"] = Item::Value(string_array(&fields.keywords));
        if !fields.require.is_empty() {
            table["require"] = Item::Value(string_array(&fields.require));
        }
        if !fields.exclude.is_empty() {
            table["exclude"] = Item::Value(string_array(&fields.exclude));
        }
        let topics = self.doc.entry("topics").or_insert_with(|| {
            let mut topics = Table::new();
            topics.set_implicit(true);
            Item::Table(topics)
        });
        let topics = topics.as_table_mut().ok_or_else(|| refused("`topics` is not a table"))?;
        topics.insert(name, Item::Table(table));
        Ok(())
    }

    /// Removes `[topics.NAME]`. A topic still followed is refused unless `force`, which also
    /// takes it out of its followers' `topics`; their addresses are returned.
    pub(crate) fn remove_topic(
        &mut self,
        name: &str,
        force: bool,
    ) -> Result<Vec<String>, EditError> {
        if !self.topic_names().iter().any(|n| n == name) {
            return Err(EditError::NotFound(format!(
                "no topic `{name}` in {}",
                self.path.display()
            )));
        }
        self.whole()?;
        let emails = self.subscriber_emails()?.into_owned();
        let mut followers = Vec::new();
        if let Ok(tables) = self.subscriber_tables() {
            for (index, table) in tables.iter_mut().enumerate() {
                let Some(topics) = table.get_mut("topics").and_then(Item::as_array_mut) else {
                    continue;
                };
                let found = topics.iter().position(|t| t.as_str() == Some(name));
                if let Some(at) = found {
                    followers.push(emails[index].clone());
                    if force {
                        remove_formatted(topics, at);
                    }
                }
            }
        }
        if !followers.is_empty() && !force {
            return Err(refused(format!(
                "topic `{name}` is followed by {}; take it out of their topics first, or pass --force",
                followers.join(", ")
            )));
        }
        let topics =
            self.doc.get_mut("topics").and_then(Item::as_table_like_mut).expect("topics exist");
        topics.remove(name);
        Ok(followers)
    }

    /// Changes `[topics.NAME]`: each list given replaces the topic's own, keeping its spacing
    /// and trailing comment; an empty `require` or `exclude` takes the key out.
    pub(crate) fn set_topic(
        &mut self,
        name: &str,
        changes: &TopicChanges,
    ) -> Result<(), EditError> {
        let shown = self.path.display().to_string();
        let not_found = || EditError::NotFound(format!("no topic `{name}` in {shown}"));
        if !self.topic_names().iter().any(|n| n == name) {
            return Err(not_found());
        }
        if changes.keywords.as_ref().is_some_and(Vec::is_empty) {
            return Err(refused("a topic needs at least one --keyword"));
        }
        let given = [&changes.keywords, &changes.require, &changes.exclude];
        if given.iter().all(|list| list.is_none()) {
            return Err(refused("nothing to change: give at least one option"));
        }
        for keyword in given.into_iter().flatten().flatten() {
            // The parser's message names the keyword already.
            Keyword::parse(keyword).map_err(refused)?;
        }
        self.whole()?;
        let topic = self
            .doc
            .get_mut("topics")
            .and_then(Item::as_table_like_mut)
            .and_then(|topics| topics.get_mut(name))
            .and_then(Item::as_table_like_mut)
            .ok_or_else(not_found)?;
        for (key, list) in [
            ("keywords", &changes.keywords),
            ("require", &changes.require),
            ("exclude", &changes.exclude),
        ] {
            match list {
                None => {}
                Some(items) if items.is_empty() => {
                    topic.remove(key);
                }
                Some(items) => {
                    let mut value = string_array(items);
                    // Replacing the value in place keeps the key, and the comment above it.
                    match topic.get_mut(key) {
                        Some(item) => {
                            if let Some(old) = item.as_value() {
                                *value.decor_mut() = old.decor().clone();
                            }
                            *item = Item::Value(value);
                        }
                        None => {
                            topic.insert(key, Item::Value(value));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Validates the edited config and writes it, keeping the old file as `.bak`.
    ///
    /// Nothing is written when the result would not load or nothing changed.
    pub(crate) fn save(self) -> Result<Config, EditError> {
        let text = self.text();
        let config = Config::parse(&text, &self.path).map_err(EditError::WouldNotLoad)?;
        if text != self.original {
            let fail = |source| EditError::Write { path: self.path.clone(), source };
            let backup = backup_path(&self.path);
            crate::atomic::write_with_mode_of(&backup, self.original.as_bytes(), &self.path)
                .map_err(fail)?;
            crate::atomic::write(&self.path, text.as_bytes()).map_err(fail)?;
        }
        Ok(config)
    }
}

/// Parses the text of the config at `path`, naming the line of a syntax error.
fn parse_document(text: &str, path: &Path) -> Result<DocumentMut, EditError> {
    DocumentMut::from_str(text).map_err(|err| {
        let lines = Lines::new(text.as_bytes());
        let line = err.span().map(|span| lines.line(span.start));
        let problems = vec![Problem { line, key: None, message: err.message().to_owned() }];
        EditError::Config(ConfigError { path: path.to_owned(), problems })
    })
}

/// The names of the `[topics.NAME]` tables, in file order.
fn topic_names(doc: &DocumentMut) -> Vec<String> {
    doc.get("topics")
        .and_then(Item::as_table_like)
        .map(|topics| topics.iter().map(|(name, _)| name.to_owned()).collect())
        .unwrap_or_default()
}

/// The lines of a table's leading comments that belong to a section rather than to the
/// table: everything before the last blank line.
fn section_comments(prefix: &str) -> String {
    let lines: Vec<&str> = prefix.lines().collect();
    let Some(last_blank) = lines.iter().rposition(|line| line.trim().is_empty()) else {
        return String::new();
    };
    let kept = &lines[..last_blank];
    if kept.iter().all(|line| line.trim().is_empty()) {
        return String::new();
    }
    kept.iter().map(|line| format!("{line}\n")).collect()
}

/// Calls `visit` on every table of the document, arrays of tables included.
fn visit_tables(table: &mut Table, visit: &mut dyn FnMut(&mut Table)) {
    visit(table);
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(child) => visit_tables(child, visit),
            Item::ArrayOfTables(tables) => {
                for child in tables.iter_mut() {
                    visit_tables(child, visit);
                }
            }
            Item::None | Item::Value(_) => {}
        }
    }
}

/// `paperboy.toml` → `paperboy.toml.bak`.
pub(crate) fn backup_path(path: &Path) -> PathBuf {
    sibling(path, ".bak")
}

/// `paperboy.toml` with `suffix` added to its name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(suffix);
    path.with_file_name(name)
}

/// Parses an address as the loader does.
fn parse_address(email: &str) -> Result<Address, EditError> {
    super::subscriber_address(email).map_err(refused)
}

fn string_array(items: &[String]) -> Value {
    Value::Array(items.iter().map(String::as_str).collect::<Array>())
}

/// Replaces or adds `key`, keeping the old value's spacing and trailing comment.
fn set_value(table: &mut Table, key: &str, mut value: Value) {
    if let Some(old) = table.get(key).and_then(Item::as_value) {
        *value.decor_mut() = old.decor().clone();
    }
    table[key] = Item::Value(value);
}

/// Replaces a list when one is given; an empty one (the preferences page with every box
/// unticked) takes the key out rather than writing `[]`.
fn set_list(table: &mut Table, key: &str, items: Option<&[String]>) {
    match items {
        Some([]) => {
            table.remove(key);
        }
        Some(items) => set_value(table, key, string_array(items)),
        None => {}
    }
}

fn array_entry<'t>(table: &'t mut Table, key: &str) -> Result<&'t mut Array, EditError> {
    table
        .entry(key)
        .or_insert(Item::Value(Value::Array(Array::new())))
        .as_array_mut()
        .ok_or_else(|| refused(format!("`{key}` is not an array")))
}

/// Appends to an array in the style of its last element: `[ "a" ]` becomes `[ "a", "b" ]`,
/// and a one-item-per-line array stays so.
fn push_formatted(array: &mut Array, item: &str) {
    let mut value = Value::from(item);
    if let Some(last) = array.iter_mut().last() {
        let raw = |decor: Option<&toml_edit::RawString>| {
            decor.and_then(|r| r.as_str()).unwrap_or("").to_owned()
        };
        let last_prefix = raw(last.decor().prefix());
        let suffix = raw(last.decor().suffix());
        last.decor_mut().set_suffix("");
        let prefix = if last_prefix.contains('\n') { last_prefix } else { " ".to_owned() };
        value.decor_mut().set_prefix(prefix);
        value.decor_mut().set_suffix(suffix);
    }
    array.push_formatted(value);
}

/// Removes from an array, handing the removed element's outer spacing to its neighbour:
/// `[ "a", "b" ]` loses `"a"` as `[ "b" ]` and `"b"` as `[ "a" ]`.
fn remove_formatted(array: &mut Array, at: usize) {
    let was_last = at + 1 == array.len();
    let removed = array.remove(at);
    if at == 0
        && let Some(first) = array.iter_mut().next()
    {
        let prefix = removed.decor().prefix().cloned().unwrap_or_default();
        first.decor_mut().set_prefix(prefix);
    }
    if was_last && let Some(last) = array.iter_mut().last() {
        let suffix = removed.decor().suffix().cloned().unwrap_or_default();
        last.decor_mut().set_suffix(suffix);
    }
}

#[cfg(test)]
mod tests;
