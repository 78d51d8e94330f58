//! The LaTeX of real arXiv abstracts, and what the Daily Papers page leaves of it, made
//! Unicode; what is not recognised keeps its text.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

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
    if may_hold_url(&text) {
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
    } else {
        latex_segment(&text, &mut out);
    }
    out.truncate(out.trim_end().len());
    // NFC leaves text that is already NFC as it is; most is, and checking costs less.
    if is_nfc(&out) {
        return out;
    }
    out.nfc().collect()
}

/// Whether `text` is surely NFC: each run of non-ASCII characters passes Unicode's quick
/// check (which starts afresh after every ASCII character).
fn is_nfc(text: &str) -> bool {
    let mut rest = text;
    while let Some(start) = rest.bytes().position(|byte| !byte.is_ascii()) {
        let run = &rest[start..];
        let end = run.bytes().position(|byte| byte.is_ascii()).unwrap_or(run.len());
        if is_nfc_quick(run[..end].chars()) != IsNormalized::Yes {
            return false;
        }
        rest = &run[end..];
    }
    true
}

/// Text between URLs: the page's bare LaTeX words first, then real LaTeX.
fn latex_segment(text: &str, out: &mut String) {
    if text.is_empty() {
        return;
    }
    let text = bare_words(text);
    if !may_hold_latex(&text) {
        out.push_str(&text);
        return;
    }
    let chars: Vec<char> = text.chars().collect();
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

/// Whether some word of `text` could be a URL to [`is_url`]; most texts have none.
fn may_hold_url(text: &str) -> bool {
    text.contains("://") || text.contains("www.") || text.contains("github.com/")
}

/// Whether the [`Scanner`] could change anything in `text`: it copies every other character.
fn may_hold_latex(text: &str) -> bool {
    super::any_byte(text, super::is_latex_byte)
        || ["``", "''", "--"].iter().any(|pair| text.contains(pair))
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
fn bare_words(text: &str) -> Cow<'_, str> {
    // Each rewrite below starts with one of these; most texts hold none.
    if !["times", "varepsilon", "ell_", "math", "boldsymbol{"]
        .iter()
        .any(|word| text.contains(word))
    {
        return Cow::Borrowed(text);
    }
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
    Cow::Owned(out)
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
