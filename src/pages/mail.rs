//! The mails the pages send: through the configured transport, composed like digests.

use chrono::{DateTime, Utc};
use lettre::Address;
use lettre::message::Mailbox;

use crate::compose::{Signer, notice};
use crate::config::Config;
use crate::deliver::{Letter, Mailer};

/// With the file transport, mails of the pages go to this folder of the outbox, so that
/// they never take the place of a digest's file.
const NOTICES: &str = "notices";

/// Sends one plain-text mail to `to`.
pub(super) fn deliver(
    config: &Config,
    to: &Address,
    name: Option<&str>,
    subject: &str,
    text: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let signer = Signer::from_config(config)?;
    let mailbox = Mailbox::new(name.map(str::to_owned), to.clone());
    let bytes = notice(&config.newsletter, &mailbox, subject, text, now, signer.as_ref())?;
    let mailer = match Mailer::from_config(config)? {
        Mailer::Outbox(dir) => Mailer::Outbox(dir.join(NOTICES)),
        smtp => smtp,
    };
    let letter = Letter {
        from: config.newsletter.from.email.clone(),
        to: to.clone(),
        date: now.date_naive(),
        bytes,
        papers: Vec::new(),
    };
    let mut courier = mailer.courier();
    let result = courier.deliver(&letter);
    courier.finish();
    result?;
    Ok(())
}
