//! The transfer encoding of a digest's text and HTML parts, in one pass over each.
//!
//! lettre's `Body::new` does this job in four passes: it scans to choose an encoding, scans
//! again for line ends, inserts each missing `\r` in place (moving the rest of the body each
//! time, so quadratic in the lines), then quoted-printable-encodes byte by byte. At volume
//! that was a third of building a message. The choice here is the same as lettre's: `7bit`
//! for ASCII with short lines, quoted-printable for mostly-ASCII text, and lettre's own
//! base64 for the rest (text in a non-Latin script), with CRLF line ends throughout.
//!
//! Nothing here knows about digests; it turns text into a lettre `Body`.

use lettre::message::Body;
use lettre::message::header::ContentTransferEncoding;

/// Quoted-printable lines stop at 76 characters (RFC 2045 6.7), the soft break's `=`
/// included; 7bit lines are held to the same, as lettre does.
const LINE: usize = 76;

/// The encoded body for `text`.
pub(crate) fn body(text: &str) -> Body {
    let bytes = text.as_bytes();
    let encoded = quoted_printable(bytes);
    if encoded.escapes == 0 && !encoded.soft_breaks {
        // Nothing was escaped or broken: the quoted-printable text is the text itself with
        // CRLF line ends, which is what 7bit sends.
        return Body::dangerous_pre_encoded(encoded.bytes, ContentTransferEncoding::SevenBit);
    }
    if encoded.escapes <= bytes.len() / 3 {
        return Body::dangerous_pre_encoded(
            encoded.bytes,
            ContentTransferEncoding::QuotedPrintable,
        );
    }
    Body::new(text.to_owned())
}

/// Whether `byte` stands for itself in quoted-printable: printable ASCII but `=`, space and
/// tab (these two only inside a line; the encoder sees to that). Comparisons, not a table,
/// so that the run scan below vectorizes.
fn literal(byte: u8) -> bool {
    (byte.wrapping_sub(b' ') < 95 && byte != b'=') || byte == b'\t'
}

struct Encoded {
    bytes: Vec<u8>,
    /// Bytes written as `=XX`.
    escapes: usize,
    /// Whether a line was too long and got a soft break.
    soft_breaks: bool,
}

/// RFC 2045 quoted-printable, text mode, in one pass: line ends become CRLF hard breaks,
/// lines are soft-broken (`=` CRLF) before 76 characters, and `=`, non-ASCII, control
/// characters and a space or tab ending a line become `=XX`. Runs of literal bytes are
/// found 16 at a time and copied whole.
fn quoted_printable(bytes: &[u8]) -> Encoded {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let room = LINE - 1; // the soft break's `=` takes the last column
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16 + 16);
    let (mut escapes, mut soft_breaks) = (0, false);
    let line_end = |at: usize| match bytes.get(at) {
        None | Some(b'\n') => true,
        Some(b'\r') => bytes.get(at + 1) == Some(&b'\n'),
        Some(_) => false,
    };
    let (mut at, mut column) = (0, 0);
    while at < bytes.len() {
        let limit = bytes.len().min(at + room - column);
        let mut end = at;
        while end + 16 <= limit
            && bytes[end..end + 16].iter().fold(true, |all, &b| all & literal(b))
        {
            end += 16;
        }
        while end < limit && literal(bytes[end]) {
            end += 1;
        }
        if end > at && line_end(end) && matches!(bytes[end - 1], b' ' | b'\t') {
            // White space ending a line would be stripped in transit: it gets encoded.
            end -= 1;
        }
        out.extend_from_slice(&bytes[at..end]);
        column += end - at;
        at = end;
        match bytes.get(at) {
            None => break,
            Some(b'\n') => {
                out.extend_from_slice(b"\r\n");
                (at, column) = (at + 1, 0);
            }
            Some(b'\r') if line_end(at) => {
                out.extend_from_slice(b"\r\n");
                (at, column) = (at + 2, 0);
            }
            Some(&byte) => {
                let escape = !literal(byte) || (matches!(byte, b' ' | b'\t') && line_end(at + 1));
                let width = if escape { 3 } else { 1 };
                if column + width > room {
                    out.extend_from_slice(b"=\r\n");
                    (column, soft_breaks) = (0, true);
                }
                if escape {
                    out.extend_from_slice(&[
                        b'=',
                        HEX[usize::from(byte >> 4)],
                        HEX[usize::from(byte & 15)],
                    ]);
                    escapes += 1;
                } else {
                    out.push(byte);
                }
                column += width;
                at += 1;
            }
        }
    }
    Encoded { bytes: out, escapes, soft_breaks }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain decoder, to check that encoding loses nothing.
    fn decode(encoded: &[u8]) -> Vec<u8> {
        let text = std::str::from_utf8(encoded).expect("quoted-printable is ASCII");
        let mut out = Vec::new();
        let lines: Vec<&str> = text.split("\r\n").collect();
        for (index, line) in lines.iter().enumerate() {
            let (content, soft) = match line.strip_suffix('=') {
                Some(content) => (content, true),
                None => (*line, false),
            };
            let bytes = content.as_bytes();
            let mut at = 0;
            while at < bytes.len() {
                if bytes[at] == b'=' {
                    let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    at += 3;
                } else {
                    out.push(bytes[at]);
                    at += 1;
                }
            }
            if !soft && index + 1 < lines.len() {
                out.extend_from_slice(b"\r\n");
            }
        }
        out
    }

    /// `bytes` with every line ending in CRLF: what decoding must give back.
    fn crlf(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            match line.strip_suffix(b"\n") {
                Some(body) => {
                    out.extend_from_slice(body.strip_suffix(b"\r").unwrap_or(body));
                    out.extend_from_slice(b"\r\n");
                }
                None => out.extend_from_slice(line),
            }
        }
        out
    }

    fn check(input: &str) {
        let encoded = quoted_printable(input.as_bytes()).bytes;
        assert_eq!(decode(&encoded), crlf(input.as_bytes()), "round trip of {input:?}");
        for line in std::str::from_utf8(&encoded).unwrap().split("\r\n") {
            assert!(line.len() <= LINE, "{} columns: {line:?}", line.len());
            assert!(line.bytes().all(|b| (b' '..=b'~').contains(&b) || b == b'\t'), "{line:?}");
            assert!(!line.ends_with(' ') && !line.ends_with('\t'), "trailing space: {line:?}");
        }
    }

    #[test]
    fn quoted_printable_round_trips_and_keeps_lines_short() {
        let long_word = "x".repeat(300);
        let cases = [
            String::new(),
            "plain".to_owned(),
            "a = b\nc\r\nd".to_owned(),
            "trailing space \nand tab\t\nend ".to_owned(),
            format!("{long_word}\n{long_word} {long_word}"),
            "Überraschung: Müller–Lüdenscheidt, naïve café, 日本語 ".repeat(20),
            format!("{}=", "y".repeat(74)),
            format!("{}é", "y".repeat(73)),
            format!("{} ", "y".repeat(75)),
            "<p style=\"margin:0\">a</p>\n".repeat(30),
            "\u{1}\u{7f}\r lone cr\n".to_owned(),
        ];
        for case in &cases {
            check(case);
        }
        let sample = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/hf-daily-papers-aug5.txt"),
        )
        .unwrap();
        check(&sample);
        for width in 70..80 {
            check(&format!("{} {}=é\n", "a".repeat(width), "b".repeat(width)));
        }
    }

    #[test]
    fn only_what_must_be_escaped_is() {
        let encoded = quoted_printable(format!("{}x\n", "y".repeat(75)).as_bytes());
        assert_eq!(encoded.escapes, 0, "a letter at the soft break stays a letter");
        assert!(encoded.soft_breaks);
        let encoded = quoted_printable(b"a b \r\n= \t");
        assert_eq!(encoded.bytes, b"a b=20\r\n=3D =09");
        assert_eq!(encoded.escapes, 3);
    }

    #[test]
    fn short_ascii_lines_go_as_7bit_with_crlf() {
        let body = body("Hello\nworld\n");
        assert_eq!(body.encoding(), ContentTransferEncoding::SevenBit);
        assert_eq!(body.into_vec(), b"Hello\r\nworld\r\n");
    }

    #[test]
    fn long_lines_or_non_ascii_go_quoted_printable_and_mostly_foreign_text_base64() {
        assert_eq!(body(&"a".repeat(100)).encoding(), ContentTransferEncoding::QuotedPrintable);
        assert_eq!(body("café\n").encoding(), ContentTransferEncoding::QuotedPrintable);
        assert_eq!(body("日本語の論文の要約").encoding(), ContentTransferEncoding::Base64);
    }

    #[test]
    fn the_choice_matches_lettres_for_digest_like_text() {
        for text in
            ["Hello\nworld\n", &"<p>a</p> ".repeat(40), "Müller and 50% more\n", "日本語の論文"]
        {
            assert_eq!(body(text).encoding(), Body::new(text.to_owned()).encoding(), "{text:?}");
        }
    }
}
