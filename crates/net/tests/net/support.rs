//! Shared helpers: test data, clients, local servers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mamori_net::{Client, ClientConfig, ProxySetting};

/// `../shared/data` next to the project. Absent on a user's machine: the
/// test is skipped with a message; absent in CI (`CI` set): the test fails.
pub fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "test data {} is missing, and CI is set",
        dir.display()
    );
    eprintln!(
        "SKIPPED: shared test data {} not found; this test needs it",
        dir.display()
    );
    None
}

/// The shared data folder, or return from the test (skipping it).
macro_rules! data_or_skip {
    () => {
        match crate::support::data_dir() {
            Some(dir) => dir,
            None => return,
        }
    };
}

pub fn read_data(dir: &std::path::Path, rel: &str) -> Vec<u8> {
    let path = dir.join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A direct client with a short timeout.
pub fn client() -> Client {
    client_with(ProxySetting::None)
}

pub fn client_with(proxy: ProxySetting) -> Client {
    Client::new(ClientConfig {
        user_agent: "mamori-net-test".into(),
        timeout: Duration::from_secs(10),
        proxy,
    })
    .expect("client")
}

/// Serves `router` on a free loopback port.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    addr
}

/// A loopback port nothing listens on.
pub async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    port
}
