//! Real HTTP servers on 127.0.0.1 for the fetch tests.
//!
//! `HttpServer` is axum on hyper, a server paperboy did not write, answering from a script
//! and recording every request it gets. A body cut short on purpose is the one thing no
//! server library sends, so `TruncatingServer` writes that response by hand on a plain
//! socket. Both stop when dropped; neither reaches beyond loopback.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

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

type Script = Box<dyn Fn(&str, usize) -> Reply + Send>;

/// A scripted HTTP server.
pub(crate) struct HttpServer {
    runtime: Option<tokio::runtime::Runtime>,
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl HttpServer {
    /// Starts a server on 127.0.0.1; `script(path, n)` answers the `n`th request (from 0)
    /// for `path`.
    pub(crate) fn start(script: impl Fn(&str, usize) -> Reply + Send + 'static) -> HttpServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime for the test server");
        let listener = TcpListener::bind("127.0.0.1:0").expect("cannot listen");
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let port = listener.local_addr().expect("a local address").port();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let script: Arc<Mutex<Script>> = Arc::new(Mutex::new(Box::new(script)));
        let log = Arc::clone(&seen);
        let app = axum::Router::new().fallback(move |request: Request| {
            let (log, script) = (Arc::clone(&log), Arc::clone(&script));
            async move { answer(request, &log, &script).await }
        });
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            axum::serve(listener, app).await.expect("the test server stopped");
        });
        HttpServer { runtime: Some(runtime), port, seen }
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

async fn answer(request: Request, log: &Mutex<Vec<Seen>>, script: &Mutex<Script>) -> Response {
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let user_agent = request
        .headers()
        .get("User-Agent")
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let earlier = {
        let mut log = log.lock().expect("the request log");
        let earlier = log.iter().filter(|s| s.path == path).count();
        log.push(Seen { path: path.clone(), user_agent, at: Instant::now() });
        earlier
    };
    drop(request);
    let reply = script.lock().expect("the script")(&path, earlier);
    let (code, headers, body) = match reply {
        Reply::Body(body) => (200, Vec::new(), body),
        Reply::Slow { delay, body } => {
            tokio::time::sleep(delay).await;
            (200, Vec::new(), body)
        }
        Reply::Status { code, headers, body } => (code, headers, body),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(code).expect("a valid status");
    for (name, value) in headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            HeaderValue::from_str(&value).expect("a valid header"),
        );
    }
    response
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
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
