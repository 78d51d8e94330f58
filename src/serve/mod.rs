//! The pages `paperboy serve` answers besides the unsubscribe link, each in a module of its
//! own; `cmd::serve` mounts them on the one server. Nothing here edits the config.

pub(crate) mod feedback;
