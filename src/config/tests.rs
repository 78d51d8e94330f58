use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("dir/paperboy.toml"))
}

fn problems(text: &str) -> Vec<String> {
    parse(text).unwrap_err().to_string().lines().map(str::to_owned).collect()
}

const MINIMAL: &str = "[newsletter]\ntitle = \"T\"\nfrom = \"d@example.org\"\n";

#[test]
fn the_example_config_loads() {
    let config =
        Config::load(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml")))
            .unwrap();
    assert_eq!(config.subscribers.len(), 3);
    assert_eq!(config.delivery.transport, TransportKind::File);
    assert_eq!(config.subscribers[0].max_papers, Some(5));
    assert!(matches!(
        &config.sources[0].location,
        crate::source::Location::Path(path) if path.ends_with("examples/hf-daily-papers-aug5.txt")
    ));
}

#[test]
fn defaults_fill_what_is_left_out() {
    let config = parse(MINIMAL).unwrap();
    assert_eq!(config.newsletter.max_papers, 10);
    assert!(!config.newsletter.send_empty);
    assert_eq!(config.delivery.transport, TransportKind::File);
    assert_eq!(config.delivery.dir, Path::new("dir/outbox"));
    assert_eq!(config.delivery.state, Path::new("dir/paperboy.db"));
    assert!(config.smtp.is_none());
}

#[test]
fn smtp_ports_follow_security_unless_set() {
    let port = |table: &str| {
        parse(&format!("{MINIMAL}[smtp]\nhost = \"h\"\n{table}")).unwrap().smtp.unwrap().port
    };
    assert_eq!(port(""), 587);
    assert_eq!(port("security = \"tls\"\n"), 465);
    assert_eq!(port("security = \"none\"\n"), 25);
    assert_eq!(port("security = \"none\"\nport = 2525\n"), 2525);
    assert_eq!(
        parse(&format!("{MINIMAL}[smtp]\nhost = \"h\"\n")).unwrap().smtp.unwrap().security,
        Security::Starttls
    );
}

#[test]
fn unknown_key_names_line_and_key() {
    assert_eq!(
        problems(&format!("{MINIMAL}titel = \"x\"\n")),
        [
            "dir/paperboy.toml:4: `newsletter.titel`: unknown field `titel`, expected one of `title`, `from`, `reply_to`, `unsubscribe_url`, `max_papers`, `send_empty`, `templates`, `feedback_url`, `site_url`, `subscribe_link_hours`, `abstract`, `frequency`, `weekday`, `send_at`, `timezone`, `min_similarity`"
        ]
    );
}

#[test]
fn wrong_type_names_the_key_path() {
    let text = format!("{MINIMAL}[[subscribers]]\nemail = \"a@b.org\"\nmax_papers = \"ten\"\n");
    assert_eq!(
        problems(&text),
        [
            "dir/paperboy.toml:6: `subscribers[0].max_papers`: expected a whole number from 1 to 1000, found the string \"ten\""
        ]
    );
}

#[test]
fn unknown_topic_is_reported_with_line() {
    let text = format!(
        "{MINIMAL}[topics.kd]\nkeywords = [\"kd\"]\n[[subscribers]]\nemail = \"a@b.org\"\ntopics = [\"kd\", \"nope\"]\n"
    );
    assert_eq!(
        problems(&text),
        ["dir/paperboy.toml:8: `subscribers[0].topics`: unknown topic `nope` (defined: kd)"]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = "[newsletter]\ntitle = \"\"\nfrom = \"not an address\"\nmax_papers = 0\nunsubscribe_url = \"ftp://x\"\n\
                [topics.kd]\nkeywords = [\"dis*till\"]\n\
                [[subscribers]]\nemail = \"bad@\"\n\
                [[subscribers]]\nemail = \"a@b.org\"\n[[subscribers]]\nemail = \"A@b.org\"\n";
    let lines = problems(text);
    assert_eq!(lines.len(), 7, "{lines:#?}");
    assert!(lines[0].starts_with("dir/paperboy.toml:2: `newsletter.title`: must not be empty"));
    assert!(lines[1].starts_with(
        "dir/paperboy.toml:3: `newsletter.from`: `not an address` is not a valid mailbox"
    ));
    assert!(lines[2].starts_with(
        "dir/paperboy.toml:4: `newsletter.max_papers`: expected a whole number from 1 to 1000"
    ));
    assert!(lines[3].starts_with("dir/paperboy.toml:5: `newsletter.unsubscribe_url`"));
    assert!(
        lines[4].starts_with("dir/paperboy.toml:7: `topics.kd.keywords`: `*` may only end a word")
    );
    assert!(
        lines[5].starts_with(
            "dir/paperboy.toml:9: `subscribers[0].email`: `bad@` is not a valid address"
        )
    );
    assert!(
        lines[6]
            .starts_with("dir/paperboy.toml:13: `subscribers[2].email`: `A@b.org` is listed twice")
    );
}

#[test]
fn smtp_transport_needs_an_smtp_table() {
    assert_eq!(
        problems(&format!("{MINIMAL}[delivery]\ntransport = \"smtp\"\n")),
        [
            "dir/paperboy.toml:5: `delivery.transport`: is \"smtp\" but the config has no [smtp] table"
        ]
    );
}

#[test]
fn abstracts_are_short_unless_the_newsletter_asks_for_them_full() {
    let config = Config::parse(MINIMAL, Path::new("dir/paperboy.toml")).unwrap();
    assert_eq!(config.newsletter.abstract_length, super::AbstractLength::Short);
    let full = format!("{MINIMAL}abstract = \"full\"\n");
    let config = Config::parse(&full, Path::new("dir/paperboy.toml")).unwrap();
    assert_eq!(config.newsletter.abstract_length, super::AbstractLength::Full);
}

#[test]
fn an_unknown_security_or_format_is_refused_by_name() {
    let lines = problems(&format!("{MINIMAL}[smtp]\nhost = \"h\"\nsecurity = \"ssl\"\n"));
    assert!(
        lines[0].starts_with("dir/paperboy.toml:6: `smtp.security`: unknown variant `ssl`"),
        "{lines:?}"
    );
    let lines =
        problems(&format!("{MINIMAL}[[sources]]\nname = \"a\"\npath = \"a\"\nformat = \"rss\"\n"));
    assert!(
        lines[0].starts_with("dir/paperboy.toml:7: `sources[0].format`: unknown variant `rss`"),
        "{lines:?}"
    );
}

#[test]
fn a_syntax_error_names_its_line() {
    assert_eq!(problems("[newsletter\n"), ["dir/paperboy.toml:1: unclosed table, expected `]`"]);
}

#[test]
fn subscriber_names_are_trimmed_and_blank_ones_dropped() {
    let text = format!("{MINIMAL}[[subscribers]]\nemail = \"a@b.org\"\nname = \"  \"\n");
    assert_eq!(parse(&text).unwrap().subscribers[0].name, None);
}

#[test]
fn timeouts_must_be_from_one_second_to_an_hour() {
    for value in ["0", "9223372036854775807"] {
        let lines = problems(&format!("{MINIMAL}[smtp]\nhost = \"h\"\ntimeout_secs = {value}\n"));
        assert_eq!(
            lines,
            [format!(
                "dir/paperboy.toml:6: `smtp.timeout_secs`: expected a whole number of seconds from 1 to 3600, found {value}"
            )]
        );
        let lines = problems(&format!("{MINIMAL}[fetch]\ntimeout_secs = {value}\n"));
        assert_eq!(
            lines,
            [format!(
                "dir/paperboy.toml:5: `fetch.timeout_secs`: expected a whole number of seconds from 1 to 3600, found {value}"
            )]
        );
    }
}

#[test]
fn a_source_name_cannot_reach_outside_the_cache_folder() {
    for name in ["..", ".hidden", "a/b"] {
        let text = format!("{MINIMAL}[[sources]]\nname = \"{name}\"\npath = \"x.txt\"\n");
        let lines = problems(&text);
        assert!(lines[0].starts_with("dir/paperboy.toml:5: `sources[0].name`"), "{lines:?}");
    }
}

#[test]
fn a_topic_or_keyword_listed_twice_counts_once() {
    let text = format!(
        "{MINIMAL}[topics.kd]\nkeywords = [\"kd\", \"KD\"]\n\
         [[subscribers]]\nemail = \"a@b.org\"\ntopics = [\"kd\", \"kd\"]\nkeywords = [\"x\", \"x\"]\n"
    );
    let config = parse(&text).unwrap();
    let interest = &config.subscribers[0].interest;
    assert_eq!(interest.topics.len(), 1);
    assert_eq!(interest.own.keywords.len(), 1);
    assert_eq!(config.topics[0].rules.keywords.len(), 1);
}

/// `count` subscribers, the `bad`-th with an address that does not parse, with a `[smtp]`
/// table between two of them.
fn many_subscribers(count: usize, bad: Option<usize>) -> String {
    let mut text = format!("{MINIMAL}[topics.t]\nkeywords = [\"mamba\"]\n");
    for i in 0..count {
        let email =
            if Some(i) == bad { "not an address".to_owned() } else { format!("r{i}@x.org") };
        text += &format!("\n[[subscribers]]\nemail = \"{email}\"\ntopics = [\"t\"]\n");
        if i == count / 2 {
            text += "\n[smtp]\nhost = \"relay.example.org\"\n";
        }
    }
    text
}

#[test]
fn subscribers_parsed_in_batches_are_the_same_in_order() {
    let text = many_subscribers(7, None);
    let emails = |per_batch: usize| {
        let config = Config::parse_in_batches(&text, Path::new("p.toml"), per_batch).unwrap();
        assert_eq!(config.smtp.unwrap().host, "relay.example.org");
        config.subscribers.iter().map(|s| s.email.to_string()).collect::<Vec<_>>()
    };
    let whole = emails(usize::MAX);
    assert_eq!(whole.len(), 7);
    assert_eq!(whole[6], "r6@x.org");
    for per_batch in [1, 2, 3] {
        assert_eq!(emails(per_batch), whole, "{per_batch} per batch");
    }
}

#[test]
fn a_problem_in_a_later_batch_names_its_line_and_index() {
    let text = many_subscribers(9, Some(7));
    let line = text.lines().position(|l| l.contains("not an address")).unwrap() + 1;
    for per_batch in [1, 2, 1000] {
        let err = Config::parse_in_batches(&text, Path::new("p.toml"), per_batch).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "p.toml:{line}: `subscribers[7].email`: `not an address` is not a valid address: Missing domain or user"
            )
        );
    }
}

#[test]
fn an_address_twice_is_caught_across_batches() {
    let text = many_subscribers(5, None).replace("r4@x.org", "R0@x.org");
    let err = Config::parse_in_batches(&text, Path::new("p.toml"), 2).unwrap_err();
    assert!(
        err.to_string().contains("`subscribers[4].email`: `R0@x.org` is listed twice"),
        "{err}"
    );
}

#[test]
fn a_syntax_error_in_a_batch_names_its_line() {
    let text = many_subscribers(6, None).replace("email = \"r5@x.org\"", "email = \"r5@x.org");
    let line = text.lines().position(|l| l.contains("r5@x.org")).unwrap() + 1;
    let err = Config::parse_in_batches(&text, Path::new("p.toml"), 2).unwrap_err();
    assert!(err.to_string().starts_with(&format!("p.toml:{line}: ")), "{err}");
}

#[test]
fn subscribers_written_both_ways_are_refused() {
    for list in ["[{ email = \"a@x.org\" }]", "[]"] {
        let text = format!("subscribers = {list}\n{MINIMAL}[[subscribers]]\nemail = \"b@x.org\"\n");
        assert!(parse(&text).unwrap_err().to_string().contains("`subscribers`: is written both"));
    }
}

#[test]
fn a_header_with_an_unclosed_quote_is_an_error_not_a_panic() {
    for header in ["[\"\u{e9}", "['\u{e9}", "[[\"sub"] {
        let text = format!("{}[[subscribers]]\nemail = \"a@x.org\"\n{header}\n", MINIMAL);
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.starts_with("dir/paperboy.toml:6: "), "{err}");
    }
}

#[test]
fn a_type_error_in_a_later_batch_names_its_line_and_index() {
    let text = many_subscribers(9, None)
        .replace("email = \"r7@x.org\"", "email = \"r7@x.org\"\nmax_papers = \"ten\"");
    let line = text.lines().position(|l| l.contains("\"ten\"")).unwrap() + 1;
    for per_batch in [1, 2, 1000] {
        let err = Config::parse_in_batches(&text, Path::new("p.toml"), per_batch).unwrap_err();
        assert!(
            err.to_string().starts_with(&format!("p.toml:{line}: `subscribers[7].max_papers`: ")),
            "{per_batch} per batch: {err}"
        );
    }
}

#[test]
fn numbers_out_of_range_name_their_line_and_key() {
    let text = format!(
        "{MINIMAL}[smtp]\nhost = \"h\"\nmax_connections = 0\nmax_attempts = 0\n\
         max_failures_in_a_row = 0\nrate_per_second = 0.0\n\
         [topics.t]\nkeywords = [\"x\"]\nmin_score = -1.0\n\
         [[subscribers]]\nemail = \"a@x.org\"\nmin_score = nan\n"
    );
    assert_eq!(
        problems(&text),
        [
            "dir/paperboy.toml:6: `smtp.max_connections`: expected a whole number from 1 to 100, found 0",
            "dir/paperboy.toml:7: `smtp.max_attempts`: expected a whole number from 1 to 10, found 0",
            "dir/paperboy.toml:8: `smtp.max_failures_in_a_row`: expected a whole number from 1 to 100000, found 0",
            "dir/paperboy.toml:9: `smtp.rate_per_second`: expected a number from 0.01 to 10000, found 0 (leave it out for no limit)",
            "dir/paperboy.toml:12: `topics.t.min_score`: expected a number from 0 to 1000, found -1",
            "dir/paperboy.toml:15: `subscribers[0].min_score`: expected a number from 0 to 1000, found nan",
        ]
    );
}

/// Issue 12: `rate_per_second = 1e-300` passed "above 0" and then panicked in send; `1e-10`
/// held the run for centuries. Every number has one range, and each says it.
#[test]
fn a_rate_per_second_of_1e_300_is_out_of_its_range() {
    for rate in ["1e-300", "1e-10", "0.001", "10001"] {
        let text = format!("{MINIMAL}[smtp]\nhost = \"h\"\nrate_per_second = {rate}\n");
        assert_eq!(
            problems(&text),
            [format!(
                "dir/paperboy.toml:6: `smtp.rate_per_second`: expected a number from 0.01 to \
                 10000, found {rate} (leave it out for no limit)"
            )]
        );
    }
    let text = format!("{MINIMAL}[smtp]\nhost = \"h\"\nrate_per_second = 0.01\n");
    assert_eq!(parse(&text).unwrap().smtp.unwrap().rate_per_second, Some(0.01));
}

#[test]
fn every_number_of_the_config_has_a_range() {
    let text = "[newsletter]\ntitle = \"T\"\nfrom = \"d@example.org\"\nmax_papers = 1001\n\
         subscribe_link_hours = 0\n\
         min_similarity = 2\n\
         [fetch]\ntimeout_secs = 3601\nconnect_timeout_secs = 0\nretries = 11\n\
         [library]\narxiv_delay_secs = 61\n\
         [smtp]\nhost = \"h\"\nport = 0\ntimeout_secs = 1e9\nmax_connections = 101\n\
         rate_per_second = 20000\n\
         max_attempts = 11\nretry_backoff_ms = 60001\nretry_budget_secs = -1\n\
         max_failures_in_a_row = 100001\n\
         [topics.t]\nkeywords = [\"x\"]\nmin_score = 1001.0\nmin_upvotes = -1\n\
         min_similarity = -0.5\n\
         [[subscribers]]\nemail = \"a@x.org\"\nmax_papers = 1.5\nmin_score = inf\n\
         min_upvotes = 1000001\nmin_similarity = 1.5\n\
         [serve]\nsubscribe_per_client_hour = 0\nconfirmations_per_address_hour = 11\n";
    let keys: Vec<String> = parse(text)
        .unwrap_err()
        .problems
        .into_iter()
        .map(|problem| {
            assert!(problem.message.starts_with("expected "), "{problem:?}");
            problem.key.unwrap().replace("[0]", "[i]").replace("topics.t.", "topics.NAME.")
        })
        .collect();
    let every: Vec<&str> = range::LIMITS.iter().map(|(key, _)| *key).collect();
    assert_eq!(keys, every);
}

/// Issue 12: a type error stopped the load at once and hid every other problem of the file.
#[test]
fn a_type_error_or_an_unknown_key_hides_no_other_problem() {
    let text = format!(
        "{MINIMAL}colour = \"blue\"\nmax_papers = 0\n[smtp]\nhost = \"h\"\nport = 99999\n\
         bogus = 1\n[[subscribers]]\nemail = \"a@x.org\"\nname = 5\n\
         [[subscribers]]\nemail = \"bad\"\nkeywords = \"mamba\"\n"
    );
    let lines = problems(&text);
    let expected = [
        "dir/paperboy.toml:4: `newsletter.colour`: unknown field `colour`",
        "dir/paperboy.toml:5: `newsletter.max_papers`: expected a whole number from 1 to 1000, \
         found 0",
        "dir/paperboy.toml:8: `smtp.port`: expected a port number from 1 to 65535, found 99999",
        "dir/paperboy.toml:9: `smtp.bogus`: unknown field `bogus`",
        "dir/paperboy.toml:12: `subscribers[0].name`: expected a string, found 5",
        "dir/paperboy.toml:14: `subscribers[1].email`: `bad` is not a valid address",
        "dir/paperboy.toml:15: `subscribers[1].keywords`: expected a list of strings, found the \
         string \"mamba\"",
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    for (line, expected) in lines.iter().zip(expected) {
        assert!(line.starts_with(expected), "{line}\n{expected}");
    }
}

#[test]
fn type_errors_in_a_later_batch_keep_their_lines_and_indexes() {
    let text = many_subscribers(9, None)
        .replace("email = \"r7@x.org\"", "email = \"r7@x.org\"\nsend = true\nname = 1");
    let line = text.lines().position(|l| l.contains("send = true")).unwrap() + 1;
    for per_batch in [1, 2, 1000] {
        let err = Config::parse_in_batches(&text, Path::new("p.toml"), per_batch).unwrap_err();
        let lines: Vec<String> = err.to_string().lines().map(str::to_owned).collect();
        assert_eq!(lines.len(), 2, "{per_batch} per batch: {err}");
        assert!(lines[0].starts_with(&format!("p.toml:{line}: `subscribers[7].send`: unknown")));
        assert_eq!(
            lines[1],
            format!("p.toml:{}: `subscribers[7].name`: expected a string, found 1", line + 1)
        );
    }
}

/// Issue 12: `missing field host` named no table.
#[test]
fn a_missing_key_is_named_with_its_table() {
    assert_eq!(
        problems(&format!("{MINIMAL}[smtp]\nport = 25\n")),
        ["dir/paperboy.toml:4: `smtp.host`: is missing; it has no default"]
    );
    assert_eq!(
        problems(&format!("{MINIMAL}[[subscribers]]\nname = \"A\"\n")),
        ["dir/paperboy.toml:4: `subscribers[0].email`: is missing; it has no default"]
    );
    assert_eq!(
        problems("[smtp]\nhost = \"h\"\n"),
        ["dir/paperboy.toml: `newsletter`: is missing; it has no default"]
    );
    // A required key of the wrong type is one problem, not also a missing one.
    assert_eq!(
        problems(&format!("{MINIMAL}[[subscribers]]\nemail = 5\n")),
        ["dir/paperboy.toml:5: `subscribers[0].email`: expected a string, found 5"]
    );
}

/// Issue 12: `"john doe"@example.com` loaded, and then no message to it could be built.
#[test]
fn a_quoted_local_part_is_refused_with_its_line() {
    let text = format!("{MINIMAL}[[subscribers]]\nemail = '\"john doe\"@example.com'\n");
    assert_eq!(
        problems(&text),
        ["dir/paperboy.toml:5: `subscribers[0].email`: `\"john doe\"@example.com` has a quoted \
          local part, which paperboy cannot deliver to; use an address without quotes"]
    );
}

#[test]
fn a_source_url_without_a_host_is_refused_with_its_line() {
    // `https://` and `http://:80/x` once passed for starting with the scheme.
    for url in ["https://", "http://:80/x"] {
        let text = format!("{MINIMAL}[[sources]]\nname = \"a\"\nurl = \"{url}\"\n");
        let lines = problems(&text);
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(lines[0].starts_with(&format!("dir/paperboy.toml:6: `sources[0].url`: `{url}`")));
    }
}

#[test]
fn a_url_scheme_is_read_whatever_its_case_and_placeholders_stay() {
    let text = format!(
        "{MINIMAL}unsubscribe_url = \"https://example.org/u/{{token}}?e={{email}}\"\n\
         [[sources]]\nname = \"a\"\nurl = \"HTTPS://x.org:8443/{{date}}.json\"\n"
    );
    parse(&text).unwrap();
    let text = format!("{MINIMAL}unsubscribe_url = \"mailto:{{email}}\"\n");
    parse(&text).unwrap();
}

#[test]
fn a_url_without_its_slashes_is_refused() {
    let text = format!("{MINIMAL}[[sources]]\nname = \"a\"\nurl = \"https:x.org/a\"\n");
    assert_eq!(
        problems(&text),
        [
            "dir/paperboy.toml:6: `sources[0].url`: `https:x.org/a` must start with https:// or http://"
        ]
    );
}

#[test]
fn a_feedback_url_without_one_of_its_holes_names_the_field_and_the_missing_holes() {
    let text = format!(
        "{MINIMAL}feedback_url = \"https://example.org/vote?email={{email}}&token={{token}}\"\n"
    );
    assert_eq!(
        problems(&text),
        ["dir/paperboy.toml:4: `newsletter.feedback_url`: \
             `https://example.org/vote?email={email}&token={token}` must hold {email}, {paper}, \
             {vote} and {token}; it has no {paper}, {vote}"]
    );
    let text =
        format!("{MINIMAL}feedback_url = \"mailto:{{email}}?s={{paper}}{{vote}}{{token}}\"\n");
    assert_eq!(problems(&text).len(), 1);
    let text = format!(
        "{MINIMAL}feedback_url = \"https://example.org/v/{{paper}}/{{vote}}?e={{email}}&t={{token}}\"\n"
    );
    parse(&text).unwrap();
}

#[test]
fn a_source_url_may_ask_for_the_week_and_nothing_else() {
    let text = format!(
        "{MINIMAL}[[sources]]\nname = \"a\"\n\
         url = \"https://huggingface.co/api/daily_papers?week={{week}}\"\n"
    );
    parse(&text).unwrap();
    let text =
        format!("{MINIMAL}[[sources]]\nname = \"a\"\nurl = \"https://x.org/?m={{month}}\"\n");
    assert_eq!(
        problems(&text),
        [
            "dir/paperboy.toml:6: `sources[0].url`: `https://x.org/?m={month}`: `{date}` and `{week}` are the only placeholders"
        ]
    );
}

#[test]
fn cadence_keys_default_to_the_newsletters() {
    let text = format!(
        "{MINIMAL}frequency = \"weekly\"\nweekday = \"friday\"\ntimezone = \"Asia/Tokyo\"\n\
         [[subscribers]]\nemail = \"a@example.com\"\n\n\
         [[subscribers]]\nemail = \"b@example.com\"\nfrequency = \"daily\"\nsend_at = \"06:15\"\n"
    );
    let config = parse(&text).unwrap();
    let [a, b] = [&config.subscribers[0].cadence, &config.subscribers[1].cadence];
    assert_eq!(a.describe().as_deref(), Some("weekly on friday, from 00:00 Asia/Tokyo"));
    assert_eq!(b.describe().as_deref(), Some("daily, from 06:15 Asia/Tokyo"));
    let plain = parse(MINIMAL).unwrap();
    assert_eq!(plain.newsletter.cadence, crate::cadence::Cadence::default());
}

/// A name or keyword typed into the sign-up form reaches the operator's terminal and `To:`.
#[test]
fn a_control_character_in_a_name_or_keyword_is_refused_with_its_line() {
    let text = format!(
        "{MINIMAL}[[subscribers]]\nemail = \"a@example.com\"\nname = \"Ann\\u001b]0;x\\u0007\"\n\
         keywords = [\"mamba\\u001b[2J\"]\n"
    );
    let found = problems(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("dir/paperboy.toml:6: `subscribers[0].name`: "), "{found:?}");
    assert!(found[0].ends_with("holds a control character"), "{found:?}");
    assert!(found[1].starts_with("dir/paperboy.toml:7: `subscribers[0].keywords`: "), "{found:?}");
}

/// axum takes `:x` and `*x` path segments for captures, and refuses some at startup.
#[test]
fn a_site_url_with_a_capture_like_segment_is_refused() {
    for url in ["https://example.org/:papers", "https://example.org/a/*rest"] {
        let found = problems(&format!("{MINIMAL}site_url = \"{url}\"\n"));
        assert_eq!(found.len(), 1, "{url}: {found:?}");
        assert!(found[0].contains("`newsletter.site_url`"), "{found:?}");
    }
    parse(&format!("{MINIMAL}site_url = \"https://example.org/papers:2025\"\n")).unwrap();
}
