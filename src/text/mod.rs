//! Text helpers every layer may use: one-line messages, header text, file names, percent
//! encoding, a stable hash and counts with their noun. A leaf: it names nothing of paperboy.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

pub(crate) mod plural;
pub(crate) mod sentences;

/// Control characters (a line break in a quoted value above all) as escapes, so a message
/// stays one line and cannot fake a second `error:` line.
pub(crate) fn one_line(message: &str) -> String {
    message
        .chars()
        .flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] })
        .collect()
}

/// Text for a header: control characters (CR and LF above all) become spaces, so no name or
/// title from a config or a paper can start a header of its own.
pub(crate) fn header_safe(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// FNV-1a, 64 bits: fixed by its definition, so ids and Message-IDs never change between
/// builds the way `std`'s randomly keyed hasher would.
pub(crate) fn stable_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Everything but RFC 3986's unreserved characters (letters, digits, `-._~`) is escaped.
const URL_COMPONENT: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Letters, digits and `@._+-` stay in a file name.
const FILE_NAME: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'@').remove(b'.').remove(b'_').remove(b'+').remove(b'-');

/// Text as one URL query value or path segment: every byte but RFC 3986's unreserved
/// characters as `%XX`, so an address with `+` or `&` stays one value.
pub(crate) fn url_component(text: &str) -> String {
    utf8_percent_encode(text, URL_COMPONENT).to_string()
}

/// The longest name [`file_safe`] gives. File systems take 255 bytes; this leaves room for
/// `.html` and for the temporary name of an atomic write (`.NAME.PID.N.tmp`, 36 bytes more).
pub(crate) const FILE_SAFE_MAX: usize = 200;

/// An address as a file name: letters, digits and `@._+-` stay, every other byte becomes
/// `%XX`, so two addresses never share a file and none can leave the folder.
///
/// A name longer than [`FILE_SAFE_MAX`] (a 64-byte local part of `%XX` escapes is 192 bytes
/// alone) is cut and ends in `~` and a SHA-256 prefix of the whole text: the same text always
/// gives the same name, and no short name can look like it, since `~` is always escaped.
pub(crate) fn file_safe(text: &str) -> String {
    use sha2::Digest as _;

    let encoded = utf8_percent_encode(text, FILE_NAME).to_string();
    if encoded.len() <= FILE_SAFE_MAX {
        return encoded;
    }
    let hash = sha2::Sha256::digest(text.as_bytes());
    let suffix: String = hash[..16].iter().map(|byte| format!("{byte:02x}")).collect();
    let mut cut = FILE_SAFE_MAX - 1 - suffix.len();
    // Never end inside an `%XX` escape: the kept part still reads as the address it began.
    if let Some(percent) = encoded[cut.saturating_sub(2)..cut].find('%') {
        cut = cut - 2 + percent;
    }
    format!("{}~{suffix}", &encoded[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_loses_control_characters() {
        assert_eq!(header_safe("a\r\nBcc: x\tb"), "a Bcc: x b");
    }

    #[test]
    fn one_line_escapes_control_characters() {
        assert_eq!(one_line("a\nerror: b\t"), "a\\nerror: b\\t");
    }

    #[test]
    fn url_components_escape_all_but_unreserved_characters() {
        assert_eq!(url_component("a+b c/é~_.-"), "a%2Bb%20c%2F%C3%A9~_.-");
        assert_eq!(url_component("a+b&c@x.org"), "a%2Bb%26c%40x.org");
        assert_eq!(url_component("-._~ /?#é"), "-._~%20%2F%3F%23%C3%A9");
    }

    #[test]
    fn every_byte_is_encoded_as_before() {
        // The hand-written encoder these replaced: `%XX` for every byte but ASCII letters,
        // digits and `keep`.
        fn before(text: &str, keep: &[u8]) -> String {
            text.bytes()
                .map(|byte| {
                    if byte.is_ascii_alphanumeric() || keep.contains(&byte) {
                        char::from(byte).to_string()
                    } else {
                        format!("%{byte:02X}")
                    }
                })
                .collect()
        }
        let all: String = (0..=0x7f_u8).map(char::from).chain("é€😀".chars()).collect();
        assert_eq!(url_component(&all), before(&all, b"-._~"));
        assert_eq!(utf8_percent_encode(&all, FILE_NAME).to_string(), before(&all, b"@._+-"));
    }

    #[test]
    fn file_names_keep_addresses_readable_and_safe() {
        assert_eq!(file_safe("a.b+c@example.com"), "a.b+c@example.com");
        assert_eq!(file_safe("../x/y@z"), "..%2Fx%2Fy@z");
        assert_ne!(file_safe("a/b@z"), file_safe("a_b@z"));
        assert_ne!(file_safe("a%2Fb@z"), file_safe("a/b@z"));
        assert_eq!(file_safe("jörg@z"), "j%C3%B6rg@z");
    }

    #[test]
    fn short_names_are_kept_exactly_and_long_ones_differ_from_every_short_one() {
        let at_limit = format!("{}@z", "a".repeat(FILE_SAFE_MAX - 2));
        assert_eq!(file_safe(&at_limit), at_limit);
        let over = format!("{}@z", "a".repeat(FILE_SAFE_MAX - 1));
        assert!(file_safe(&over).contains('~') && file_safe(&over).len() <= FILE_SAFE_MAX);
        assert!(!file_safe("a~b@z").contains('~'), "a short name never has a bare `~`");
    }
}
