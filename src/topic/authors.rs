//! Followed authors: whether a name a subscriber follows is the name a paper gives.
//!
//! Names compare by surname, then by given names one position at a time, where an initial
//! stands for any name it starts: "G. Hinton" is "Geoffrey Hinton" and "Geoffrey E. Hinton"
//! (a middle name one side lacks is not held against it), and "HINTON, Geoffrey" is read
//! surname first because of its comma. Accents and case do not count. A followed name needs a
//! given name or an initial, so "Li" alone follows nobody rather than every Li. What this
//! cannot know: two people with the same name and initial are one to it, and a name written
//! surname first without a comma ("Li Fei-Fei") is read as given name "Li". Nothing here
//! reads files or picks papers.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A person's name, ready to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorName {
    /// As written, for messages.
    pub(crate) written: String,
    /// Lowercase, without accents, spaces or hyphens: "vanderwaals" for "van der Waals".
    surname: String,
    /// Lowercase and without accents, in order; an initial is one letter.
    given: Vec<String>,
}

/// Words that end a name without being part of it.
const SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv"];

/// Lowercase particles that start a surname when a name is written given name first.
const PARTICLES: &[&str] =
    &["van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "le", "la"];

impl AuthorName {
    /// Reads "Given Family", "Family, Given" or "G. Family". `None` for a text with no
    /// letters in it.
    pub(crate) fn parse(text: &str) -> Option<AuthorName> {
        let plain: String = text.nfkd().filter(|c| !is_combining_mark(*c)).collect();
        let (family, given) = match plain.split_once(',') {
            // "Hinton, Jr., Geoffrey" has its suffix in the middle.
            Some((family, rest)) => {
                let given = rest.rsplit(',').next().unwrap_or(rest);
                (family.to_owned(), given.to_owned())
            }
            None => {
                let words: Vec<&str> = plain.split_whitespace().collect();
                let words: Vec<&str> = match words.split_last() {
                    Some((last, rest)) if is_suffix(last) => rest.to_vec(),
                    _ => words,
                };
                let (last, rest) = words.split_last()?;
                // The family name takes the lowercase particles before it: "Ludwig van
                // Beethoven".
                let mut start = rest.len();
                while start > 0 && PARTICLES.contains(&rest[start - 1]) {
                    start -= 1;
                }
                let mut family = rest[start..].join(" ");
                family.push(' ');
                family.push_str(last);
                (family, rest[..start].join(" "))
            }
        };
        let surname: String =
            family.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
        if surname.is_empty() {
            return None;
        }
        let given = given
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty() && !is_suffix(word))
            .map(str::to_lowercase)
            .collect();
        Some(AuthorName { written: text.trim().to_owned(), surname, given })
    }

    /// The surname as compared, for looking names up.
    pub(crate) fn surname(&self) -> &str {
        &self.surname
    }

    /// Whether it has a given name or initial; a followed name must.
    pub(crate) fn has_given_name(&self) -> bool {
        !self.given.is_empty()
    }

    /// Whether this followed name is the author `other`, by the rules of the module.
    pub(crate) fn follows(&self, other: &AuthorName) -> bool {
        self.surname == other.surname
            && !self.given.is_empty()
            && !other.given.is_empty()
            && self.given.iter().zip(&other.given).all(|(a, b)| same_given(a, b))
    }
}

fn is_suffix(word: &str) -> bool {
    SUFFIXES.contains(&word.trim_end_matches('.').to_lowercase().as_str())
}

/// Two given names at the same place: equal, or one is the other's initial.
fn same_given(a: &str, b: &str) -> bool {
    let initial = |x: &str| x.chars().count() == 1;
    a == b || ((initial(a) || initial(b)) && a.chars().next() == b.chars().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn follows(followed: &str, author: &str) -> bool {
        AuthorName::parse(followed).unwrap().follows(&AuthorName::parse(author).unwrap())
    }

    #[test]
    fn an_initial_stands_for_the_given_name() {
        assert!(follows("G. Hinton", "Geoffrey Hinton"));
        assert!(follows("Geoffrey Hinton", "G. Hinton"));
        assert!(follows("G Hinton", "Geoffrey E. Hinton"));
    }

    #[test]
    fn a_middle_name_one_side_lacks_does_not_count() {
        assert!(follows("Geoffrey Hinton", "Geoffrey E. Hinton"));
        assert!(follows("Geoffrey Everest Hinton", "Geoffrey Hinton"));
        assert!(!follows("Geoffrey E. Hinton", "Geoffrey A. Hinton"));
    }

    #[test]
    fn surname_first_with_a_comma_and_any_case() {
        assert!(follows("G. Hinton", "HINTON, Geoffrey"));
        assert!(follows("hinton, g.", "Geoffrey Hinton"));
        assert!(follows("Geoffrey Hinton", "Hinton, Jr., Geoffrey"));
    }

    #[test]
    fn accents_do_not_count() {
        assert!(follows("Jose Hernandez-Orallo", "José Hernández-Orallo"));
        assert!(follows("Zoë Kravitz", "ZOE KRAVITZ"));
        assert!(follows("Fei-Fei Li", "F.-F. Li"));
    }

    #[test]
    fn another_surname_or_given_name_is_another_person() {
        assert!(!follows("Geoffrey Hinton", "Geoffrey Hintz"));
        assert!(!follows("G. Hinton", "Geoffrey Hintz"));
        assert!(!follows("Geoffrey Hinton", "Gordon Hinton"));
        assert!(!follows("Juntao Li", "Jialu Li"));
    }

    #[test]
    fn a_surname_alone_follows_nobody() {
        assert!(!follows("Li", "Fei-Fei Li"));
        assert!(!follows("Li", "Li"));
        assert!(!follows("Fei-Fei Li", "Li"));
    }

    #[test]
    fn particles_belong_to_the_surname() {
        assert!(follows("Ludwig van Beethoven", "van Beethoven, L."));
        assert!(!follows("Ludwig van Beethoven", "Ludwig Beethoven"));
    }

    #[test]
    fn no_letters_is_no_name() {
        assert_eq!(AuthorName::parse(" , "), None);
        assert_eq!(AuthorName::parse(""), None);
    }
}
