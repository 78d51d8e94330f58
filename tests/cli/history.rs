//! Never the same paper twice: the journal remembers what each subscriber got, and later
//! digests leave it out, in `send`, `preview` and `explain` alike.

use crate::harness::{Email, Paperboy, SAMPLE, sample_text, sample_titles_mentioning, squash};

fn config() -> String {
    format!(
        "[newsletter]\ntitle = \"Digest\"\nfrom = \"d@example.org\"\n\
         [[sources]]\nname = \"hf\"\npath = \"{SAMPLE}\"\n\
         [[subscribers]]\nemail = \"a@example.com\"\nkeywords = [\"knowledge distillation\"]\nmax_papers = 3\n"
    )
}

fn titles_in(paperboy: &Paperboy, path: &str) -> Vec<String> {
    let text = squash(&Email::parse(&paperboy.read_bytes(path)).text);
    sample_titles_mentioning("knowledge distillation")
        .into_iter()
        .filter(|t| text.contains(t.as_str()))
        .collect()
}

#[test]
fn a_second_days_run_sends_none_of_the_papers_already_sent() {
    let paperboy = Paperboy::new().config(&config()).sample();
    paperboy.run(&["send", "--date", "2025-08-05"]).success();
    let first = titles_in(&paperboy, "outbox/2025-08-05/a@example.com.eml");
    assert_eq!(first.len(), 3);

    // The next day's listing repeats every paper of the first, and adds one.
    let next_day = sample_text().replace("\n\nAug 5\n\n", "\n\nAug 6\n\n")
        + "\n\nWeather Forecasting with Graphs\n\nWe forecast the weather.";
    let paperboy = paperboy.file(SAMPLE, next_day);
    paperboy.run(&["preview", "--date", "2025-08-06"]).success();
    paperboy.run(&["send", "--date", "2025-08-06"]).success();
    let second = titles_in(&paperboy, "outbox/2025-08-06/a@example.com.eml");
    assert_eq!(second.len(), 3, "the next best three");
    assert!(second.iter().all(|title| !first.contains(title)), "{first:?} {second:?}");
    let previewed = squash(&paperboy.read("preview/a@example.com.txt"));
    assert!(
        second.iter().all(|title| previewed.contains(title.as_str())),
        "preview shows what send sent"
    );

    let explained =
        paperboy.run(&["explain", "--subscriber", "a@example.com", "--date", "2025-08-06"]);
    assert_eq!(explained.success().stdout.matches("already sent on 2025-08-05").count(), 3);

    paperboy.run(&["send", "--date", "2025-08-06", "--force", "--resend"]).success();
    let resent = titles_in(&paperboy, "outbox/2025-08-06/a@example.com.eml");
    assert_eq!(resent, first, "--resend ignores the history for one run");
}
