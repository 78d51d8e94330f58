//! Byte offsets turned into the lines and columns people look for, for every message that
//! points into a file: a config, a listing.

use std::cell::OnceCell;

/// A text whose line starts are found once, on the first lookup, so that a file with
/// thousands of problems costs a binary search per problem, not a count from the top.
pub(crate) struct Lines<'t> {
    text: &'t [u8],
    starts: OnceCell<Vec<usize>>,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t [u8]) -> Lines<'t> {
        Lines { text, starts: OnceCell::new() }
    }

    fn starts(&self) -> &[usize] {
        self.starts.get_or_init(|| {
            let breaks = self.text.iter().enumerate().filter(|&(_, &b)| b == b'\n');
            std::iter::once(0).chain(breaks.map(|(at, _)| at + 1)).collect()
        })
    }

    /// The 1-based line that holds byte `offset` (clamped to the text).
    pub(crate) fn line(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.starts().partition_point(|&start| start <= offset)
    }

    /// The 1-based line and column (in characters) of byte `offset`, clamped to the text
    /// and to the start of the character it falls in.
    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        let is_continuation = |b: u8| b & 0xC0 == 0x80;
        while offset > 0 && self.text.get(offset).copied().is_some_and(is_continuation) {
            offset -= 1;
        }
        let line = self.line(offset);
        let start = self.starts()[line - 1];
        let characters = self.text[start..offset].iter().filter(|&&b| !is_continuation(b));
        (line, 1 + characters.count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one_and_survive_any_offset() {
        let lines = Lines::new(b"ab\ncd\n\nx");
        let at: Vec<usize> = [0, 2, 3, 5, 6, 7, 99].iter().map(|&o| lines.line(o)).collect();
        assert_eq!(at, [1, 1, 2, 2, 3, 4, 4]);
        assert_eq!(Lines::new(b"").line(0), 1);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(Lines::new("ab\ncé\nx".as_bytes()).line_column(6), (2, 3));
        assert_eq!(Lines::new("ab\ncé".as_bytes()).line_column(5), (2, 2));
        assert_eq!(Lines::new(b"ab").line_column(99), (1, 3));
    }
}
