//! Integration tests: run the `paperboy` binary against real files, a real SMTP server and
//! real HTTP servers, all on loopback.

mod harness;
mod http;
mod smtp;

mod book;
mod browser;
mod check;
mod config_errors;
mod delivery;
mod email_quality;
mod fetch;
mod history;
mod input_errors;
mod manage;
mod matching;
mod outcomes;
mod papers;
mod preview;
mod readme;
mod send;
mod serve;
mod sources;
