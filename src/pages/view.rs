//! The pages' templates: built in, each replaceable by a file of the same name in the
//! `pages/` folder of `newsletter.templates`, as the digest's are. Parsed once when `serve`
//! starts, so a broken template stops it there rather than on a reader's request.

use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use tera::{Context, Tera};

const BUILTIN: [(&str, &str); 10] = [
    ("pages/base.html", include_str!("../../templates/pages/base.html")),
    ("pages/fields.html", include_str!("../../templates/pages/fields.html")),
    ("pages/subscribe.html", include_str!("../../templates/pages/subscribe.html")),
    ("pages/sent.html", include_str!("../../templates/pages/sent.html")),
    ("pages/confirm.html", include_str!("../../templates/pages/confirm.html")),
    ("pages/welcome.html", include_str!("../../templates/pages/welcome.html")),
    ("pages/manage.html", include_str!("../../templates/pages/manage.html")),
    ("pages/message.html", include_str!("../../templates/pages/message.html")),
    ("pages/confirm_mail.txt", include_str!("../../templates/pages/confirm_mail.txt")),
    ("pages/known_mail.txt", include_str!("../../templates/pages/known_mail.txt")),
];

/// The parsed page templates.
pub(super) struct Views {
    tera: Tera,
}

/// A topic as the forms show it.
#[derive(Debug, Serialize)]
pub(super) struct TopicChoice {
    pub(super) name: String,
    pub(super) description: Option<String>,
    pub(super) checked: bool,
}

impl Views {
    /// The built-in templates, with any of `<templates>/pages/` in their place.
    pub(super) fn new(templates: Option<&Path>) -> anyhow::Result<Views> {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(crate::render::escape_html);
        let mut files: Vec<(String, String)> =
            BUILTIN.iter().map(|(name, body)| ((*name).to_owned(), (*body).to_owned())).collect();
        if let Some(dir) = templates.map(|dir| dir.join("pages")).filter(|dir| dir.is_dir()) {
            let entries = std::fs::read_dir(&dir).with_context(|| {
                format!("cannot read the page templates in `{}`", dir.display())
            })?;
            for entry in entries {
                let path =
                    entry.with_context(|| format!("cannot read `{}`", dir.display()))?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
                if !(name.ends_with(".html") || name.ends_with(".txt")) {
                    continue;
                }
                let body = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read `{}`", path.display()))?;
                let name = format!("pages/{name}");
                files.retain(|(builtin, _)| *builtin != name);
                files.push((name, body));
            }
        }
        tera.add_raw_templates(files)
            .map_err(|err| anyhow::anyhow!("the page templates do not parse: {}", chain(&err)))?;
        Ok(Views { tera })
    }

    /// Renders `pages/<name>`; a template that fails is logged, and the reader gets a plain
    /// apology instead of a half page.
    pub(super) fn render(&self, name: &str, context: &Context) -> String {
        let template = format!("pages/{name}");
        self.tera.render(&template, context).unwrap_or_else(|err| {
            crate::messages::error(format!("template `{template}`: {}", chain(&err)));
            "<!DOCTYPE html>\n<title>Error</title>\n<p>This page could not be shown.</p>\n".into()
        })
    }

    /// Renders a mail body, `pages/<name>`; its failure is the caller's to report.
    pub(super) fn mail(&self, name: &str, context: &Context) -> anyhow::Result<String> {
        let template = format!("pages/{name}");
        self.tera
            .render(&template, context)
            .map_err(|err| anyhow::anyhow!("template `{template}`: {}", chain(&err)))
    }
}

fn chain(err: &tera::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_folder_replaces_a_page_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("pages")).unwrap();
        std::fs::write(dir.path().join("pages/sent.html"), "own {{ title }}").unwrap();
        let views = Views::new(Some(dir.path())).unwrap();
        let mut context = Context::new();
        context.insert("title", "<T>");
        assert_eq!(views.render("sent.html", &context), "own &lt;T&gt;");
        assert!(Views::new(None).is_ok());
    }
}
