//! Integration tests: run the `paperboy` binary against real files, a real SMTP server and
//! real HTTP servers, all on loopback.

mod harness;
mod http;
mod smtp;

mod book;
mod browser;
mod cadence;
mod check;
mod config_errors;
mod conventions;
mod delivery;
mod email_quality;
mod feedback;
mod fetch;
mod fixture_snapshots;
mod history;
mod hostile_input;
mod input_errors;
mod layers;
mod library;
mod manage;
mod matching;
mod outcomes;
mod pages;
mod papers;
mod preview;
mod readme;
mod send;
mod serve;
mod signup_browser;
mod similar;
mod sources;
