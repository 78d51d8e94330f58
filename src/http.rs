//! The HTTP stack under `serve` and `preview --serve`: hyper through axum, with the limits a
//! server facing the internet needs. It knows nothing of configs or digests; each command
//! hands it a router.
//!
//! Every request is bounded: a 64 KB body, 16 KB and 64 lines of headers, 10 s to send the
//! headers, 30 s for the whole request, and at most 32 requests at once (503 past that,
//! so a flood is shed instead of queued). Connections are tasks, not threads: the runtime
//! has a fixed number of threads, so idle connections cannot exhaust a task limit such as
//! systemd's `TasksMax`, and one slow client holds up nobody else.

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tower::{ServiceBuilder, ServiceExt as _};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// The largest request body read.
pub(crate) const MAX_BODY_BYTES: usize = 64 * 1024;
/// The read buffer, which bounds the request line and headers together (hyper's minimum is
/// 8 KB); past it the client gets 431.
pub(crate) const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Header lines per request; past it the client gets 431.
pub(crate) const MAX_HEADERS: usize = 64;
/// From a connection's first byte (or its previous response) to the end of its headers.
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// From the end of the headers to the response, body included; past it, 408.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests handled at once; the next one gets 503 at once.
pub(crate) const MAX_IN_FLIGHT: usize = 32;
/// Open connections; further ones wait in the kernel's backlog until one closes.
pub(crate) const MAX_CONNECTIONS: usize = 512;
/// Threads that run blocking work (config edits, rendering), on top of the two workers.
pub(crate) const BLOCKING_THREADS: usize = 4;
const WORKER_THREADS: usize = 2;

/// Listens on `address`, prints `{what} on http://ADDR/` as the first line of stdout (a
/// wrapper or a test reads it) and then each of `paths` as a URL on a line of its own, and
/// serves `app` until the process is stopped. Returns only on a fatal error, so the process
/// ends nonzero and a supervisor can restart it. Handlers may ask for the peer's address
/// (`ConnectInfo<SocketAddr>`).
pub(crate) fn serve(
    address: SocketAddr,
    what: &str,
    paths: &[String],
    app: Router,
) -> anyhow::Result<()> {
    let listener = std::net::TcpListener::bind(address)
        .with_context(|| format!("cannot listen on {address}"))?;
    listener.set_nonblocking(true).context("cannot make the listening socket non-blocking")?;
    let bound = listener.local_addr().map_or_else(|_| address.to_string(), |a| a.to_string());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_io()
        .enable_time()
        .build()
        .context("cannot start the server's threads")?;
    // One write: a reader that takes the first line and closes the pipe must not make a
    // later line fail.
    let mut lines = format!("{what} on http://{bound}/\n");
    for path in paths {
        lines.push_str(&format!("  http://{bound}{path}\n"));
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(lines.as_bytes())?;
    stdout.flush()?;
    runtime.block_on(accept_loop(listener, app))
}

async fn accept_loop(listener: std::net::TcpListener, app: Router) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::from_std(listener).context("cannot watch the listening socket")?;
    let app = app
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT));
    // Around the whole router, so that the limit counts every request, whatever its route.
    let service = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(overloaded))
        .load_shed()
        .concurrency_limit(MAX_IN_FLIGHT)
        .service(app);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEADER_BYTES)
        .max_headers(MAX_HEADERS);
    let http = Arc::new(http);
    let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit =
            Arc::clone(&connections).acquire_owned().await.expect("the semaphore is never closed");
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) if is_passing(&err) => {
                // Out of file descriptors or memory, or a client gone before it was accepted:
                // the listener stays, and a moment later there may be room again.
                crate::messages::warning(format!("cannot accept a connection: {err}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            Err(err) => return Err(err).context("the listening socket failed"),
        };
        let service = service.clone().map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        let (http, service) = (Arc::clone(&http), TowerToHyperService::new(service));
        tokio::spawn(async move {
            // A client that breaks off or times out is its own business.
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
            drop(permit);
        });
    }
}

/// The answer past [`MAX_IN_FLIGHT`]: the only error the stack around the router has.
async fn overloaded(_: tower::BoxError) -> (StatusCode, String) {
    (StatusCode::SERVICE_UNAVAILABLE, "busy; try again in a moment\n".to_owned())
}

/// Accept errors that concern one connection or a passing shortage, not the listener.
fn is_passing(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::{
        ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted, OutOfMemory, TimedOut,
        WouldBlock,
    };
    // Linux's EMFILE, ENFILE, ENOBUFS and ENOMEM, which have no stable ErrorKind of their own.
    const EMFILE: i32 = 24;
    const ENFILE: i32 = 23;
    const ENOBUFS: i32 = 105;
    const ENOMEM: i32 = 12;
    matches!(
        err.kind(),
        ConnectionAborted
            | ConnectionRefused
            | ConnectionReset
            | Interrupted
            | OutOfMemory
            | TimedOut
            | WouldBlock
    ) || err.raw_os_error().is_some_and(|code| [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(&code))
}

/// Runs blocking work (file edits, rendering) on the bounded blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work).await.context("the work for this request failed")
}
