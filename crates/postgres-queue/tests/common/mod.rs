//! What lesson 9's test programs share: one throwaway PostgreSQL cluster per test program, and a new database
//! on it for each run.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use postgres_queue::server::Server;

/// The cluster every test of this program shares. It is never dropped: it stops when this program ends,
/// whichever way it ends (see `server.rs`). Where PostgreSQL cannot run, the test that asks for it fails.
pub fn cluster() -> &'static Server {
    static CLUSTER: OnceLock<Server> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let folder = std::env::temp_dir().join("postgres-queue-tests");
        Server::start_throwaway(&folder)
            .unwrap_or_else(|problem| panic!("lesson 9's tests need PostgreSQL: {problem}"))
    })
}

/// A new, empty database on the shared cluster, and the connection string that names it.
pub fn new_database() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let name = format!("test_{}", NEXT.fetch_add(1, Ordering::SeqCst));
    lesson_support::clock::runtime(true).block_on(async {
        let (client, _) = cluster().connect().await.expect("the cluster accepts connections");
        client.batch_execute(&format!("CREATE DATABASE {name}")).await.expect("a new database");
    });
    cluster().connection_string_for(&name)
}
