//! What lesson 9's test programs share: one throwaway PostgreSQL cluster per test program, and a new database
//! on it for each run.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use postgres_queue::server::Server;

/// The cluster every test of this program shares, and the TCP port it also listens on, at 127.0.0.1, where
/// it asks for a password. It is never dropped: it stops when this program ends, whichever way it ends (see
/// `server.rs`). Where PostgreSQL cannot run, the test that asks for it fails.
fn cluster_and_port() -> &'static (Server, u16) {
    static CLUSTER: OnceLock<(Server, u16)> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let user = postgres_queue::server_programs::user_id();
        let folder = std::env::temp_dir().join(format!("postgres-queue-tests-{user}"));
        let port = free_port();
        let server = Server::start_throwaway_on_tcp(&folder, port)
            .unwrap_or_else(|problem| panic!("lesson 9's tests need PostgreSQL: {problem}"));
        (server, port)
    })
}

/// The cluster every test of this program shares.
pub fn cluster() -> &'static Server {
    &cluster_and_port().0
}

/// The TCP port of the shared cluster, on 127.0.0.1.
#[allow(dead_code, reason = "the properties' test program does not use it")]
pub fn tcp_port() -> u16 {
    cluster_and_port().1
}

/// A port on 127.0.0.1 that nothing listens on now: the one the system gives a listener, closed again.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener on the loopback address");
    listener.local_addr().expect("a bound listener has an address").port()
}

/// Runs `statements` on the shared cluster as its superuser.
pub fn as_superuser(statements: &str) {
    lesson_support::clock::runtime(true).block_on(async {
        let (client, _) = cluster().connect().await.expect("the cluster accepts connections");
        client.batch_execute(statements).await.unwrap_or_else(|error| panic!("{statements}: {error:?}"));
    });
}

/// A new, empty database on the shared cluster, and the connection string that names it.
pub fn new_database() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let name = format!("test_{}", NEXT.fetch_add(1, Ordering::SeqCst));
    as_superuser(&format!("CREATE DATABASE {name}"));
    cluster().connection_string_for(&name)
}
