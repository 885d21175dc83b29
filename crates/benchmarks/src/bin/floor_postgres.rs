//! Lesson 9's floor: the same jobs through the barest queue in PostgreSQL that still is one, on the same
//! server. A producer inserts the jobs one at a time while worker processes take them with
//! `FOR UPDATE SKIP LOCKED` through a partial index on the jobs that wait, and mark them done; an idle worker
//! waits for a notification. None of the lesson's machinery: no lease, no result table, no retries, no
//! backpressure, no priority, no reports. `cargo xtask bench` times lesson 9 against it, by turns.
//!
//! `floor_postgres --processes 4 --workers-per-process 4 --jobs 2000` with `DATABASE_URL` set prints the time
//! from the start of the worker processes to the last job done, as `elapsed 0.123s`. Its worker processes
//! are this program again, started with `worker` as their first argument.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use futures::StreamExt;
use tokio::sync::Notify;
use tokio_postgres::{Client, NoTls};

/// The run's size.
#[derive(Debug, Parser)]
struct Size {
    /// How many worker processes take jobs.
    #[arg(long, default_value_t = 1)]
    processes: usize,
    /// How many workers each process runs, sharing its one connection.
    #[arg(long, default_value_t = 4)]
    workers_per_process: usize,
    /// How many jobs the producer inserts.
    #[arg(long, default_value_t = 2_000)]
    jobs: i32,
}

/// The server, in the environment: the bench gives the floor and the lesson the same one.
const DATABASE_URL: &str = "DATABASE_URL";

/// The floor's schema.
const SCHEMA: &str = "floor_postgres";

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let url = std::env::var(DATABASE_URL).expect("DATABASE_URL names the server");
    if std::env::args().nth(1).as_deref() == Some("worker") {
        let workers = std::env::args().nth(2).and_then(|text| text.parse().ok()).expect("a worker count");
        runtime.block_on(work(&url, workers));
        return;
    }
    let size = Size::parse();
    let elapsed = runtime.block_on(produce(&url, &size));
    println!("elapsed {:.3}s", elapsed.as_secs_f64());
}

/// Connects, and rings the bell on every notification of a channel the connection listens to.
async fn connect(url: &str) -> (Client, Arc<Notify>) {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await.expect("the server answers");
    let bell = Arc::new(Notify::new());
    let ringer = bell.clone();
    tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |context| connection.poll_message(context));
        while let Some(Ok(message)) = messages.next().await {
            if let tokio_postgres::AsyncMessage::Notification(_) = message {
                ringer.notify_one();
            }
        }
    });
    (client, bell)
}

/// Makes the table afresh, starts the worker processes, inserts the jobs, closes the queue, and waits for the
/// workers. Returns the time from the start of the workers to the end of the last one.
async fn produce(url: &str, size: &Size) -> Duration {
    let (client, _) = connect(url).await;
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
             CREATE SCHEMA {SCHEMA};
             CREATE TABLE {SCHEMA}.jobs (number integer PRIMARY KEY, state text NOT NULL DEFAULT 'queued');
             CREATE INDEX jobs_waiting ON {SCHEMA}.jobs (number) WHERE state = 'queued';
             CREATE TABLE {SCHEMA}.queue (closed boolean NOT NULL);
             INSERT INTO {SCHEMA}.queue VALUES (false);"
        ))
        .await
        .expect("the floor's tables");
    let started = Instant::now();
    let program = std::env::current_exe().expect("this program");
    let mut workers: Vec<_> = (0..size.processes)
        .map(|_| {
            tokio::process::Command::new(&program)
                .args(["worker", &size.workers_per_process.to_string()])
                .stdin(Stdio::null())
                .spawn()
                .expect("a worker process")
        })
        .collect();
    let insert = client
        .prepare(&format!(
            "WITH job AS (INSERT INTO {SCHEMA}.jobs (number) VALUES ($1) RETURNING number)
             SELECT pg_notify('floor_jobs', '') FROM job"
        ))
        .await
        .expect("the insert");
    for number in 1..=size.jobs {
        client.execute(&insert, &[&number]).await.expect("a job inserted");
    }
    client
        .batch_execute(&format!("UPDATE {SCHEMA}.queue SET closed = true; NOTIFY floor_jobs"))
        .await
        .expect("the queue closed");
    for worker in &mut workers {
        assert!(worker.wait().await.expect("a worker ends").success(), "a worker failed");
    }
    started.elapsed()
}

/// A worker process: `workers` workers on one connection, until the queue is closed and empty.
async fn work(url: &str, workers: usize) {
    let (client, bell) = connect(url).await;
    client.batch_execute("LISTEN floor_jobs").await.expect("listening");
    let client = Arc::new(client);
    let tasks: Vec<_> = (0..workers).map(|_| tokio::spawn(take_jobs(client.clone(), bell.clone()))).collect();
    for task in tasks {
        task.await.expect("a worker does not panic");
    }
}

/// One worker: claims a job and marks it done, until there is none and the queue is closed.
async fn take_jobs(client: Arc<Client>, bell: Arc<Notify>) {
    let claim = client
        .prepare(&format!(
            "UPDATE {SCHEMA}.jobs SET state = 'running'
             WHERE number = (SELECT number FROM {SCHEMA}.jobs WHERE state = 'queued'
                             ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING number"
        ))
        .await
        .expect("the claim");
    let done = client
        .prepare(&format!("UPDATE {SCHEMA}.jobs SET state = 'done' WHERE number = $1"))
        .await
        .expect("the acknowledgement");
    let closed = client
        .prepare(&format!(
            "SELECT (SELECT closed FROM {SCHEMA}.queue)
                    AND NOT EXISTS (SELECT 1 FROM {SCHEMA}.jobs WHERE state = 'queued')"
        ))
        .await
        .expect("the look at the queue");
    loop {
        let rung = bell.notified();
        tokio::pin!(rung);
        rung.as_mut().enable();
        if let Some(row) = client.query_opt(&claim, &[]).await.expect("a claim") {
            let number: i32 = row.get(0);
            client.execute(&done, &[&number]).await.expect("a job done");
            continue;
        }
        if client.query_one(&closed, &[]).await.expect("a look").get::<_, bool>(0) {
            // Wake a sibling that sleeps, so that it sees the end too.
            bell.notify_one();
            return;
        }
        tokio::select! {
            biased;
            () = rung => {}
            () = tokio::time::sleep(Duration::from_millis(20)) => {}
        }
    }
}
