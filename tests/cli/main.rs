//! Integration tests: run the `paperboy` binary against real files and a real SMTP server.
