//! Stage 3: render a digest into a subject, an HTML body and a plain-text body.
//!
//! Templates are built into the binary; `newsletter.templates` names a folder whose files
//! replace built-in ones of the same name. Templates are parsed once per run, before anything
//! is sent, so a broken template stops the run instead of half of it. Nothing here sends.

mod tldr;
mod view;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tera::{Context, Tera, Value};

use crate::config::{AbstractLength, Newsletter};
use crate::digest::Digest;
use crate::feedback::FeedbackLinks;
use crate::paper::VoteKind;
use crate::paper::{Paper, PaperId};
use crate::site::ManageLinks;
use crate::topic::{Highlight, Pick, highlight_one, merged};
use crate::unsubscribe::UnsubscribeLinks;
pub(crate) use view::subject as subject_line;
use view::{AbstractShape, DigestView, FeedbackView, MoreView, PaperView};

const BUILTIN: [(&str, &str); 6] = [
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("paper.html", include_str!("../../templates/paper.html")),
    ("paper.txt", include_str!("../../templates/paper.txt")),
    ("digest.html", include_str!("../../templates/digest.html")),
    ("digest.txt", include_str!("../../templates/digest.txt")),
];

/// Rendered cards kept for reuse, in bytes; past it the cache starts over, so memory stays
/// bounded however many different digests a run makes.
const CARD_CACHE_BYTES: usize = 16 << 20;

/// Plain text wraps here: inside every mail client's window, and under RFC 5322's 78.
pub(crate) const TEXT_WIDTH: usize = 72;

/// A digest ready to put in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RenderedDigest {
    pub(crate) subject: String,
    pub(crate) html: String,
    pub(crate) text: String,
    /// This subscriber's unsubscribe link, for the `List-Unsubscribe` header.
    pub(crate) unsubscribe_url: Option<String>,
}

/// How much of a digest the message shows: whole by default; compose asks for less when the
/// message would be too large.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fit {
    /// Each abstract cut at a sentence within this many bytes.
    pub(crate) abstract_chars: Option<usize>,
    /// No abstracts at all: templates see `abstracts = false` (titles and links stay).
    pub(crate) no_abstracts: bool,
    /// Papers left out at the end of the digest, and where a reader finds them.
    pub(crate) more: Option<More>,
}

/// The lowest-ranked papers a digest leaves out, and the listing's page that has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct More {
    pub(crate) count: usize,
    pub(crate) url: String,
}

/// A template that could not be loaded or rendered.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RenderError {
    /// A template file could not be read or parsed.
    #[error("template `{}`: {message}", path.display())]
    Load {
        /// The file or folder.
        path: PathBuf,
        /// Tera's explanation, its causes joined.
        message: String,
    },
    /// A template failed while rendering one subscriber's digest.
    #[error("template `{template}` failed for {subscriber}: {message}")]
    Render {
        template: &'static str,
        subscriber: String,
        /// Tera's explanation, its causes joined.
        message: String,
    },
}

/// The templates of one run, parsed once.
pub(crate) struct Renderer {
    tera: Tera,
    /// Where each keyword occurs in each paper, by paper id and keyword: the same paper and
    /// keyword come back in many digests of a run, and finding them means tokenizing.
    marks: Mutex<HashMap<(PaperId, String), Arc<Highlight>>>,
    /// Each paper's TL;DR excerpt and short abstract, by paper id.
    shapes: Mutex<HashMap<PaperId, Arc<AbstractShape>>>,
    /// Each paper as shown with given matched keywords and abstract cut: digests of readers
    /// who follow the same topics share most of their papers.
    cards: Mutex<Cards>,
    unsubscribe: Option<UnsubscribeLinks>,
    feedback: Option<FeedbackLinks>,
    /// Each reader's link to their preferences page, when the config has a `site_url`.
    manage: Option<ManageLinks>,
    /// For HTML templates of a template folder, which may style with a <style> block; the
    /// built-in ones carry their styles inline already.
    inliner: Option<css_inline::CSSInliner<'static>>,
}

impl Renderer {
    /// The built-in templates, with any of the same name in `overrides` taking their place.
    pub(crate) fn new(
        overrides: Option<&Path>,
        unsubscribe: Option<UnsubscribeLinks>,
    ) -> Result<Renderer, RenderError> {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(escape_html);
        tera.register_filter("wrap", wrap_filter);
        let mut templates: Vec<(String, String)> =
            BUILTIN.iter().map(|(name, body)| ((*name).to_owned(), (*body).to_owned())).collect();
        let mut own_html = false;
        if let Some(dir) = overrides {
            for (name, body) in read_template_dir(dir)? {
                own_html |= name.ends_with(".html");
                templates.retain(|(builtin, _)| *builtin != name);
                templates.push((name, body));
            }
        }
        tera.add_raw_templates(templates).map_err(|err| RenderError::Load {
            path: overrides.map_or_else(|| PathBuf::from("(built-in)"), Path::to_owned),
            message: chain(&err),
        })?;
        let inliner = own_html.then(css_inliner);
        Ok(Renderer {
            tera,
            marks: Mutex::default(),
            shapes: Mutex::default(),
            cards: Mutex::default(),
            unsubscribe,
            feedback: None,
            manage: None,
            inliner,
        })
    }

    /// Gives every paper of every digest the reader's vote links.
    pub(crate) fn with_feedback(mut self, feedback: Option<FeedbackLinks>) -> Renderer {
        self.feedback = feedback;
        self
    }

    /// Puts each reader's preferences link in the footer.
    pub(crate) fn with_manage_links(mut self, manage: Option<ManageLinks>) -> Renderer {
        self.manage = manage;
        self
    }

    #[cfg(test)]
    /// Renders one subscriber's digest whole.
    pub(crate) fn render(
        &self,
        digest: &Digest<'_>,
        newsletter: &Newsletter,
    ) -> Result<RenderedDigest, RenderError> {
        self.render_within(digest, newsletter, &Fit::default())
    }

    /// Renders one subscriber's digest, as much of each paper as `fit` allows; the papers
    /// `fit.more` counts are already left out of `digest`.
    pub(crate) fn render_within(
        &self,
        digest: &Digest<'_>,
        newsletter: &Newsletter,
        fit: &Fit,
    ) -> Result<RenderedDigest, RenderError> {
        let unsubscribe_url = self
            .unsubscribe
            .as_ref()
            .map(|links| links.for_address(digest.subscriber.email.as_ref()));
        let cards = digest
            .picks
            .iter()
            .map(|pick| self.card(digest, pick, newsletter.abstract_length, fit))
            .collect::<Result<Vec<_>, _>>()?;
        let cards = match &self.feedback {
            Some(links) => with_votes(links, digest, cards),
            None => cards,
        };
        let mut view = DigestView::new(digest, newsletter, unsubscribe_url.clone(), &cards);
        view.more = fit.more.as_ref().map(|more| MoreView::new(more, digest.week.is_some()));
        view.manage_url =
            self.manage.as_ref().map(|links| links.for_address(digest.subscriber.email.as_ref()));
        let context = Context::from_serialize(&view).expect("a view struct serializes to a map");
        let render = |template: &'static str| self.render_template(template, &context, digest);
        let mut html = render("digest.html")?;
        if let Some(inliner) = &self.inliner {
            html = inliner.inline(&html).map_err(|err| RenderError::Render {
                template: "digest.html",
                subscriber: digest.subscriber.email.to_string(),
                message: format!("cannot inline its CSS: {err}"),
            })?;
        }
        Ok(RenderedDigest {
            html,
            text: render("digest.txt")?,
            subject: view.subject,
            unsubscribe_url,
        })
    }
}

/// The cards with the stand-ins for the vote links replaced by this reader's links. Cards are
/// shared by every digest that shows the paper, so only this reader's copy is changed.
fn with_votes(links: &FeedbackLinks, digest: &Digest<'_>, cards: Vec<Arc<Card>>) -> Vec<Arc<Card>> {
    let email = digest.subscriber.email.as_ref();
    let [up, down] = links.markers();
    digest
        .picks
        .iter()
        .zip(cards)
        .map(|(pick, card)| {
            if !card.html.contains(up.as_str()) && !card.html.contains(down.as_str()) {
                return card;
            }
            let url = |vote| escape_html(&links.url(email, &pick.paper.id, vote));
            let html = card
                .html
                .replace(up.as_str(), &url(VoteKind::Up))
                .replace(down.as_str(), &url(VoteKind::Down));
            Arc::new(Card { url: card.url.clone(), html, text: card.text.clone() })
        })
        .collect()
}

/// Mail clients drop <style> blocks, so rules move into style attributes; only what cannot
/// (a media query) stays in a <style> block for the clients that read it.
fn css_inliner() -> css_inline::CSSInliner<'static> {
    css_inline::CSSInliner::options()
        .keep_at_rules(true)
        .load_remote_stylesheets(false)
        .minify_css(true)
        .build()
}

fn read_template_dir(dir: &Path) -> Result<Vec<(String, String)>, RenderError> {
    let fail = |path: &Path, err: std::io::Error| RenderError::Load {
        path: path.to_owned(),
        message: err.to_string(),
    };
    let mut templates = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|err| fail(dir, err))? {
        let path = entry.map_err(|err| fail(dir, err))?.path();
        let is_template = path.extension().is_some_and(|ext| ext == "html" || ext == "txt");
        let Some(name) = path.file_name().and_then(|n| n.to_str()).filter(|_| is_template) else {
            continue;
        };
        let body = std::fs::read_to_string(&path).map_err(|err| fail(&path, err))?;
        templates.push((name.to_owned(), body));
    }
    Ok(templates)
}

/// One paper rendered for the HTML and the text digest.
#[derive(Debug)]
pub(crate) struct Card {
    /// Where the full text can be read.
    pub(crate) url: String,
    /// What `paper.html` made of it.
    pub(crate) html: String,
    /// What `paper.txt` made of it.
    pub(crate) text: String,
}

/// The cards of a run, by paper, matched keywords and abstract cut.
#[derive(Default)]
struct Cards {
    by_key: HashMap<String, Arc<Card>>,
    /// What the keys and cards hold, counted against the budget.
    bytes: usize,
}

impl Cards {
    /// Keeps a card, starting over first when it would take the cache past `budget` bytes.
    fn keep(&mut self, key: String, card: Arc<Card>, budget: usize) {
        // Two workers may render the same card at once; the first one kept stays.
        if self.by_key.contains_key(&key) {
            return;
        }
        let size = key.len() + card.html.len() + card.text.len();
        if self.bytes + size > budget {
            *self = Cards::default();
        }
        self.bytes += size;
        self.by_key.insert(key, card);
    }
}

impl Renderer {
    fn render_template(
        &self,
        template: &'static str,
        context: &Context,
        digest: &Digest<'_>,
    ) -> Result<String, RenderError> {
        self.tera.render(template, context).map_err(|err| RenderError::Render {
            template,
            subscriber: digest.subscriber.email.to_string(),
            message: chain(&err),
        })
    }

    /// A paper's card, rendered the first time these matched keywords and this cut ask
    /// for it.
    fn card(
        &self,
        digest: &Digest<'_>,
        pick: &Pick<'_>,
        length: AbstractLength,
        fit: &Fit,
    ) -> Result<Arc<Card>, RenderError> {
        let abstract_chars = fit.abstract_chars;
        let abstracts = !fit.no_abstracts;
        let mut key = format!("{}\0{length:?}\0{abstract_chars:?}\0{abstracts}", pick.paper.id);
        for keyword in &pick.matched {
            key.push('\0');
            key.push_str(keyword.as_str());
        }
        // The reason line differs between readers with the same keywords.
        for author in &pick.followed {
            key.push_str("\0@");
            key.push_str(author);
        }
        if let Some(reason) = &pick.reason {
            key.push_str("\0\0");
            key.push_str(reason);
        }
        let cached = self.cards.lock().ok().and_then(|cards| cards.by_key.get(&key).cloned());
        if let Some(card) = cached {
            return Ok(card);
        }
        let shape = self.shape(pick.paper);
        let mut view = PaperView::new(pick, &shape, length, abstract_chars, self.highlights(pick));
        view.feedback = self.feedback.as_ref().map(|links| {
            let [more, fewer] = links.markers().clone();
            FeedbackView { more, fewer }
        });
        let mut context = Context::new();
        context.insert("paper", &view);
        context.insert("abstracts", &abstracts);
        let card = Arc::new(Card {
            url: view.url.clone(),
            html: self.render_template("paper.html", &context, digest)?,
            text: self.render_template("paper.txt", &context, digest)?,
        });
        if let Ok(mut cards) = self.cards.lock() {
            cards.keep(key, Arc::clone(&card), CARD_CACHE_BYTES);
        }
        Ok(card)
    }

    /// A paper's TL;DR excerpt and short abstract, found once a run.
    fn shape(&self, paper: &Paper) -> Arc<AbstractShape> {
        let cached = self.shapes.lock().ok().and_then(|shapes| shapes.get(&paper.id).cloned());
        cached.unwrap_or_else(|| {
            let shape = Arc::new(AbstractShape::of(paper));
            if let Ok(mut shapes) = self.shapes.lock() {
                shapes.insert(paper.id.clone(), Arc::clone(&shape));
            }
            shape
        })
    }

    /// A pick's matched words, each keyword's part looked up once a run.
    fn highlights(&self, pick: &Pick<'_>) -> Highlight {
        let parts = pick.matched.iter().map(|keyword| {
            // The written keyword decides its scope too (`title:x` is not `x`).
            let key = (pick.paper.id.clone(), keyword.as_str().to_owned());
            let cached = self.marks.lock().ok().and_then(|marks| marks.get(&key).cloned());
            let part = cached.unwrap_or_else(|| {
                let part = Arc::new(highlight_one(pick.paper, keyword));
                if let Ok(mut marks) = self.marks.lock() {
                    marks.insert(key, Arc::clone(&part));
                }
                part
            });
            Highlight::clone(&part)
        });
        merged(parts)
    }
}

/// Escapes what could open or close markup or an attribute. Unlike tera's default it leaves
/// `/` alone, so links read as links in the source that some mail clients show.
pub(crate) fn escape_html(text: &str) -> String {
    // Runs between the five characters are copied whole: every paper's text goes through
    // here for every digest, and char-by-char pushing showed in `send`'s profile.
    let mut escaped = String::with_capacity(text.len() + text.len() / 8);
    let mut start = 0;
    for (at, c) in text.match_indices(['&', '<', '>', '"', '\'']) {
        escaped.push_str(&text[start..at]);
        escaped.push_str(match c {
            "&" => "&amp;",
            "<" => "&lt;",
            ">" => "&gt;",
            "\"" => "&quot;",
            _ => "&#39;",
        });
        start = at + 1;
    }
    escaped.push_str(&text[start..]);
    escaped
}

/// Tera nests the useful part (line, column, variable) in its error's sources.
fn chain(err: &tera::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ").replace('\n', " ")
}

/// `{{ text | wrap(width=72, indent="  ") }}`: fills lines up to `width` columns, each line
/// starting with `indent`. A word longer than a line, such as a URL, stands alone, unbroken.
fn wrap_filter(value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
    let text = value.as_str().ok_or("wrap takes a string")?;
    let width = match args.get("width") {
        Some(width) => width.as_u64().ok_or("wrap's width must be a whole number")? as usize,
        None => TEXT_WIDTH,
    };
    let indent = match args.get("indent") {
        Some(indent) => indent.as_str().ok_or("wrap's indent must be a string")?,
        None => "",
    };
    Ok(Value::String(wrap(text, width, indent)))
}

pub(crate) fn wrap(text: &str, width: usize, indent: &str) -> String {
    // One pass, widths counted once per word: this runs for every paper of every digest,
    // so recounting the line for each word (quadratic) showed up in `send`'s profile.
    let indent_width = indent.chars().count();
    let mut wrapped = String::with_capacity(text.len() + text.len() / 8);
    let mut line_width = 0;
    // ASCII text (the usual case) splits and counts by bytes; U+000B is the one character
    // `split_whitespace` splits at and `split_ascii_whitespace` does not.
    let ascii = text.is_ascii() && !text.contains('\u{b}');
    let words: Box<dyn Iterator<Item = &str>> = if ascii {
        Box::new(text.split_ascii_whitespace())
    } else {
        Box::new(text.split_whitespace())
    };
    for word in words {
        let word_width = if ascii { word.len() } else { word.chars().count() };
        if line_width == 0 {
            if !wrapped.is_empty() {
                wrapped.push('\n');
            }
            wrapped.push_str(indent);
        } else if indent_width + line_width + 1 + word_width <= width {
            wrapped.push(' ');
            line_width += 1;
        } else {
            wrapped.push('\n');
            wrapped.push_str(indent);
            line_width = 0;
        }
        wrapped.push_str(word);
        line_width += word_width;
    }
    wrapped
}

#[cfg(test)]
mod tests;
