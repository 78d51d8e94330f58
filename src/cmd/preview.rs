//! `paperboy preview`: every digest as files to open in a browser or mail client; sends nothing.

use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use crate::cli::PreviewArgs;
use crate::cmd::{Ctx, chosen_subscribers, read_day, renderer_for};
use crate::config::Config;
use crate::deliver::{build_message, file_safe, write_atomically};
use crate::digest::Digest;
use crate::error::Exit;
use crate::outcome;

const INDEX: &str = r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }} — preview for {{ date }}</title></head>
<body style="font-family:-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width:760px; margin:2em auto; padding:0 1em;">
<h1>{{ title }} — {{ date }}</h1>
<p>{{ entries | length }} subscribers, {{ papers }} papers in the listing. Nothing was sent.</p>
<table cellpadding="6" style="border-collapse:collapse;">
<tr><th align="left">Subscriber</th><th align="right">Papers</th><th align="left">Subject</th><th align="left">Files</th></tr>
{% for entry in entries %}<tr style="border-top:1px solid #ddd;">
<td>{{ entry.email }}</td><td align="right">{{ entry.count }}</td>
<td>{{ entry.subject }}{% if not entry.would_send %} <em>(not sent: nothing matched)</em>{% endif %}</td>
<td><a href="{{ entry.file }}.html">HTML</a> · <a href="{{ entry.file }}.txt">text</a> · <a href="{{ entry.file }}.eml">.eml</a></td>
</tr>
{% endfor %}</table>
</body>
</html>
"#;

#[derive(Serialize)]
struct IndexEntry {
    email: String,
    file: String,
    count: usize,
    subject: String,
    would_send: bool,
}

/// Writes `DIR/<email>.{html,txt,eml}` for each chosen subscriber and `DIR/index.html`.
pub fn run(args: &PreviewArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let config = Config::load(ctx.config_path)?;
    let subscribers = chosen_subscribers(&config, args.subscriber.as_deref())?;
    let day = read_day(&config, &args.day, ctx.clock, false)?;
    let renderer = renderer_for(&config)?;
    let now = ctx.clock.now();

    let mut entries = Vec::new();
    for digest in Digest::for_each_subscriber(subscribers, &day.papers, day.date) {
        let email = digest.subscriber.email.to_string();
        let rendered = renderer.render(&digest, &config.newsletter)?;
        let message = build_message(&config.newsletter, &digest, &rendered, now)
            .with_context(|| format!("cannot build the message for {email}"))?;
        let file = file_safe(&email);
        write(&args.out.join(format!("{file}.html")), rendered.html.as_bytes())?;
        write(&args.out.join(format!("{file}.txt")), rendered.text.as_bytes())?;
        write(&args.out.join(format!("{file}.eml")), &message.formatted())?;
        entries.push(IndexEntry {
            would_send: !digest.is_empty() || config.newsletter.send_empty,
            count: digest.picks.len(),
            subject: rendered.subject,
            email,
            file,
        });
    }

    let mut context = tera::Context::new();
    context.insert("title", &config.newsletter.title);
    context.insert("date", &day.date.to_string());
    context.insert("papers", &day.papers.len());
    context.insert("entries", &entries);
    let index =
        tera::Tera::one_off(INDEX, &context, true).context("cannot render the preview index")?;
    let index_path = args.out.join("index.html");
    write(&index_path, index.as_bytes())?;
    println!(
        "previewed {} digests for {} in {}; open {}",
        entries.len(),
        day.date,
        args.out.display(),
        index_path.display()
    );
    if let Some(line) = outcome::sources_line(&day.reports) {
        println!("{line}");
    }
    Ok(outcome::sources_exit(&day.reports, day.papers.len()))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomically(path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
}
