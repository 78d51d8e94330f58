//! Keywords as a subscriber writes them, compiled once into what the index looks up.

use std::collections::HashMap;
use std::fmt;

use super::tokens::{Token, keyword_words, singular};

/// Where in a paper a keyword looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    /// The title or the abstract (with the keywords a source attaches): no prefix.
    TitleOrAbstract,
    /// `title:` the title only.
    Title,
    /// `author:` an author's name.
    Author,
    /// `category:` an arXiv category such as `cs.LG`.
    Category,
}

impl Scope {
    const PREFIXES: [(&'static str, Scope); 3] =
        [("title:", Scope::Title), ("author:", Scope::Author), ("category:", Scope::Category)];
}

/// A word of a keyword.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Term {
    /// A whole word, in its singular base form.
    Word(String),
    /// `distill*`: any word that starts with this (folded, not singular).
    Prefix(String),
}

impl Term {
    pub(crate) fn matches(&self, token: &Token) -> bool {
        match self {
            Term::Word(word) => token.singular == *word,
            Term::Prefix(prefix) => token.folded.starts_with(prefix.as_str()),
        }
    }
}

/// A keyword or phrase, compiled.
#[derive(Debug, Clone)]
pub(crate) struct Keyword {
    text: String,
    pub(crate) scope: Scope,
    pub(crate) terms: Vec<Term>,
}

impl Keyword {
    /// Compiles a keyword; an error says what is wrong with it, without the location.
    pub(crate) fn parse(text: &str) -> Result<Keyword, String> {
        if text.chars().any(char::is_control) {
            // It would reach terminals (`subscriber list`) and mail as it is.
            return Err(format!("keyword {text:?} holds a control character"));
        }
        let trimmed = text.trim();
        let (scope, rest) = Scope::PREFIXES
            .iter()
            .find_map(|(prefix, scope)| {
                let head = trimmed.get(..prefix.len())?;
                head.eq_ignore_ascii_case(prefix).then(|| (*scope, &trimmed[prefix.len()..]))
            })
            .unwrap_or((Scope::TitleOrAbstract, trimmed));
        let words = keyword_words(rest).map_err(str::to_owned)?;
        if words.is_empty() {
            return Err(format!("keyword `{text}` has no letters or digits to match"));
        }
        let terms = words
            .into_iter()
            .map(|word| match word.ends_with_star {
                true => Term::Prefix(word.folded),
                false => Term::Word(singular(&word.folded)),
            })
            .collect();
        Ok(Keyword { text: trimmed.to_owned(), scope, terms })
    }

    /// The keyword as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    #[cfg(test)]
    /// Where it looks.
    pub(crate) fn scope(&self) -> Scope {
        self.scope
    }

    /// Where the keyword's words stand in a row in `tokens`, as token index ranges.
    pub(crate) fn occurrences<'t>(
        &'t self,
        tokens: &'t [Token],
    ) -> impl Iterator<Item = usize> + 't {
        let n = self.terms.len();
        (0..tokens.len().saturating_sub(n - 1)).filter(move |&start| {
            self.terms
                .iter()
                .zip(&tokens[start..start + n])
                .all(|(term, token)| term.matches(token))
        })
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Two keywords are the same when they match the same words in the same place.
impl PartialEq for Keyword {
    fn eq(&self, other: &Keyword) -> bool {
        self.scope == other.scope && self.terms == other.terms
    }
}

/// A keyword's number in the [`Lexicon`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct KeywordId(pub(crate) u32);

/// Every distinct keyword of a config, numbered, so each is looked up once a day however
/// many topics and subscribers use it.
#[derive(Debug, Default, Clone)]
pub struct Lexicon {
    keywords: Vec<Keyword>,
    ids: HashMap<(Scope, Vec<Term>), KeywordId>,
}

impl Lexicon {
    /// The id of `keyword`, adding it if it is new.
    pub(crate) fn intern(&mut self, keyword: Keyword) -> KeywordId {
        let key = (keyword.scope, keyword.terms.clone());
        if let Some(id) = self.ids.get(&key) {
            return *id;
        }
        let id =
            KeywordId(u32::try_from(self.keywords.len()).expect("fewer than 4 billion keywords"));
        self.keywords.push(keyword);
        self.ids.insert(key, id);
        id
    }

    /// The keyword with this id.
    pub(crate) fn get(&self, id: KeywordId) -> &Keyword {
        &self.keywords[id.0 as usize]
    }

    /// How many distinct keywords there are.
    pub fn len(&self) -> usize {
        self.keywords.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keywords.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_prefixes_set_the_scope() {
        assert_eq!(Keyword::parse("title:diffusion").unwrap().scope(), Scope::Title);
        assert_eq!(Keyword::parse("Author: Yann LeCun").unwrap().scope(), Scope::Author);
        assert_eq!(Keyword::parse("category:cs.LG").unwrap().scope(), Scope::Category);
        let plain = Keyword::parse("GPT-4: a report").unwrap();
        assert_eq!(plain.scope(), Scope::TitleOrAbstract);
        assert_eq!(plain.terms.len(), 4);
        assert!(Keyword::parse("title:").is_err());
    }

    #[test]
    fn the_lexicon_numbers_each_distinct_keyword_once() {
        let mut lexicon = Lexicon::default();
        let a = lexicon.intern(Keyword::parse("Vision Transformers").unwrap());
        let b = lexicon.intern(Keyword::parse("vision transformer").unwrap());
        let c = lexicon.intern(Keyword::parse("title:vision transformer").unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(lexicon.len(), 2);
        assert_eq!(lexicon.get(a).as_str(), "Vision Transformers");
    }
}
