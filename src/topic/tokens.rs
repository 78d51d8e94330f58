//! The one tokenizer that papers and keywords share, so both sides of a match agree.
//!
//! Words are runs of letters and digits, folded to lowercase without accents. Each word also
//! gets a singular form (see `singular`), so plurals and possessives match and derived words
//! do not.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

pub(crate) use super::singular::singular;

/// A word of running text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// Lowercase, accents removed: what a trailing-`*` keyword compares its prefix with.
    pub(crate) folded: String,
    /// The folded word in the singular: what a whole-word keyword compares with.
    pub(crate) singular: String,
    /// Where the word stands in the original text, in bytes, for highlighting.
    pub(crate) span: Range<usize>,
}

/// A word of a keyword, and whether a `*` after it asks for every word that starts so.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct KeywordWord {
    pub(crate) folded: String,
    pub(crate) ends_with_star: bool,
}

/// Splits running text into tokens.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    each_word(text, |folded, span, _| {
        tokens.push(Token { singular: singular(folded), folded: folded.to_owned(), span });
    });
    tokens
}

/// Calls `visit` with each folded word of running text, in order, allocating nothing per
/// word: what indexing a day's papers needs.
pub(crate) fn each_folded(text: &str, mut visit: impl FnMut(&str)) {
    each_word(text, |folded, _, _| visit(folded));
}

/// Splits a keyword into words, keeping which end in `*`; an `*` anywhere else is an error.
pub(crate) fn keyword_words(keyword: &str) -> Result<Vec<KeywordWord>, &'static str> {
    let mut words = Vec::new();
    each_word(keyword, |folded, _, ends_with_star| {
        words.push(KeywordWord { folded: folded.to_owned(), ends_with_star });
    });
    if words.iter().filter(|w| w.ends_with_star).count() != keyword.matches('*').count() {
        return Err("`*` may only end a word, as in `distill*`");
    }
    Ok(words)
}

/// A character after accent folding, with the bytes of the original character it came from.
struct Folded {
    c: char,
    from: Range<usize>,
}

/// Calls `visit` with each word: folded, the bytes it spans in `text`, and whether a `*`
/// ends it.
fn each_word(text: &str, visit: impl FnMut(&str, Range<usize>, bool)) {
    // Most text is ASCII, where a byte is a folded character of its own.
    if text.is_ascii() {
        let bytes = text.as_bytes();
        let at = |index: usize| {
            bytes.get(index).map(|&b| Folded { c: char::from(b), from: index..index + 1 })
        };
        split_words(bytes.len(), at, visit);
        return;
    }
    let mut chars: Vec<Folded> = Vec::with_capacity(text.len());
    for (at, original) in text.char_indices() {
        let from = at..at + original.len_utf8();
        if original.is_ascii() {
            chars.push(Folded { c: original, from });
        } else {
            for c in std::iter::once(original).nfkd().filter(|c| !is_combining_mark(*c)) {
                chars.push(Folded { c, from: from.clone() });
            }
        }
    }
    let at = |index: usize| chars.get(index).map(|f| Folded { c: f.c, from: f.from.clone() });
    split_words(chars.len(), at, visit);
}

/// The words among `len` folded characters, which `at` gives by index.
fn split_words(
    len: usize,
    at: impl Fn(usize) -> Option<Folded>,
    mut visit: impl FnMut(&str, Range<usize>, bool),
) {
    let is_word_char_at = |index: usize| at(index).is_some_and(|f| f.c.is_alphanumeric());
    let mut current = String::new();
    let mut span = 0..0;
    let mut index = 0;
    while index < len {
        let Some(Folded { c, from }) = at(index) else { break };
        index += 1;
        if c.is_alphanumeric() {
            if current.is_empty() {
                span.start = from.start;
            }
            span.end = from.end;
            if c.is_ascii() {
                current.push(c.to_ascii_lowercase());
            } else {
                current.extend(c.to_lowercase());
            }
            continue;
        }
        if current.is_empty() {
            continue;
        }
        // `model's` is `model`; `students'` is `students`.
        if is_apostrophe(c)
            && at(index).is_some_and(|f| matches!(f.c, 's' | 'S'))
            && !is_word_char_at(index + 1)
        {
            index += 1;
        }
        let ends_with_star = c == '*' && !is_word_char_at(index);
        visit(&current, span.clone(), ends_with_star);
        current.clear();
    }
    if !current.is_empty() {
        visit(&current, span, false);
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.folded).collect()
    }

    #[test]
    fn punctuation_and_hyphens_separate_words() {
        assert_eq!(folded("Click-Through Rate (CTR)."), ["click", "through", "rate", "ctr"]);
    }

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(folded("Pižurica ÉCOLE"), ["pizurica", "ecole"]);
    }

    #[test]
    fn tokens_know_where_they_stand_in_the_original() {
        let text = "Pižurica's click-through";
        let spans: Vec<&str> = tokenize(text).iter().map(|t| &text[t.span.clone()]).collect();
        assert_eq!(spans, ["Pižurica", "click", "through"]);
    }

    #[test]
    fn possessives_lose_their_s() {
        assert_eq!(
            folded("the model's and the students' view"),
            ["the", "model", "and", "the", "students", "view"]
        );
        assert_eq!(folded("model’s"), ["model"]);
        assert_eq!(folded("don't"), ["don", "t"]);
    }

    #[test]
    fn plurals_become_singular_and_derived_words_do_not() {
        for (plural, one) in [
            ("transformers", "transformer"),
            ("classes", "class"),
            ("studies", "study"),
            ("caches", "cache"),
            ("images", "image"),
            ("boxes", "box"),
            ("matches", "match"),
            ("llms", "llm"),
            ("uses", "use"),
            ("buses", "bus"),
            ("sizes", "size"),
        ] {
            assert_eq!(singular(plural), singular(one), "{plural}");
        }
        for whole in ["status", "analysis", "class", "gas", "virus"] {
            assert_eq!(singular(whole), whole);
        }
        assert_ne!(singular("transformation"), singular("transformer"));
        assert_ne!(singular("transformed"), singular("transformer"));
        assert_ne!(singular("studied"), singular("study"));
    }

    #[test]
    fn a_star_marks_the_word_it_ends() {
        let words = keyword_words("vision distill*").unwrap();
        assert!(!words[0].ends_with_star);
        assert!(words[1].ends_with_star);
        assert_eq!(words[1].folded, "distill");
    }

    #[test]
    fn a_star_inside_or_alone_is_refused() {
        assert!(keyword_words("dis*till").is_err());
        assert!(keyword_words("*").is_err());
        assert!(keyword_words("a *b").is_err());
    }
}
