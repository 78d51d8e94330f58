//! `paperboy preview`: every digest as files to open in a browser or mail client, or served
//! over HTTP and rendered afresh on each request (`--serve`); sends nothing.

use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use tiny_http::{Header, Response};

use crate::atomic::write as write_atomically;
use crate::cli::PreviewArgs;
use crate::cmd::{
    Ctx, chosen_subscribers, history_of, listen, read_day, renderer_for, sent_before,
};
use crate::compose::{Composed, compose};
use crate::config::Config;
use crate::digest::Picker;
use crate::error::Exit;
use crate::outcome;
use crate::text::file_safe;
use crate::text::plural::count;
use crate::topic::SentPapers;
use crate::unsubscribe::percent_decode;

const INDEX: &str = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }} — preview for {{ date }}</title></head>
<body style="font-family:-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width:860px; margin:2em auto; padding:0 1em;">
<h1>{{ title }} — {{ date }}</h1>
<p>{{ entries | length }} subscriber{{ entries | length | pluralize }}, {{ papers }} paper{{ papers | pluralize }} in the listing. Nothing was sent.</p>
<table cellpadding="6" style="border-collapse:collapse;">
<tr><th align="left">Subscriber</th><th align="right">Papers</th><th align="left">Subject</th><th align="left">View</th></tr>
{% for entry in entries %}<tr style="border-top:1px solid #ddd;">
<td>{{ entry.email }}</td><td align="right">{{ entry.count }}</td>
<td>{{ entry.subject }}{% if not entry.would_send %} <em>(not sent: nothing matched)</em>{% endif %}</td>
<td><a href="{{ entry.href }}.html">HTML</a> · <a href="{{ entry.href }}.txt">text</a> · <a href="{{ entry.href }}.eml">.eml</a></td>
</tr>
{% endfor %}</table>
</body>
</html>
"#;

/// Every chosen subscriber's digest for the day, rendered.
struct Previews {
    index: String,
    digests: Vec<Preview>,
    summary: String,
    /// What went wrong with a source, if anything.
    sources_line: Option<String>,
    /// The outcome the sources alone call for.
    exit: Exit,
}

struct Preview {
    /// The file-safe address: the name of its files.
    file: String,
    html: String,
    text: String,
    eml: Vec<u8>,
}

#[derive(Serialize)]
struct IndexEntry {
    email: String,
    href: String,
    count: usize,
    subject: String,
    would_send: bool,
}

/// Writes the preview files, or serves them with `--serve`.
pub(crate) fn run(args: &PreviewArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    if args.serve {
        return serve(args, ctx);
    }
    let previews = render_all(args, ctx)?;
    for preview in &previews.digests {
        write(&args.out.join(format!("{}.html", preview.file)), preview.html.as_bytes())?;
        write(&args.out.join(format!("{}.txt", preview.file)), preview.text.as_bytes())?;
        write(&args.out.join(format!("{}.eml", preview.file)), &preview.eml)?;
    }
    let index_path = args.out.join("index.html");
    write(&index_path, previews.index.as_bytes())?;
    status!("{} in {}; open {}", previews.summary, args.out.display(), index_path.display())?;
    if let Some(line) = &previews.sources_line {
        status!("{line}")?;
    }
    Ok(previews.exit)
}

/// Loads everything anew, so an edit to the config or a template shows on the next call.
fn render_all(args: &PreviewArgs, ctx: &Ctx<'_>) -> anyhow::Result<Previews> {
    let config = Config::load(ctx.config_path)?;
    let subscribers = chosen_subscribers(&config, args.subscriber.as_deref())?;
    let day = read_day(&config, &args.day, ctx.clock, false)?;
    let renderer = renderer_for(&config)?;
    let now = ctx.clock.now();

    let mut digests = Vec::new();
    let mut entries = Vec::new();
    let history = sent_before(&config, &day.papers, day.date)?;
    let picker = Picker::new(&config, &day.papers, day.date);
    let none = SentPapers::new();
    for subscriber in subscribers {
        let digest = picker.digest(subscriber, history_of(&history, subscriber).unwrap_or(&none));
        let email = digest.subscriber.email.to_string();
        // One digest that cannot be built must not hide everyone else's.
        let Composed { rendered, bytes } =
            match compose(&renderer, &config.newsletter, &digest, now, None) {
                Ok(composed) => composed,
                Err(err) => {
                    eprintln!("warning: cannot compose the digest for {email}, left out: {err:#}");
                    continue;
                }
            };
        let file = file_safe(&email);
        entries.push(IndexEntry {
            would_send: !digest.is_empty() || config.newsletter.send_empty,
            count: digest.picks.len(),
            subject: rendered.subject,
            // File names keep only [A-Za-z0-9@._+-] and %XX escapes; `%` alone needs escaping.
            href: file.replace('%', "%25"),
            email,
        });
        digests.push(Preview { file, html: rendered.html, text: rendered.text, eml: bytes });
    }

    let mut context = tera::Context::new();
    context.insert("title", &config.newsletter.title);
    context.insert("date", &day.date.to_string());
    context.insert("papers", &day.papers.len());
    context.insert("entries", &entries);
    let index =
        tera::Tera::one_off(INDEX, &context, true).context("cannot render the preview index")?;
    let summary = format!("previewed {} for {}", count(digests.len(), "digest"), day.date);
    let sources_line = outcome::sources_line(&day.reports);
    let exit = outcome::sources_exit(&day.reports, day.papers.len());
    Ok(Previews { index, digests, summary, sources_line, exit })
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomically(path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Serves `/` (the index) and `/<address>.html|.txt|.eml`, one request at a time.
fn serve(args: &PreviewArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    // Fail before listening if the config or sources are broken right now.
    render_all(args, ctx)?;
    let server = listen(args.listen, "previews, rendered on every request,")?;

    for request in server.incoming_requests() {
        let path = request.url().split(['?', '#']).next().unwrap_or("/").to_owned();
        let (status, content_type, body) = match render_all(args, ctx) {
            Err(err) => (500, "text/plain; charset=utf-8", format!("{err:#}\n").into_bytes()),
            Ok(previews) => answer(&previews, &path),
        };
        let content_type =
            Header::from_bytes("Content-Type", content_type).expect("a valid header");
        let no_cache = Header::from_bytes("Cache-Control", "no-store").expect("a valid header");
        let response = Response::from_data(body)
            .with_status_code(status)
            .with_header(content_type)
            .with_header(no_cache);
        if let Err(err) = request.respond(response) {
            crate::messages::warning(format!("could not answer a request: {err}"));
        }
    }
    Ok(Exit::Ok)
}

fn answer(previews: &Previews, path: &str) -> (u16, &'static str, Vec<u8>) {
    if path == "/" || path == "/index.html" {
        return (200, "text/html; charset=utf-8", previews.index.clone().into_bytes());
    }
    let requested = percent_decode(path.trim_start_matches('/')).unwrap_or_default();
    for preview in &previews.digests {
        let Some(kind) = requested.strip_prefix(preview.file.as_str()) else { continue };
        match kind {
            ".html" => return (200, "text/html; charset=utf-8", preview.html.clone().into_bytes()),
            ".txt" => return (200, "text/plain; charset=utf-8", preview.text.clone().into_bytes()),
            // Shown as text in the browser rather than handed to a mail client.
            ".eml" => return (200, "text/plain; charset=utf-8", preview.eml.clone()),
            _ => {}
        }
    }
    (404, "text/plain; charset=utf-8", b"no such preview\n".to_vec())
}
