//! Text cleaning: what sources say, made readable, without losing what they said.
//!
//! Part of stage 1. Every parser hands its raw title, abstract and author names through here:
//! hard-wrapped lines are unwrapped and whitespace collapsed, HTML (only where the source
//! declares it) is stripped with its entities decoded exactly once, the LaTeX of real arXiv
//! abstracts becomes Unicode, and UTF-8 that was once misread as Latin-1 is repaired. The
//! caller keeps the original. Nothing here may panic or take more than linear time on any
//! input: it sees every byte a server sends.

use std::borrow::Cow;

mod html;
mod latex;
mod mojibake;

pub(crate) use html::{decode_entities, entity, strip_tags};
pub(crate) use latex::latex;
pub(crate) use mojibake::repair_mojibake;

/// Plain text, as arXiv and the Hub write it: LaTeX made readable, whitespace collapsed.
pub fn plain(raw: &str) -> String {
    if !may_change(raw) {
        return collapse_whitespace(raw);
    }
    every_step(raw)
}

fn every_step(raw: &str) -> String {
    let text = repair_mojibake(raw);
    let text = collapsed(&text);
    let text = latex(&text);
    match collapsed(&text) {
        Cow::Owned(collapsed) => collapsed,
        Cow::Borrowed(_) => text,
    }
}

/// Whether anything but whitespace could change in [`plain`]: non-ASCII (mojibake, which NFC
/// may also compose), a byte LaTeX gives a meaning, or one of the bare words and pairs
/// [`latex`] rewrites. Most abstracts of a library have none, and are then cleaned in one
/// pass instead of several.
fn may_change(text: &str) -> bool {
    any_byte(text, |byte| !byte.is_ascii() | is_latex_byte(byte))
        || ["``", "''", "--", "varepsilon"].iter().any(|pair| text.contains(pair))
        // `contains` looks for a word with vector instructions, `match_indices` byte by byte.
        || text.contains("times")
            && text
                .match_indices("times")
                .any(|(at, _)| at > 0 && text.as_bytes()[at - 1].is_ascii_digit())
}

/// Whether LaTeX gives `byte` a meaning.
fn is_latex_byte(byte: u8) -> bool {
    // `|`, not `||`, so that this compiles to vector comparisons in [`any_byte`].
    (byte == b'\\')
        | (byte == b'$')
        | (byte == b'^')
        | (byte == b'_')
        | (byte == b'{')
        | (byte == b'}')
        | (byte == b'~')
}

/// Whether some byte of `text` is one `test` holds for. The bytes are tested in blocks of a
/// fixed size without stopping at the first, which the compiler turns into a few vector
/// instructions: this runs on every byte of every text.
fn any_byte(text: &str, test: impl Fn(u8) -> bool) -> bool {
    let any = |bytes: &[u8]| bytes.iter().fold(0u8, |seen, &byte| seen | u8::from(test(byte))) != 0;
    let (blocks, rest) = text.as_bytes().as_chunks::<32>();
    blocks.iter().any(|block| any(block)) || any(rest)
}

/// HTML, as an RSS description or an Atom `type="html"` field holds it: tags stripped,
/// entities decoded once, then cleaned as plain text.
pub(crate) fn html(raw: &str) -> String {
    plain(&decode_entities(&strip_tags(raw)))
}

/// Runs of whitespace, line breaks included, become one space; the ends are trimmed. This
/// unwraps the hard-wrapped titles and abstracts of the arXiv API.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    collapsed(text).into_owned()
}

/// [`collapse_whitespace`], borrowing a text that is already collapsed (as most are once
/// cleaned). Whitespace is what [`str::split_whitespace`] splits on, Unicode's included.
fn collapsed(text: &str) -> Cow<'_, str> {
    if is_collapsed(text) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut push_word = |word: &str| {
        if !word.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    };
    let (mut word, mut at) = (0, 0);
    while at < bytes.len() {
        let byte = bytes[at];
        let width = if byte == b' ' || may_start_whitespace(byte) {
            whitespace_at(bytes, at)
        } else {
            None
        };
        match width {
            Some(width) => {
                push_word(&text[word..at]);
                at += width;
                word = at;
            }
            None => at += 1,
        }
    }
    push_word(&text[word..]);
    Cow::Owned(out)
}

/// Whether every whitespace of `text` is one space between two words.
fn is_collapsed(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ')
        && !text.contains("  ")
        && (!any_byte(text, may_start_whitespace)
            || (0..bytes.len())
                .all(|at| !may_start_whitespace(bytes[at]) || whitespace_at(bytes, at).is_none()))
}

/// Whether `byte` may start whitespace other than a space: tabs and line breaks, and the
/// lead bytes of U+0085 to U+3000.
fn may_start_whitespace(byte: u8) -> bool {
    (byte.wrapping_sub(b'\t') <= b'\r' - b'\t') | (byte == 0xc2) | (byte.wrapping_sub(0xe1) <= 2)
}

/// The length in bytes of the whitespace character (as [`char::is_whitespace`] says) that
/// starts at `at`, if one does. `at` may be inside a character: no whitespace starts there.
#[inline]
fn whitespace_at(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes[at..] {
        [b' ' | b'\t'..=b'\r', ..] => Some(1),
        // U+0085 and U+00A0.
        [0xc2, 0x85 | 0xa0, ..] => Some(2),
        // U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.
        [0xe1, 0x9a, 0x80, ..]
        | [0xe2, 0x80, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf, ..]
        | [0xe2, 0x81, 0x9f, ..]
        | [0xe3, 0x80, 0x80, ..] => Some(3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each `(raw, readable)` pair: `plain(raw)` is `readable`.
    #[track_caller]
    fn assert_readable(cases: &[(&str, &str)]) {
        for (raw, readable) in cases {
            assert_eq!(plain(raw), *readable, "{raw}");
        }
    }

    #[test]
    fn whitespace_is_what_rust_calls_whitespace_for_every_character() {
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let mut bytes = [0; 4];
            let encoded = c.encode_utf8(&mut bytes).as_bytes();
            let width = c.is_whitespace().then_some(encoded.len());
            assert_eq!(whitespace_at(encoded, 0), width, "{c:?}");
            let text = format!("a{c}b{c}{c}");
            assert_eq!(
                collapse_whitespace(&text),
                text.split_whitespace().collect::<Vec<_>>().join(" "),
                "{c:?}"
            );
        }
    }

    #[test]
    fn text_the_quick_checks_let_through_still_changes_where_it_must() {
        assert_readable(&[
            // Decomposed and singleton characters are not NFC, though no LaTeX is near.
            ("Jose\u{301} and \u{212b}ngstr\u{f6}m", "José and Ångström"),
            ("a\u{308}\u{323} b", "\u{1ea1}\u{308} b"),
            // Unicode whitespace is whitespace, a zero-width space or a BOM is not.
            ("a\u{a0}\u{2003}b\u{85}c\u{2028}\u{3000}d", "a b c d"),
            ("a\u{200b}b \u{feff}c", "a\u{200b}b \u{feff}c"),
            ("x\u{202f}$x^2$\u{205f}--\u{1680}y", "x x² – y"),
            // A bare word or pair found by a vector search, at the very end or start.
            ("3times", "3×"),
            ("--", "–"),
            ("at 2times", "at 2×"),
        ]);
    }

    #[test]
    fn hard_wrapped_text_becomes_one_line() {
        let raw = "  As helium-4 is cooled below 2.17 K it undergoes a phase transition to a\n\
                   fundamentally new state of matter\n";
        let unwrapped = "As helium-4 is cooled below 2.17 K it undergoes a phase transition to a \
                         fundamentally new state of matter";
        assert_eq!(plain(raw), unwrapped);
    }

    #[test]
    fn the_latex_left_on_the_daily_papers_page_reads_as_math() {
        assert_readable(&[
            ("the (LR^2VQ) method", "the (LR²VQ) method"),
            ("achieving 2.8\\%/1.0\\% top-1", "achieving 2.8%/1.0% top-1"),
            ("speedups of 43times/31times over", "speedups of 43×/31× over"),
            ("vectors or ell_2-distance", "vectors or ℓ₂-distance"),
            ("namely MP_{+}. Extensive", "namely MP₊. Extensive"),
            ("cross-covariance (MHC^3) to", "cross-covariance (MHC³) to"),
            ("in O(varepsilon^{-1})", "in O(ε⁻¹)"),
            ("set S^p over", "set Sᵖ over"),
            ("Omega(k^2d) samples", "Omega(k²d) samples"),
            ("three times faster", "three times faster"),
        ]);
    }

    #[test]
    fn a_url_repeated_in_braces_is_kept_once() {
        assert_eq!(
            plain("at https://github.com/a/b/tree/master{https://github.com/a/b/tree/master}."),
            "at https://github.com/a/b/tree/master."
        );
        assert_eq!(plain("see {https://x.org/a}"), "see https://x.org/a");
    }

    #[test]
    fn urls_are_never_rewritten() {
        let text = "https://github.com/yzd-v/cls_KD and http://host/~user/a_b^2";
        assert_eq!(plain(text), text);
    }

    #[test]
    fn accents_in_author_names_become_letters() {
        assert_readable(&[
            ("Nikola Pi\\v{z}urica", "Nikola Pižurica"),
            ("Nikola Milovi\\'c", "Nikola Milović"),
            ("J\\\"org Deigm\\\"oller", "Jörg Deigmöller"),
            ("Jan Jakub\\r{u}v", "Jan Jakubův"),
            ("Hendrik Kra{\\ss}", "Hendrik Kraß"),
            ("Anders S{\\o}gaard", "Anders Søgaard"),
            ("In\\`es Blin", "Inès Blin"),
            ("Mikol\\'a\\v{s}", "Mikoláš"),
            ("Fran\\c{c}ois and \\'{E}mile and Mart\\'{\\i}n", "François and Émile and Martín"),
            ("Pi\\v z", "Piž"),
        ]);
    }

    #[test]
    fn math_mode_is_unwrapped() {
        assert_readable(&[
            ("achieving $1.13\\times$ faster", "achieving 1.13× faster"),
            ("$\\mathcal{O}(n^2)$ time", "O(n²) time"),
            ("$\\alpha$-divergence with $k=3$", "α-divergence with k=3"),
            ("error $\\leq 10^{-3}$", "error ≤ 10⁻³"),
            ("a $\\frac{1}{2}$ step", "a 1/2 step"),
            ("$x_{\\text{max}}$", "xₘₐₓ"),
            ("$O(n^{1.5})$ and $5 more", "O(n^(1.5)) and 5 more"),
            ("costs $5 today", "costs $5 today"),
            ("satisfies mathcal{S^p} > x", "satisfies Sᵖ > x"),
            ("Fig.~1 and ``quoted''", "Fig. 1 and “quoted”"),
            ("by ~30% and distillation~(KD)", "by ~30% and distillation (KD)"),
            ("LOGO -- Long", "LOGO – Long"),
            ("sets \\{1, 2\\}", "sets {1, 2}"),
            ("logics $\\mathcal{E\\mkern-2mu L}$ and", "logics E L and"),
            ("a\\hspace{1em}b \\kern 3pt c", "ab c"),
        ]);
    }

    #[test]
    fn text_without_latex_is_unchanged() {
        let text = "Contrastive loss is a powerful approach (p < 0.05, a file_name, C++).";
        assert_eq!(plain(text), text);
    }

    #[test]
    fn mojibake_is_repaired_and_real_latin1_is_not() {
        assert_readable(&[
            ("Aurora RamÃ\u{AD}rez", "Aurora Ramírez"),
            ("JosÃ© RaÃºl Romero", "José Raúl Romero"),
            ("Ångström", "Ångström"),
            ("MÃ¼ller and Æ", "Müller and Æ"),
        ]);
    }

    #[test]
    fn html_is_stripped_and_entities_decoded_once() {
        assert_eq!(html("<p>Tom &amp;amp; Jerry</p><p>second</p>"), "Tom &amp; Jerry second");
        assert_eq!(html("a &lt;b&gt; c"), "a <b> c");
        assert_eq!(html("p < 0.05 and Vec<T>"), "p < 0.05 and Vec<T>");
        assert_eq!(
            html("<a href=\"https://x.org\">link</a>, &#233;t&#xE9; &unknown; AT&T"),
            "link, été &unknown; AT&T"
        );
        assert_eq!(html("<br/>x<br />y"), "x y");
    }

    #[test]
    fn entities_the_hand_written_table_missed_decode() {
        // Regression (issue 13): the old table knew 60 names; `&theta;` and the rest of
        // HTML5's 2,125 stayed as written, and `&#x+41;` was read as `A`.
        assert_eq!(html("&theta; &kappa; &hbar; &Oslash; &rightarrow; &frac12;"), "θ κ ℏ Ø → ½");
        assert_eq!(entity("NotEqualTilde").as_deref(), Some("≂\u{338}"));
        assert_eq!(entity("#x+41"), None);
        assert_eq!(entity("#27"), None, "no control characters from a number");
        assert_eq!(entity("amp;lt"), None);
    }

    /// Every kind of cleanup in one table: `(function, raw, readable)`.
    #[test]
    fn cleanup_cases_table() {
        type Clean = fn(&str) -> String;
        let mojibake: Clean = |text| repair_mojibake(text).into_owned();
        let cases: &[(&str, Clean, &str, &str)] = &[
            // HTML: tags out, entities decoded once, whitespace collapsed.
            ("html", html, "<p>Tom &amp;amp; Jerry</p><p>second</p>", "Tom &amp; Jerry second"),
            ("html", html, "a &lt;b&gt; c", "a <b> c"),
            ("html", html, "p < 0.05 and Vec<T>", "p < 0.05 and Vec<T>"),
            ("html", html, "&#233;t&#xE9; &unknown; AT&T", "été &unknown; AT&T"),
            ("html", html, "x&nbsp;&nbsp;y<br/>z", "x y z"),
            ("html", html, "&alpha;-&beta; &le; &epsilon;", "α-β ≤ ε"),
            ("html", html, "&Lambda;CDM &sim; &infin;", "ΛCDM ∼ ∞"),
            ("html", html, "no semicolon &amp here", "no semicolon &amp here"),
            ("html", html, "<b>bold</b> and <i>it</i>", "bold and it"),
            // LaTeX, as arXiv writes it and as the Daily Papers page leaves it.
            ("latex", plain, "$\\mathcal{O}(n^2)$ time", "O(n²) time"),
            ("latex", plain, "achieving 2.8\\%/1.0\\% top-1", "achieving 2.8%/1.0% top-1"),
            ("latex", plain, "speedups of 43times over", "speedups of 43× over"),
            ("latex", plain, "Pi\\v{z}urica and Kra{\\ss}", "Pižurica and Kraß"),
            ("latex", plain, "Fig.~1 and ``quoted''", "Fig. 1 and “quoted”"),
            ("latex", plain, "costs $5 today", "costs $5 today"),
            ("latex", plain, "https://x.org/~u/a_b^2", "https://x.org/~u/a_b^2"),
            // Mojibake: UTF-8 once read as Latin-1 is repaired; real Latin-1 stays.
            ("mojibake", mojibake, "Aurora RamÃ\u{AD}rez", "Aurora Ramírez"),
            ("mojibake", mojibake, "JosÃ© RaÃºl", "José Raúl"),
            ("mojibake", mojibake, "Ångström and Æ", "Ångström and Æ"),
            ("mojibake", mojibake, "plain ASCII", "plain ASCII"),
            // Whitespace: hard-wrapped lines become one.
            ("plain", plain, "  one\n  two\t three \n", "one two three"),
        ];
        for (kind, clean, raw, readable) in cases {
            assert_eq!(clean(raw), *readable, "{kind}: {raw:?}");
        }
    }

    #[test]
    fn text_taken_past_the_latex_reader_reads_as_if_it_went_through() {
        let real = [
            include_str!("../../../examples/hf-daily-papers-aug5.txt"),
            include_str!("../../../tests/fixtures/sources/arxiv-rss2-cs.AI-2025-08-20-first5.xml"),
        ];
        let edges =
            ["43 times\nfaster", "3times", "x -\n- y", "a ' ' b", "AT&T by 30%", "a # b", ""];
        let lines = real.iter().flat_map(|text| text.lines()).chain(edges);
        let mut quick = 0;
        for line in lines {
            assert_eq!(plain(line), every_step(line), "{line:?}");
            quick += usize::from(!may_change(line));
        }
        assert!(quick > 50, "the sample's plain lines take the quick way ({quick})");
    }

    #[test]
    fn plain_text_keeps_entity_like_text() {
        assert_eq!(plain("AT&amp;T"), "AT&amp;T");
    }

    #[test]
    fn broken_latex_never_panics_and_keeps_its_text() {
        for text in [
            "\\", "^", "_", "{", "}", "\\v", "\\'", "$", "x^{", "\\frac{a", "a_{b", "\\v{", "é^é",
            "\\'{\\i",
        ] {
            let _ = plain(text);
        }
        assert_eq!(plain("x^{unclosed"), "x^unclosed");
    }
}
