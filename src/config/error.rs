//! Config errors: every problem found in a config, each with its file, line and key.

use std::fmt;
use std::path::PathBuf;

/// A config that cannot be used, with every problem found in it.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub(crate) path: PathBuf,
    /// At least one.
    pub(crate) problems: Vec<Problem>,
}

/// One thing wrong with a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// 1-based line, when known.
    pub(crate) line: Option<usize>,
    /// The key's dotted path, such as `subscribers[1].email`, when known.
    pub(crate) key: Option<String>,
    pub(crate) message: String,
}

impl ConfigError {
    /// A config error with a single problem, at `line` and `key` when known.
    pub(crate) fn one(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        key: Option<&str>,
        message: impl Into<String>,
    ) -> ConfigError {
        let problem = Problem { line, key: key.map(str::to_owned), message: message.into() };
        ConfigError { path: path.into(), problems: vec![problem] }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{}", self.path.display())?;
            if let Some(line) = problem.line {
                write!(f, ":{line}")?;
            }
            let message = crate::text::one_line(&problem.message);
            match &problem.key {
                Some(key) => write!(f, ": `{key}`: {message}")?,
                None => write!(f, ": {message}")?,
            }
        }
        Ok(())
    }
}

/// Why the config cannot be read; a missing one points at `paperboy init`.
pub(crate) fn cannot_read(err: &std::io::Error) -> String {
    if err.kind() == std::io::ErrorKind::NotFound {
        "no config here; run `paperboy init` to write a starter one".to_owned()
    } else {
        format!("cannot read the config: {err}")
    }
}
