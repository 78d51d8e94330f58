//! Counts with the noun that agrees with them ("1 source", "2 sources"), for every message
//! that states a number. A leaf: it knows nothing of paperboy.

/// `1 source`, `0 sources`, `2 sources`: the noun takes an `s` unless the count is one.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

/// [`count`] for a noun whose plural is not `noun` + `s` (`1 try`, `2 tries`).
pub(crate) fn count_as(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "source"), "1 source");
        assert_eq!(count(0, "source"), "0 sources");
        assert_eq!(count(2, "problem"), "2 problems");
        assert_eq!(count_as(1, "try", "tries"), "1 try");
        assert_eq!(count_as(3, "delivery", "deliveries"), "3 deliveries");
    }
}
