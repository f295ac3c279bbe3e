//! Abuse limits over real TCP: token buckets on write routes and establish-subscription
//! (429 + Retry-After, problem+json, nothing stored), the lockout after failed
//! authentications (per address, audited), header and body timeouts, and the per-address
//! connection cap. SQLite always, PostgreSQL when `FIXLOG_TEST_POSTGRES_URL` is set.

mod common;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fixlog_server::AppState;
use fixlog_server::auth::{Role, create_token};
use fixlog_server::limits::{ClientLimits, Rate};
use fixlog_store::Store;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// A running server; stopped when dropped.
struct Server {
    address: SocketAddr,
    state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _directory: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn store(&self) -> &Arc<dyn Store> {
        self.state.store()
    }
}

/// Generous limits except where a test tightens one.
fn relaxed() -> ClientLimits {
    ClientLimits {
        header_timeout: Duration::from_secs(10),
        body_timeout: Duration::from_secs(10),
        ..ClientLimits::default()
    }
}

async fn start(limits: ClientLimits, postgres: bool) -> Option<Server> {
    let directory = tempfile::tempdir().expect("temporary directory");
    let url = if postgres {
        let base = common::postgres_url()?;
        common::fresh_postgres_schema(&base).await
    } else {
        format!("sqlite://{}/t.db", directory.path().display())
    };
    let store = fixlog_server::storage::open_store(&url)
        .await
        .expect("open store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = AppState::new(
        store,
        fixlog_server::keys::demo_signer(common::ORIGIN),
        &format!("http://{address}"),
    )
    .with_limits(limits);
    state
        .log
        .ensure_checkpoint(0)
        .await
        .expect("first checkpoint");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(fixlog_server::serve(listener, state.clone(), async move {
        let _ = stopped.await;
    }));
    Some(Server {
        address,
        state,
        stop: Some(stop),
        _directory: directory,
    })
}

fn client_from(source: &str) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .local_address(source.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

fn product_body(id: &str) -> Value {
    json!({
        "id": id,
        "name": format!("Product {id}"),
        "device_class": "plc",
        "version_scheme": "semver",
        "lifecycle": "active",
    })
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = client.post(url).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

async fn expect_429(response: reqwest::Response, slug: &str) -> u64 {
    assert_eq!(response.status(), 429);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 429);
    assert_eq!(
        problem["type"],
        format!("https://fixlog.dev/problems/{slug}")
    );
    assert!(retry_after >= 1);
    retry_after
}

async fn write_bucket_empties(postgres: bool) {
    let limits = ClientLimits {
        token_writes: Rate {
            burst: 3,
            per_second: 0.01,
        },
        anonymous_writes: Rate {
            burst: 2,
            per_second: 0.01,
        },
        ..relaxed()
    };
    let Some(server) = start(limits, postgres).await else {
        return;
    };
    let token = create_token(server.store().as_ref(), "t", Role::Editor, None)
        .await
        .unwrap();
    let client = client_from("127.0.0.1");
    let products = server.url("/api/v1/products");
    for number in 0..3 {
        let response = post(
            &client,
            &products,
            Some(&token),
            &product_body(&format!("p{number}")),
        )
        .await;
        assert_eq!(response.status(), 201, "{:?}", response.text().await);
    }
    let retry_after = expect_429(
        post(&client, &products, Some(&token), &product_body("p3")).await,
        "rate-limited",
    )
    .await;
    assert!(retry_after >= 90, "one token per 100 s: {retry_after}");
    assert_eq!(
        server.store().size().await.unwrap(),
        3,
        "the 429 stored nothing"
    );
    let missing = client
        .get(server.url("/api/v1/products/p3"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    // Reads are not limited.
    for _ in 0..10 {
        let read = client
            .get(server.url("/api/v1/entries"))
            .send()
            .await
            .unwrap();
        assert_eq!(read.status(), 200);
    }
    // Another address has its own bucket.
    let other = client_from("127.0.0.2");
    let response = post(&other, &products, Some(&token), &product_body("p4")).await;
    assert_eq!(response.status(), 201);
    // Without a token: the small anonymous bucket (401 until it is empty, then 429).
    for _ in 0..2 {
        let response = post(&client, &products, None, &product_body("p5")).await;
        assert_eq!(response.status(), 401);
    }
    expect_429(
        post(&client, &products, None, &product_body("p5")).await,
        "rate-limited",
    )
    .await;
    assert_eq!(server.store().size().await.unwrap(), 4);
}

#[tokio::test]
async fn write_bucket_empties_sqlite() {
    write_bucket_empties(false).await;
}

#[tokio::test]
async fn write_bucket_empties_postgres() {
    write_bucket_empties(true).await;
}

#[tokio::test]
async fn establish_subscription_is_rate_limited() {
    let limits = ClientLimits {
        subscriptions: Rate {
            burst: 2,
            per_second: 0.01,
        },
        ..relaxed()
    };
    let server = start(limits, false).await.unwrap();
    let client = client_from("127.0.0.1");
    let url =
        server.url("/restconf/operations/ietf-subscribed-notifications:establish-subscription");
    let input = json!({ "ietf-subscribed-notifications:input": { "stream": "fwsec-log" } });
    let establish = |client: &reqwest::Client| {
        client
            .post(&url)
            .header("content-type", "application/yang-data+json")
            .body(input.to_string())
            .send()
    };
    for _ in 0..2 {
        let response = establish(&client).await.unwrap();
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }
    expect_429(establish(&client).await.unwrap(), "rate-limited").await;
    assert_eq!(
        server.state.restconf.count(),
        2,
        "the 429 registered nothing"
    );
    let other = client_from("127.0.0.3");
    assert_eq!(establish(&other).await.unwrap().status(), 200);
    assert_eq!(server.state.restconf.count(), 3);
}

async fn brute_force_is_locked_out(postgres: bool) {
    let limits = ClientLimits {
        auth_failures: 3,
        lockout: Duration::from_secs(2),
        ..relaxed()
    };
    let Some(server) = start(limits, postgres).await else {
        return;
    };
    let token = create_token(server.store().as_ref(), "t", Role::Editor, None)
        .await
        .unwrap();
    let (id, secret) = token.strip_prefix("fxl_").unwrap().split_once('_').unwrap();
    let attacker = client_from("127.0.0.1");
    let products = server.url("/api/v1/products");
    for guess in 0..3 {
        let wrong = format!("fxl_{id}_{:064x}", guess);
        assert_ne!(wrong, token);
        let response = post(&attacker, &products, Some(&wrong), &product_body("x")).await;
        assert_eq!(response.status(), 401);
    }
    // Locked out: even the right token is refused from this address, and nothing is stored.
    let started = Instant::now();
    expect_429(
        post(&attacker, &products, Some(&token), &product_body("a")).await,
        "locked-out",
    )
    .await;
    let read = attacker
        .get(server.url("/api/v1/drafts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 429, "reads with a token are locked out too");
    assert_eq!(server.store().size().await.unwrap(), 0);
    // Another address is not affected.
    let colleague = client_from("127.0.0.2");
    let response = post(&colleague, &products, Some(&token), &product_body("b")).await;
    assert_eq!(response.status(), 201);
    // Failures and the lockout are audited, without the secret.
    let events = server.store().audit_events(100).await.unwrap();
    let failed = events.iter().filter(|e| e.action == "auth.failed").count();
    assert_eq!(failed, 3, "{events:?}");
    let lockout = events
        .iter()
        .find(|e| e.action == "auth.lockout")
        .expect("lockout audited");
    assert!(lockout.detail.contains("address=127.0.0.1"), "{lockout:?}");
    assert!(events.iter().all(|e| !e.detail.contains(secret)));
    // After the lockout the right token works again from the first address.
    tokio::time::sleep(Duration::from_secs(2).saturating_sub(started.elapsed())).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = post(&attacker, &products, Some(&token), &product_body("c")).await;
    assert_eq!(response.status(), 201);
    assert_eq!(server.store().size().await.unwrap(), 2);
}

#[tokio::test]
async fn brute_force_is_locked_out_sqlite() {
    brute_force_is_locked_out(false).await;
}

#[tokio::test]
async fn brute_force_is_locked_out_postgres() {
    brute_force_is_locked_out(true).await;
}

/// Reads until the server closes the connection; returns what it sent and when it closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let result = tokio::time::timeout(within, stream.read_to_end(&mut received)).await;
    assert!(
        result.is_ok(),
        "the server kept the connection open for {within:?}"
    );
    (
        String::from_utf8_lossy(&received).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn header_timeout_closes_partial_requests() {
    let limits = ClientLimits {
        header_timeout: Duration::from_secs(1),
        ..relaxed()
    };
    let server = start(limits, false).await.unwrap();
    // A partial request line, then silence.
    let mut partial = TcpStream::connect(server.address).await.unwrap();
    partial.write_all(b"GET /healthz HTT").await.unwrap();
    // Nothing at all.
    let mut silent = TcpStream::connect(server.address).await.unwrap();
    // Slowloris: a header line every 300 ms, never the blank line.
    let mut slow = TcpStream::connect(server.address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let dribble = tokio::spawn(async move {
        for number in 0..20 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if slow
                .write_all(format!("X-{number}: a\r\n").as_bytes())
                .await
                .is_err()
            {
                return (number, Ok(()));
            }
        }
        (20, Err("slowloris connection still open after 6 s"))
    });
    let (_, closed_after) = read_until_closed(&mut partial, Duration::from_secs(5)).await;
    assert!(
        closed_after >= Duration::from_millis(700),
        "{closed_after:?}"
    );
    read_until_closed(&mut silent, Duration::from_secs(5)).await;
    let (lines, outcome) = dribble.await.unwrap();
    outcome.unwrap();
    assert!(lines <= 8, "slowloris got {lines} header lines in");
    // A kept-alive connection: the second request head gets the same timeout.
    let mut kept = TcpStream::connect(server.address).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HT")
        .await
        .unwrap();
    let (received, _) = read_until_closed(&mut kept, Duration::from_secs(5)).await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert_eq!(received.matches("HTTP/1.1 ").count(), 1, "{received}");
    // A complete request is still answered.
    let response = client_from("127.0.0.1")
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn body_timeout_answers_408() {
    let limits = ClientLimits {
        body_timeout: Duration::from_secs(1),
        ..relaxed()
    };
    let server = start(limits, false).await.unwrap();
    let token = create_token(server.store().as_ref(), "t", Role::Editor, None)
        .await
        .unwrap();
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(
            format!(
                "POST /api/v1/products HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"id\":"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let mut received = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut received))
        .await
        .expect("an answer within 5 s")
        .unwrap();
    let received = String::from_utf8_lossy(&received[..read]).into_owned();
    assert!(started.elapsed() >= Duration::from_millis(800));
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(received.contains("application/problem+json"), "{received}");
    assert!(received.contains("request-timeout"), "{received}");
    assert_eq!(server.store().size().await.unwrap(), 0);
}

async fn connect_from(source: &str, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(source.parse().unwrap(), 0))
        .unwrap();
    socket.connect(server).await.unwrap()
}

#[tokio::test]
async fn connections_per_address_are_capped() {
    let limits = ClientLimits {
        max_connections_per_ip: 2,
        ..relaxed()
    };
    let server = start(limits, false).await.unwrap();
    let first = connect_from("127.0.0.1", server.address).await;
    let _second = connect_from("127.0.0.1", server.address).await;
    let mut third = connect_from("127.0.0.1", server.address).await;
    let (received, _) = read_until_closed(&mut third, Duration::from_secs(5)).await;
    assert!(received.starts_with("HTTP/1.1 429"), "{received}");
    assert!(received.contains("retry-after: "), "{received}");
    assert!(
        received.contains("too many connections from this address"),
        "{received}"
    );
    // Another address is served.
    let mut other = connect_from("127.0.0.2", server.address).await;
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (received, _) = read_until_closed(&mut other, Duration::from_secs(5)).await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    // Closing one frees a slot.
    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = connect_from("127.0.0.1", server.address).await;
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (received, _) = read_until_closed(&mut again, Duration::from_secs(5)).await;
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
}
