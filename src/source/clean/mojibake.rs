//! UTF-8 that was once misread as Latin-1, repaired; real Latin-1 text left alone.

use std::borrow::Cow;

/// UTF-8 that was decoded as Latin-1 somewhere upstream (`RamÃ­rez`) back to what it was
/// (`Ramírez`). Each run of characters from U+0080 to U+00FF is read back as the bytes it
/// came from and replaced only if those bytes are valid UTF-8, so real Latin-1 text
/// (`Ångström`, `Æ`) is left alone.
pub(crate) fn repair_mojibake(text: &str) -> Cow<'_, str> {
    let latin1 = |c: char| matches!(c, '\u{80}'..='\u{ff}');
    // U+0080 to U+00FF, and nothing else, start with one of these bytes in UTF-8.
    if !super::any_byte(text, |byte| (byte == 0xc2) | (byte == 0xc3)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut run: Vec<u8> = Vec::new();
    let flush = |run: &mut Vec<u8>, out: &mut String| {
        match std::str::from_utf8(run) {
            Ok(repaired) if run.len() > 1 => out.push_str(repaired),
            _ => out.extend(run.iter().map(|&byte| char::from(byte))),
        }
        run.clear();
    };
    for c in text.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(byte) if latin1(c) => run.push(byte),
            _ => {
                flush(&mut run, &mut out);
                out.push(c);
            }
        }
    }
    flush(&mut run, &mut out);
    Cow::Owned(out)
}
