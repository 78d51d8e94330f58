//! Integration tests: run the `paperboy` binary against real files and a real SMTP server.

mod harness;
mod smtp;

mod check;
mod config_errors;
mod delivery;
mod input_errors;
mod manage;
mod papers;
mod preview;
mod send;
mod serve;
