//! Real HTTP servers on 127.0.0.1 for the fetch tests.
//!
//! `HttpServer` is tiny_http, a server paperboy did not write, answering from a script and
//! recording every request it gets. A body cut short on purpose is the one thing no server
//! library sends, so `TruncatingServer` writes that response by hand on a plain socket.
//! Both stop when dropped; neither reaches beyond loopback.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the scripted server answers.
pub(crate) enum Reply {
    /// 200 with this body.
    Body(Vec<u8>),
    /// Any status, with extra headers.
    Status { code: u16, headers: Vec<(&'static str, String)>, body: Vec<u8> },
    /// 200 with this body, after a pause.
    Slow { delay: Duration, body: Vec<u8> },
}

/// A request the server saw.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// Path and query.
    pub(crate) path: String,
    pub(crate) user_agent: Option<String>,
    /// When it arrived.
    pub(crate) at: Instant,
}

/// A scripted HTTP server.
pub(crate) struct HttpServer {
    server: Arc<tiny_http::Server>,
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl HttpServer {
    /// Starts a server on 127.0.0.1; `script(path, n)` answers the `n`th request (from 0)
    /// for `path`.
    pub(crate) fn start(script: impl Fn(&str, usize) -> Reply + Send + 'static) -> HttpServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("cannot listen"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let (serving, log) = (Arc::clone(&server), Arc::clone(&seen));
        thread::spawn(move || {
            for request in serving.incoming_requests() {
                let path = request.url().to_owned();
                let user_agent = request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("User-Agent"))
                    .map(|h| h.value.as_str().to_owned());
                let earlier = {
                    let mut log = log.lock().expect("the request log");
                    let earlier = log.iter().filter(|s| s.path == path).count();
                    log.push(Seen { path: path.clone(), user_agent, at: Instant::now() });
                    earlier
                };
                let response = match script(&path, earlier) {
                    Reply::Body(body) => tiny_http::Response::from_data(body),
                    Reply::Slow { delay, body } => {
                        thread::sleep(delay);
                        tiny_http::Response::from_data(body)
                    }
                    Reply::Status { code, headers, body } => {
                        let mut response =
                            tiny_http::Response::from_data(body).with_status_code(code);
                        for (name, value) in headers {
                            let header =
                                tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
                                    .expect("a valid header");
                            response.add_header(header);
                        }
                        response
                    }
                };
                // The client may have given up (a timeout test); that is not the server's problem.
                let _ = request.respond(response);
            }
        });
        HttpServer { server, port, seen }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every request so far, in order.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("the request log").clone()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// A server that promises `body` in `Content-Length` and sends only its first `sent` bytes
/// before closing the connection.
pub(crate) struct TruncatingServer {
    port: u16,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl TruncatingServer {
    pub(crate) fn start(body: Vec<u8>, sent: usize) -> TruncatingServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot listen");
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let port = listener.local_addr().expect("a local address").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopping) = (Arc::clone(&requests), Arc::clone(&stop));
        thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                let Ok((mut stream, _)) = listener.accept() else {
                    thread::sleep(Duration::from_millis(5));
                    continue;
                };
                stream.set_nonblocking(false).expect("a blocking stream");
                stream.set_read_timeout(Some(Duration::from_secs(5))).expect("a read timeout");
                // Read the request head, whatever it holds.
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                count.fetch_add(1, Ordering::SeqCst);
                let header = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(header.as_bytes());
                let _ = stream.write_all(&body[..sent.min(body.len())]);
                let _ = stream.flush();
                let _ = stream.shutdown(Shutdown::Both);
            }
        });
        TruncatingServer { port, requests, stop }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// How many requests it answered.
    pub(crate) fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for TruncatingServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
