//! `paperboy preview`: every digest as files to open in a browser or mail client, or served
//! over HTTP (`--serve`); sends nothing.
//!
//! Both load the config and the day afresh, so an edit to either shows on the next run or
//! request. Files are written as each digest is rendered, so memory stays that of one
//! digest; the server renders only what a request asks for: a digest request costs one
//! digest, and the index is built from picking alone.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use crate::atomic::write as write_atomically;
use crate::cadence::{Frequency, weekday_name};
use crate::cli::PreviewArgs;
use crate::clock::Clock;
use crate::cmd::{
    Ctx, Day, chosen_subscribers, history_of, read_day, renderer_for, sent_before, week_listing,
};
use crate::compose::{Composed, Shortened, compose};
use crate::config::{Config, Subscriber};
use crate::digest::{Digest, Picker, Week};
use crate::error::Exit;
use crate::http;
use crate::outcome;
use crate::paper::Paper;
use crate::render::{escape_html, subject_line};
use crate::text::file_safe;
use crate::text::plural::count;
use crate::topic::SentPapers;

/// The index page, built row by row: at 100,000 subscribers a tera context of every row
/// held several copies of the table at once and took seconds to render.
struct Index {
    html: String,
}

impl Index {
    fn new(title: &str, date: NaiveDate, papers: usize, subscribers: usize) -> Index {
        let title = escape_html(title);
        let mut html = String::with_capacity(400 * subscribers + 1000);
        let (subscribers, papers) = (count(subscribers, "subscriber"), count(papers, "paper"));
        html.push_str(&format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title} — preview for {date}</title></head>\n\
             <body style=\"font-family:-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; max-width:860px; margin:2em auto; padding:0 1em;\">\n\
             <h1>{title} — {date}</h1>\n\
             <p>{subscribers}, {papers} in the listing. Nothing was sent.</p>\n\
             <table cellpadding=\"6\" style=\"border-collapse:collapse;\">\n\
             <tr><th align=\"left\">Subscriber</th><th align=\"right\">Papers</th><th align=\"left\">Subject</th><th align=\"left\">View</th></tr>\n"
        ));
        Index { html }
    }

    fn row(&mut self, entry: &IndexEntry) {
        let (email, href) = (escape_html(&entry.email), escape_html(&entry.href));
        let not_sent = match &entry.not_sent {
            Some(why) => format!(" <em>(not sent: {why})</em>"),
            None => String::new(),
        };
        self.html.push_str(&format!(
            "<tr style=\"border-top:1px solid #ddd;\">\n<td>{email}</td><td align=\"right\">{}</td>\n\
             <td>{}{not_sent}</td>\n\
             <td><a href=\"{href}.html\">HTML</a> · <a href=\"{href}.txt\">text</a> · <a href=\"{href}.eml\">.eml</a></td>\n</tr>\n",
            entry.count,
            escape_html(&entry.subject),
        ));
    }

    fn finish(mut self) -> String {
        self.html.push_str("</table>\n</body>\n</html>\n");
        self.html
    }
}

/// The config and the day, loaded for one run or one request.
struct Loaded {
    config: Config,
    day: Day,
    history: HashMap<String, SentPapers>,
    /// The reading lists, profiled once for every picker of the run.
    profiles: crate::profiles::Profiles,
    /// What weekly readers' digests are made of, when a reader previewed is weekly.
    week: Option<WeekListing>,
}

/// The seven days of listings up to the day, as `send` reads them for a weekly digest, and
/// what each reader already got of them.
struct WeekListing {
    week: Week,
    papers: Vec<Paper>,
    history: HashMap<String, SentPapers>,
}

/// The day's picker, and the week's for weekly readers.
struct Pickers<'a> {
    day: Picker<'a>,
    week: Option<Picker<'a>>,
}

impl Loaded {
    /// The config and the day, and the week when one of the readers previewed (`only`, or
    /// everyone) is weekly.
    fn new(
        config_path: &Path,
        day: &crate::cli::DayArgs,
        only: Option<&str>,
        clock: Clock,
    ) -> anyhow::Result<Loaded> {
        let config = Config::load(config_path)?;
        let day = read_day(&config, day, clock, false)?;
        let history = sent_before(&config, &day.papers, day.date)?;
        let profiles = crate::profiles::Profiles::load(&config)?;
        let readers = chosen_subscribers(&config, only)?;
        let weekly = readers.iter().any(|s| s.cadence.frequency == Frequency::Weekly);
        let week = match weekly {
            true => {
                let (week, papers) = week_listing(&config, day.date, &day.papers)?;
                let history = sent_before(&config, &papers, day.date)?;
                Some(WeekListing { week, papers, history })
            }
            false => None,
        };
        Ok(Loaded { config, day, history, profiles, week })
    }

    /// The pickers `readers`' digests need: the week's only when one of them is weekly.
    fn pickers(&self, readers: &[&Subscriber]) -> Pickers<'_> {
        let picker = |papers| {
            let profiles = self.profiles.clone();
            Picker::with_libraries(&self.config, papers, self.day.date, profiles)
        };
        let weekly = readers.iter().any(|s| s.cadence.frequency == Frequency::Weekly);
        Pickers {
            day: picker(&self.day.papers),
            week: self.week.as_ref().filter(|_| weekly).map(|listing| picker(&listing.papers)),
        }
    }

    /// The digest `send` would make for `subscriber`: a weekly reader's sums up the week up
    /// to the day, whichever weekday that is.
    fn digest<'a>(&'a self, pickers: &Pickers<'a>, subscriber: &'a Subscriber) -> Digest<'a> {
        static NONE: std::sync::LazyLock<SentPapers> = std::sync::LazyLock::new(SentPapers::new);
        if subscriber.cadence.frequency == Frequency::Weekly
            && let (Some(listing), Some(picker)) = (&self.week, &pickers.week)
        {
            let sent = history_of(&listing.history, subscriber).unwrap_or(&NONE);
            return Digest { week: Some(&listing.week), ..picker.digest(subscriber, sent) };
        }
        pickers.day.digest(subscriber, history_of(&self.history, subscriber).unwrap_or(&NONE))
    }

    fn entry(&self, digest: &Digest<'_>) -> IndexEntry {
        let email = digest.subscriber.email.to_string();
        let cadence = &digest.subscriber.cadence;
        let not_sent = if self.day.papers.is_empty() {
            // `send` sends nothing at all then, weekly digests included.
            Some("no papers today".to_owned())
        } else if !cadence.has_digest_on(self.day.date) {
            Some(format!("weekly on {}", weekday_name(cadence.weekday)))
        } else if digest.is_empty() && !self.config.newsletter.send_empty {
            Some("nothing matched".to_owned())
        } else {
            None
        };
        IndexEntry {
            not_sent,
            count: digest.picks.len(),
            subject: subject_line(&self.config.newsletter.title, digest),
            // File names keep only [A-Za-z0-9@._+-] and %XX escapes; `%` alone needs escaping.
            href: file_safe(&email).replace('%', "%25"),
            email,
        }
    }

    fn index(&self, subscribers: usize) -> Index {
        let newsletter = &self.config.newsletter;
        Index::new(&newsletter.title, self.day.date, self.day.papers.len(), subscribers)
    }
}

struct IndexEntry {
    email: String,
    href: String,
    count: usize,
    subject: String,
    /// Why `send` would not send this digest today, if it would not.
    not_sent: Option<String>,
}

/// Writes the preview files, or serves them with `--serve`.
pub(crate) fn run(args: &PreviewArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    if args.serve {
        return serve(args, ctx);
    }
    let loaded = Loaded::new(ctx.config_path, &args.day, args.subscriber.as_deref(), ctx.clock)?;
    let subscribers = chosen_subscribers(&loaded.config, args.subscriber.as_deref())?;
    let renderer = renderer_for(&loaded.config)?;
    let now = ctx.clock.now();
    let pickers = loaded.pickers(&subscribers);
    let mut index = loaded.index(subscribers.len());
    let mut previewed = 0;
    let shortened = Shortened::default();
    for (job, subscriber) in subscribers.into_iter().enumerate() {
        let digest = loaded.digest(&pickers, subscriber);
        let mut entry = loaded.entry(&digest);
        // One digest that cannot be built must not hide everyone else's.
        let composed = match compose(&renderer, &loaded.config.newsletter, &digest, now, None) {
            Ok(composed) => composed,
            Err(err) => {
                let err = anyhow::Error::new(err);
                crate::messages::warning(format!(
                    "cannot compose the digest for {}, left out: {err:#}",
                    entry.email
                ));
                continue;
            }
        };
        shortened.note(job, composed.left_out(&digest));
        let Composed { rendered, bytes, shown } = composed;
        entry.count = shown;
        entry.subject.clone_from(&rendered.subject);
        let file = file_safe(&entry.email);
        write(&args.out.join(format!("{file}.html")), rendered.html.as_bytes())?;
        write(&args.out.join(format!("{file}.txt")), rendered.text.as_bytes())?;
        write(&args.out.join(format!("{file}.eml")), &bytes)?;
        index.row(&entry);
        previewed += 1;
    }
    if let Some(line) = shortened.warning() {
        crate::messages::warning(line);
    }
    let index_path = args.out.join("index.html");
    write(&index_path, index.finish().as_bytes())?;
    let day = &loaded.day;
    status!(
        "previewed {} for {} in {}; open {}",
        count(previewed, "digest"),
        day.date,
        args.out.display(),
        index_path.display()
    )?;
    if let Some(line) = outcome::sources_line(&day.reports) {
        status!("{line}")?;
    }
    Ok(outcome::sources_exit(&day.reports, day.papers.len()))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomically(path, bytes).with_context(|| format!("cannot write `{}`", path.display()))
}

/// What the preview server needs for every request.
struct Previewer {
    config_path: PathBuf,
    day: crate::cli::DayArgs,
    subscriber: Option<String>,
    clock: Clock,
    listen: SocketAddr,
}

/// Serves `/` (the index) and `/<address>.html|.txt|.eml`.
fn serve(args: &PreviewArgs, ctx: &Ctx<'_>) -> anyhow::Result<Exit> {
    let previewer = Arc::new(Previewer {
        config_path: ctx.config_path.to_owned(),
        day: args.day.clone(),
        subscriber: args.subscriber.clone(),
        clock: ctx.clock,
        listen: args.listen,
    });
    // Fail before listening if the config or sources are broken right now.
    previewer.index()?;
    let app = Router::new().fallback(answer).with_state(previewer);
    http::serve(args.listen, "previews, rendered on every request,", &[], app)?;
    Ok(Exit::Ok)
}

async fn answer(State(previewer): State<Arc<Previewer>>, headers: HeaderMap, uri: Uri) -> Response {
    let host = headers.get(header::HOST).and_then(|host| host.to_str().ok());
    if !host.is_some_and(|host| previewer.allows_host(host)) {
        // A page elsewhere that rebinds its own name to this address must not read it.
        let body = "this preview answers only to localhost, 127.0.0.1 and [::1]\n";
        return (StatusCode::MISDIRECTED_REQUEST, [(header::CONTENT_TYPE, plain())], body)
            .into_response();
    }
    let path = uri.path().to_owned();
    let worker = Arc::clone(&previewer);
    let (status, content_type, body) = match http::blocking(move || worker.page(&path)).await {
        Ok(Ok(Some(page))) => (StatusCode::OK, page.content_type, page.body),
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, plain(), b"no such preview\n".to_vec()),
        Ok(Err(err)) | Err(err) => {
            (StatusCode::INTERNAL_SERVER_ERROR, plain(), format!("{err:#}\n").into_bytes())
        }
    };
    (status, [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

fn plain() -> &'static str {
    "text/plain; charset=utf-8"
}

struct Page {
    content_type: &'static str,
    body: Vec<u8>,
}

impl Previewer {
    /// Whether `Host:` names this machine's loopback, or the address `--listen` gave when
    /// that is not loopback; any port.
    fn allows_host(&self, host: &str) -> bool {
        let name = match host.strip_prefix('[') {
            Some(rest) => rest.split_once(']'),
            None => Some(host.rsplit_once(':').unwrap_or((host, ""))),
        };
        let Some((name, port)) = name else { return false };
        let port = port.strip_prefix(':').unwrap_or(port);
        if !port.bytes().all(|byte| byte.is_ascii_digit()) {
            return false;
        }
        if name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        match name.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST || ip == self.listen.ip(),
            // `[::1]` in brackets only: a bare `::1` is no Host.
            Ok(IpAddr::V6(ip)) => {
                host.starts_with('[')
                    && (ip == std::net::Ipv6Addr::LOCALHOST || ip == self.listen.ip())
            }
            Err(_) => false,
        }
    }

    fn loaded(&self) -> anyhow::Result<Loaded> {
        Loaded::new(&self.config_path, &self.day, self.subscriber.as_deref(), self.clock)
    }

    /// The index, from picking alone: no digest is rendered.
    fn index(&self) -> anyhow::Result<String> {
        let loaded = self.loaded()?;
        let subscribers = chosen_subscribers(&loaded.config, self.subscriber.as_deref())?;
        let pickers = loaded.pickers(&subscribers);
        let mut index = loaded.index(subscribers.len());
        for subscriber in subscribers {
            index.row(&loaded.entry(&loaded.digest(&pickers, subscriber)));
        }
        Ok(index.finish())
    }

    /// The page at `path`, or `None` for no such preview.
    fn page(&self, path: &str) -> anyhow::Result<Option<Page>> {
        let html = "text/html; charset=utf-8";
        if path == "/" || path == "/index.html" {
            return Ok(Some(Page { content_type: html, body: self.index()?.into_bytes() }));
        }
        // Decoded once: the links carry each file name with its `%` escaped.
        let Ok(requested) = percent_encoding::percent_decode_str(path.trim_start_matches('/'))
            .decode_utf8()
            .map(|name| name.into_owned())
        else {
            return Ok(None);
        };
        let Some((file, kind)) = requested.rsplit_once('.') else { return Ok(None) };
        if !["html", "txt", "eml"].contains(&kind) {
            return Ok(None);
        }
        let loaded = self.loaded()?;
        let subscribers = chosen_subscribers(&loaded.config, self.subscriber.as_deref())?;
        let Some(subscriber) =
            subscribers.into_iter().find(|s| file_safe(s.email.as_ref()) == file)
        else {
            return Ok(None);
        };
        let renderer = renderer_for(&loaded.config)?;
        let pickers = loaded.pickers(&[subscriber]);
        let digest = loaded.digest(&pickers, subscriber);
        let Composed { rendered, bytes, .. } =
            compose(&renderer, &loaded.config.newsletter, &digest, self.clock.now(), None)
                .with_context(|| format!("cannot compose the digest for {}", subscriber.email))?;
        Ok(Some(match kind {
            "html" => Page { content_type: html, body: rendered.html.into_bytes() },
            "txt" => Page { content_type: plain(), body: rendered.text.into_bytes() },
            // Shown as text in the browser rather than handed to a mail client.
            _ => Page { content_type: plain(), body: bytes },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn previewer(listen: &str) -> Previewer {
        Previewer {
            config_path: PathBuf::new(),
            day: crate::cli::DayArgs { date: None, input: None },
            subscriber: None,
            clock: Clock::System,
            listen: listen.parse().unwrap(),
        }
    }

    #[test]
    fn only_loopback_names_and_a_non_loopback_listen_address_are_hosts() {
        let local = previewer("127.0.0.1:8025");
        for host in ["localhost", "LOCALHOST:80", "127.0.0.1", "127.0.0.1:9", "[::1]", "[::1]:8025"]
        {
            assert!(local.allows_host(host), "{host}");
        }
        for host in ["evil.example", "evil.example:8025", "10.0.0.2", "::1", "127.0.0.1:x", ""] {
            assert!(!local.allows_host(host), "{host}");
        }
        let lan = previewer("10.0.0.2:8025");
        assert!(lan.allows_host("10.0.0.2:8025") && lan.allows_host("localhost"));
        assert!(!lan.allows_host("10.0.0.3"));
    }
}
