//! Text cleaning: what sources say, made readable, without losing what they said.
//!
//! Part of stage 1. Every parser hands its raw title, abstract and author names through here:
//! hard-wrapped lines are unwrapped and whitespace collapsed, HTML (only where the source
//! declares it) is stripped with its entities decoded exactly once, the LaTeX of real arXiv
//! abstracts becomes Unicode, and UTF-8 that was once misread as Latin-1 is repaired. The
//! caller keeps the original. Nothing here may panic or take more than linear time on any
//! input: it sees every byte a server sends.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// Plain text, as arXiv and the Hub write it: LaTeX made readable, whitespace collapsed.
pub(crate) fn plain(raw: &str) -> String {
    let text = repair_mojibake(raw);
    let text = collapse_whitespace(&text);
    let text = latex(&text);
    collapse_whitespace(&text)
}

/// HTML, as an RSS description or an Atom `type="html"` field holds it: tags stripped,
/// entities decoded once, then cleaned as plain text.
pub(crate) fn html(raw: &str) -> String {
    plain(&decode_entities(&strip_tags(raw)))
}

/// Runs of whitespace, line breaks included, become one space; the ends are trimmed. This
/// unwraps the hard-wrapped titles and abstracts of the arXiv API.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// UTF-8 that was decoded as Latin-1 somewhere upstream (`RamÃ­rez`) back to what it was
/// (`Ramírez`). Each run of characters from U+0080 to U+00FF is read back as the bytes it
/// came from and replaced only if those bytes are valid UTF-8, so real Latin-1 text
/// (`Ångström`, `Æ`) is left alone.
pub(crate) fn repair_mojibake(text: &str) -> Cow<'_, str> {
    let latin1 = |c: char| matches!(c, '\u{80}'..='\u{ff}');
    if !text.chars().any(latin1) {
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

/// HTML element names that `strip_tags` removes. Anything else in angle brackets stays, so
/// `p < 0.05`, `Vec<T>` and `<x, y>` in an abstract survive.
const HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "big",
    "blockquote",
    "br",
    "cite",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
];

/// Elements that break a line: a space stands in for them so words do not run together.
const BLOCK_TAGS: &[&str] = &[
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Removes HTML tags: block elements leave a space, inline ones (`<b>`, `<a>`) nothing.
pub(crate) fn strip_tags(text: &str) -> String {
    replace_after(text, '<', |after| {
        let (length, block) = tag_length(after)?;
        Some((if block { " " } else { "" }.to_owned(), length))
    })
}

/// Each `marker` in `text` whose following text `replace` recognises, with the replacement
/// and the length of what it consumed after the marker, is replaced; every other marker stays.
fn replace_after(
    text: &str,
    marker: char,
    replace: impl Fn(&str) -> Option<(String, usize)>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at]);
        let after = &rest[at + marker.len_utf8()..];
        match replace(after) {
            Some((replacement, length)) => {
                out.push_str(&replacement);
                rest = &after[length..];
            }
            None => {
                out.push(marker);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The length up to and including the `>` of a known tag that starts right after a `<`,
/// and whether it is a block element.
fn tag_length(after: &str) -> Option<(usize, bool)> {
    let name_start = usize::from(after.starts_with('/'));
    let name: String = after[name_start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase();
    if !HTML_TAGS.contains(&name.as_str()) {
        return None;
    }
    let next = after[name_start + name.len()..].chars().next()?;
    if !(next == '>' || next == '/' || next.is_whitespace()) {
        return None;
    }
    // Attributes never span more than a line of markup; a `<b` that opens no tag stays.
    let close = after.char_indices().take(2048).find(|&(_, c)| c == '>' || c == '<')?;
    (close.1 == '>').then_some((close.0 + 1, BLOCK_TAGS.contains(&name.as_str())))
}

/// Decodes HTML character references, each exactly once: `&amp;lt;` becomes `&lt;`, not `<`.
/// Names come from the whole HTML5 table (html-escape's); unknown names, references without
/// their `;`, and numbers that are no character or a control character stay as they are.
pub(crate) fn decode_entities(text: &str) -> String {
    html_escape::decode_html_entities(text).into_owned()
}

/// What one reference (the text between `&` and `;`, a name or `#` and a number) stands
/// for: most names are one character, a few two (`&NotEqualTilde;`).
pub(crate) fn entity(name: &str) -> Option<String> {
    if name.contains(['&', ';']) {
        return None;
    }
    match html_escape::decode_html_entities(&format!("&{name};")) {
        Cow::Owned(decoded) => Some(decoded),
        Cow::Borrowed(_) => None,
    }
}

/// LaTeX as it appears in real abstracts, made readable.
///
/// Handles what arXiv abstracts and author lists carry (`Pi\v{z}urica`, `Kra{\ss}`,
/// `$1.13\times$`, `$\mathcal{O}(n^2)$`, `2.8\%`) and what the Daily Papers page leaves of
/// it once its own renderer has eaten the backslashes (`43times`, `ell_2`, `MP_{+}`,
/// `LR^2VQ`, a URL repeated in braces). URLs are left alone, and so is anything this does
/// not recognise: an unknown command loses only its backslash.
pub(crate) fn latex(text: &str) -> String {
    let text = drop_repeated_urls(text);
    let mut out = String::with_capacity(text.len());
    let mut segment: Vec<&str> = Vec::new();
    for word in text.split(' ') {
        if is_url(word) {
            latex_segment(&segment.join(" "), &mut out);
            segment.clear();
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
            out.push(' ');
        } else {
            segment.push(word);
        }
    }
    latex_segment(&segment.join(" "), &mut out);
    out.trim_end().nfc().collect()
}

/// Text between URLs: the page's bare LaTeX words first, then real LaTeX.
fn latex_segment(text: &str, out: &mut String) {
    if text.is_empty() {
        return;
    }
    let chars: Vec<char> = bare_words(text).chars().collect();
    // A lone `$` is a price, not math; paired ones delimit math and go.
    let dollars = chars
        .iter()
        .zip(std::iter::once(&' ').chain(&chars))
        .filter(|(c, before)| **c == '$' && **before != '\\')
        .count();
    let mut scanner = Scanner {
        chars: &chars,
        at: 0,
        out: String::with_capacity(text.len()),
        keep_dollars: dollars < 2,
    };
    scanner.run(0);
    out.push_str(&scanner.out);
}

fn is_url(word: &str) -> bool {
    let word = word.trim_start_matches(|c: char| "([{<\"'".contains(c));
    word.contains("://") || word.starts_with("www.") || word.starts_with("github.com/")
}

/// `https://x/y{https://x/y}` (a LaTeX `\href` the page flattened) becomes `https://x/y`.
fn drop_repeated_urls(text: &str) -> Cow<'_, str> {
    if !text.contains("{http") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{http") {
        let (before, from_brace) = rest.split_at(at);
        let inner = &from_brace[1..];
        let close = inner.find(|c: char| c == '}' || c.is_whitespace());
        match close {
            Some(end) if inner[end..].starts_with('}') => {
                let url = &inner[..end];
                let previous = before.rsplit(char::is_whitespace).next().unwrap_or("");
                let previous = previous.trim_start_matches(['(', '[', '{']);
                if previous.ends_with(url) || url.starts_with(previous) && !previous.is_empty() {
                    out.push_str(before);
                } else {
                    out.push_str(before);
                    out.push(' ');
                    out.push_str(url);
                }
                rest = &inner[end + 1..];
            }
            _ => {
                out.push_str(before);
                out.push('{');
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// What the Daily Papers page leaves of LaTeX once it drops backslashes and dollars.
fn bare_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    while at < chars.len() {
        let rest = &chars[at..];
        let after_digit = at > 0 && chars[at - 1].is_ascii_digit();
        let starts_word =
            at == 0 || !(chars[at - 1].is_ascii_alphabetic() || chars[at - 1] == '\\');
        if after_digit
            && starts_with(rest, "times")
            && !rest.get(5).is_some_and(|c| c.is_alphabetic())
        {
            out.push('×');
            at += 5;
        } else if starts_word && starts_with(rest, "varepsilon") {
            out.push('ε');
            at += 10;
        } else if starts_word && starts_with(rest, "ell") && rest.get(3) == Some(&'_') {
            out.push('ℓ');
            at += 3;
        } else if let Some(length) = bare_formatting(rest).filter(|_| starts_word) {
            at += length;
        } else {
            out.push(chars[at]);
            at += 1;
        }
    }
    out
}

/// `mathcal{` and its kind, without their backslash: the length of the name to drop.
fn bare_formatting(chars: &[char]) -> Option<usize> {
    ["mathcal{", "mathbf{", "mathrm{", "mathbb{", "boldsymbol{"]
        .iter()
        .find(|name| starts_with(chars, name))
        .map(|name| name.len() - 1)
}

fn starts_with(chars: &[char], prefix: &str) -> bool {
    let mut chars = chars.iter();
    prefix.chars().all(|p| chars.next() == Some(&p))
}

/// A one-pass reader of LaTeX in a word; `depth` bounds the nesting of scripts in scripts.
struct Scanner<'a> {
    chars: &'a [char],
    at: usize,
    out: String,
    /// Whether `$` is a literal dollar rather than a math delimiter.
    keep_dollars: bool,
}

/// The most characters a `^{...}` or `\cmd{...}` argument may span before it is taken as
/// plain text rather than LaTeX.
const MAX_GROUP: usize = 64;

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn run(&mut self, depth: usize) {
        while let Some(c) = self.peek() {
            self.at += 1;
            match c {
                '\\' => self.command(depth),
                '$' if !self.keep_dollars => {}
                // Grouping braces only group: `Kra{\ss}`, `{\o}rsted`.
                '{' | '}' => {}
                '^' => self.script(depth, true),
                '_' => self.script(depth, false),
                // A tie (`Fig.~1`) is a space; `~30%` is "about".
                '~' if self.out.ends_with(|c: char| !c.is_whitespace())
                    && self.peek().is_some_and(|c| !c.is_whitespace()) =>
                {
                    self.out.push(' ');
                }
                '`' if self.peek() == Some('`') => {
                    self.at += 1;
                    self.out.push('“');
                }
                '\'' if self.peek() == Some('\'') => {
                    self.at += 1;
                    self.out.push('”');
                }
                '-' if self.peek() == Some('-') => {
                    self.at += 1;
                    if self.peek() == Some('-') {
                        self.at += 1;
                        self.out.push('—');
                    } else {
                        self.out.push('–');
                    }
                }
                _ => self.out.push(c),
            }
        }
    }

    /// After a backslash.
    fn command(&mut self, depth: usize) {
        let Some(next) = self.peek() else {
            self.out.push('\\');
            return;
        };
        if let Some(mark) = accent_mark(next) {
            self.at += 1;
            self.accent(mark);
            return;
        }
        if !next.is_ascii_alphabetic() {
            self.at += 1;
            match next {
                '%' | '&' | '_' | '#' | '$' | '{' | '}' => self.out.push(next),
                ',' | ';' | ':' | ' ' | '\\' => self.out.push(' '),
                '!' | '/' => {}
                _ => self.out.push(next),
            }
            return;
        }
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) && self.at - start < 24 {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        match name.as_str() {
            "u" | "v" | "H" | "c" | "k" | "r" | "d" | "b" | "t" => {
                let mark = match name.as_str() {
                    "u" => '\u{306}',
                    "v" => '\u{30c}',
                    "H" => '\u{30b}',
                    "c" => '\u{327}',
                    "k" => '\u{328}',
                    "r" => '\u{30a}',
                    "d" => '\u{323}',
                    "b" => '\u{331}',
                    _ => '\u{361}',
                };
                self.accent(mark);
            }
            "frac" | "dfrac" | "tfrac" => match (self.group(), self.group()) {
                (Some(top), Some(bottom)) => {
                    self.nested(&top, depth);
                    self.out.push('/');
                    self.nested(&bottom, depth);
                }
                (Some(top), None) => self.nested(&top, depth),
                _ => {}
            },
            "sqrt" => self.out.push('√'),
            // Formatting commands: keep their argument, whose braces go at the end.
            "mathcal" | "mathbf" | "mathrm" | "mathit" | "mathbb" | "mathsf" | "mathtt"
            | "mathfrak" | "boldsymbol" | "bm" | "textbf" | "textit" | "textrm" | "texttt"
            | "textsf" | "textsc" | "emph" | "text" | "mbox" | "operatorname" | "underline"
            | "textnormal" | "url" | "left" | "right" | "big" | "Big" | "bigg" | "Bigg" => {}
            "quad" | "qquad" => self.out.push(' '),
            // Spacing: `\mkern-2mu`, `\hspace{1em}` say how far apart, not what.
            "mkern" | "kern" | "mskip" | "hskip" | "mspace" => self.dimension(),
            "hspace" | "vspace" => {
                if self.peek() == Some('*') {
                    self.at += 1;
                }
                let _ = self.group();
            }
            _ => match symbol(&name) {
                Some(symbol) => {
                    self.out.push_str(symbol);
                    // `\ss{}` and `\o{}`: an empty group after a symbol only ends its name.
                    if self.chars.get(self.at..self.at + 2) == Some(&['{', '}']) {
                        self.at += 2;
                    }
                }
                None => self.out.push_str(&name),
            },
        }
    }

    /// Skips a TeX dimension such as `-2mu` or `0.5 em` after a spacing command.
    fn dimension(&mut self) {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c == ' ' || c == '-' || c == '+' || c == '.' || c.is_ascii_digit())
        {
            self.at += 1;
        }
        let unit: String = self.chars[self.at..].iter().take(2).collect();
        if ["mu", "pt", "em", "ex", "px", "cm", "mm", "in", "bp", "pc"].contains(&unit.as_str()) {
            self.at += 2;
        } else {
            self.at = start;
        }
    }

    /// An accent on the next letter: `\'e`, `\'{e}`, `\v{z}`, `\v z`, `\'\i`.
    fn accent(&mut self, mark: char) {
        while self.peek() == Some(' ') {
            self.at += 1;
        }
        let base = match self.peek() {
            Some('{') => {
                let Some(group) = self.group() else { return };
                let group = group.trim();
                match group {
                    "\\i" => "ı".to_owned(),
                    "\\j" => "ȷ".to_owned(),
                    _ => group.to_owned(),
                }
            }
            Some('\\') if self.chars.get(self.at + 1) == Some(&'i') => {
                self.at += 2;
                "ı".to_owned()
            }
            Some(c) if c.is_alphabetic() => {
                self.at += 1;
                c.to_string()
            }
            _ => return,
        };
        let mut letters = base.chars();
        if let Some(first) = letters.next() {
            self.out.push(if first == 'ı' && mark != '\u{327}' { 'i' } else { first });
            self.out.push(mark);
            self.out.extend(letters);
        }
    }

    /// `^2`, `^{-1}`, `_{+}`, `_2`: Unicode super- and subscripts when every character has
    /// one, else the plain characters after a `^` or `_`.
    fn script(&mut self, depth: usize, superscript: bool) {
        let marker = if superscript { '^' } else { '_' };
        let body = match self.peek() {
            Some('{') => match self.group() {
                Some(group) => group,
                None => {
                    self.out.push(marker);
                    return;
                }
            },
            // A lone `_` between words (`file_name`) is not a subscript; a digit is.
            Some(c) if c.is_ascii_digit() || (superscript && c.is_alphabetic()) || c == '\\' => {
                if c == '\\' {
                    let start = self.at;
                    self.at += 1;
                    while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                        self.at += 1;
                    }
                    self.chars[start..self.at].iter().collect()
                } else {
                    self.at += 1;
                    c.to_string()
                }
            }
            _ => {
                self.out.push(marker);
                return;
            }
        };
        let mut inner = String::new();
        if depth < 3 {
            let chars: Vec<char> = body.chars().collect();
            let mut nested =
                Scanner { chars: &chars, at: 0, out: String::new(), keep_dollars: false };
            nested.run(depth + 1);
            inner = nested.out;
        } else {
            inner.push_str(&body);
        }
        let inner: String = inner.chars().filter(|c| *c != '{' && *c != '}').collect();
        let mapped: Option<String> = inner
            .chars()
            .map(|c| if superscript { superscript_of(c) } else { subscript_of(c) })
            .collect();
        match mapped {
            Some(mapped) if !mapped.is_empty() => self.out.push_str(&mapped),
            _ if inner.chars().count() == 1 || inner.starts_with('′') => {
                if !inner.starts_with('′') {
                    self.out.push(marker);
                }
                self.out.push_str(&inner);
            }
            _ => {
                self.out.push(marker);
                self.out.push('(');
                self.out.push_str(&inner);
                self.out.push(')');
            }
        }
    }

    /// Cleans `text` as a nested scanner would, into this scanner's output.
    fn nested(&mut self, text: &str, depth: usize) {
        if depth >= 3 {
            self.out.push_str(text);
            return;
        }
        let chars: Vec<char> = text.chars().collect();
        let mut nested = Scanner { chars: &chars, at: 0, out: String::new(), keep_dollars: false };
        nested.run(depth + 1);
        self.out.push_str(&nested.out);
    }

    /// A balanced `{...}` at the cursor, without its braces; `None` (and nothing consumed)
    /// when there is none within `MAX_GROUP` characters.
    fn group(&mut self) -> Option<String> {
        if self.peek() != Some('{') {
            return None;
        }
        let mut level = 0usize;
        for (offset, &c) in self.chars[self.at..].iter().enumerate().take(MAX_GROUP) {
            match c {
                '{' => level += 1,
                '}' => {
                    level -= 1;
                    if level == 0 {
                        let inner = self.chars[self.at + 1..self.at + offset].iter().collect();
                        self.at += offset + 1;
                        return Some(inner);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// The combining mark of a one-character accent command (`\'`, `` \` ``, `\^`, ...).
fn accent_mark(c: char) -> Option<char> {
    Some(match c {
        '\'' => '\u{301}',
        '`' => '\u{300}',
        '^' => '\u{302}',
        '"' => '\u{308}',
        '~' => '\u{303}',
        '=' => '\u{304}',
        '.' => '\u{307}',
        _ => return None,
    })
}

/// What a LaTeX command without arguments stands for.
fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "ss" => "ß",
        "o" => "ø",
        "O" => "Ø",
        "l" => "ł",
        "L" => "Ł",
        "ae" => "æ",
        "AE" => "Æ",
        "oe" => "œ",
        "OE" => "Œ",
        "aa" => "å",
        "AA" => "Å",
        "i" => "ı",
        "j" => "ȷ",
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" => "ϵ",
        "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "vartheta" => "ϑ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" => "ϕ",
        "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Upsilon" => "Υ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "ell" => "ℓ",
        "times" => "×",
        "cdot" => "·",
        "pm" => "±",
        "mp" => "∓",
        "leq" | "le" | "leqslant" => "≤",
        "geq" | "ge" | "geqslant" => "≥",
        "neq" | "ne" => "≠",
        "approx" => "≈",
        "sim" => "~",
        "simeq" => "≃",
        "equiv" => "≡",
        "propto" => "∝",
        "infty" => "∞",
        "partial" => "∂",
        "nabla" => "∇",
        "in" => "∈",
        "notin" => "∉",
        "subset" => "⊂",
        "subseteq" => "⊆",
        "cup" => "∪",
        "cap" => "∩",
        "forall" => "∀",
        "exists" => "∃",
        "rightarrow" | "to" => "→",
        "leftarrow" | "gets" => "←",
        "Rightarrow" => "⇒",
        "leftrightarrow" => "↔",
        "mapsto" => "↦",
        "ldots" | "dots" => "…",
        "cdots" => "⋯",
        "prime" => "′",
        "circ" => "∘",
        "ast" => "∗",
        "star" => "⋆",
        "dagger" => "†",
        "sum" => "∑",
        "prod" => "∏",
        "int" => "∫",
        "log" => "log",
        "exp" => "exp",
        "ln" => "ln",
        "max" => "max",
        "min" => "min",
        "arg" => "arg",
        "sup" => "sup",
        "inf" => "inf",
        "lim" => "lim",
        "sin" => "sin",
        "cos" => "cos",
        "tanh" => "tanh",
        "top" => "ᵀ",
        "textendash" => "–",
        "textemdash" => "—",
        "textasciitilde" => "~",
        "LaTeX" => "LaTeX",
        "TeX" => "TeX",
        _ => return None,
    })
}

fn superscript_of(c: char) -> Option<char> {
    Some(match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        '+' => '⁺',
        '-' | '−' => '⁻',
        '=' => '⁼',
        '(' => '⁽',
        ')' => '⁾',
        'a' => 'ᵃ',
        'b' => 'ᵇ',
        'c' => 'ᶜ',
        'd' => 'ᵈ',
        'e' => 'ᵉ',
        'f' => 'ᶠ',
        'g' => 'ᵍ',
        'h' => 'ʰ',
        'i' => 'ⁱ',
        'j' => 'ʲ',
        'k' => 'ᵏ',
        'l' => 'ˡ',
        'm' => 'ᵐ',
        'n' => 'ⁿ',
        'o' => 'ᵒ',
        'p' => 'ᵖ',
        'r' => 'ʳ',
        's' => 'ˢ',
        't' => 'ᵗ',
        'u' => 'ᵘ',
        'v' => 'ᵛ',
        'w' => 'ʷ',
        'x' => 'ˣ',
        'y' => 'ʸ',
        'z' => 'ᶻ',
        'T' | 'ᵀ' => 'ᵀ',
        '*' | '∗' => '*',
        '′' => '′',
        _ => return None,
    })
}

fn subscript_of(c: char) -> Option<char> {
    Some(match c {
        '0' => '₀',
        '1' => '₁',
        '2' => '₂',
        '3' => '₃',
        '4' => '₄',
        '5' => '₅',
        '6' => '₆',
        '7' => '₇',
        '8' => '₈',
        '9' => '₉',
        '+' => '₊',
        '-' | '−' => '₋',
        '=' => '₌',
        '(' => '₍',
        ')' => '₎',
        'a' => 'ₐ',
        'e' => 'ₑ',
        'h' => 'ₕ',
        'i' => 'ᵢ',
        'j' => 'ⱼ',
        'k' => 'ₖ',
        'l' => 'ₗ',
        'm' => 'ₘ',
        'n' => 'ₙ',
        'o' => 'ₒ',
        'p' => 'ₚ',
        'r' => 'ᵣ',
        's' => 'ₛ',
        't' => 'ₜ',
        'u' => 'ᵤ',
        'v' => 'ᵥ',
        'x' => 'ₓ',
        _ => return None,
    })
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
