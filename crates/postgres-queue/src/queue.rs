//! The queue, in PostgreSQL: a table of jobs, and the few statements that move a job from state to state.
//!
//! This is lesson 3's and lesson 5's queue again, as rows:
//!
//! ```text
//!   put ──▶ queued ──claim──▶ running ──finish: result written and job done, one transaction──▶ done
//!             ▲                 │  │
//!             └── retry later ──┘  └── last attempt failed ──▶ dead ──replay──▶ queued
//!             ▲                 │
//!             └─ lease ran out ─┘   (the worker's process died holding it: another worker takes it)
//! ```
//!
//! Every method of [`Queue`] is one statement, and every statement is its own transaction: a job is never held
//! in an open transaction while it is processed. A worker claims a job with a *lease* (`lease_until`) instead,
//! so that a worker whose process dies holds it only until the lease runs out.
//!
//! A queue is only as fast as its busiest statement, run once per job by every worker. So each statement is
//! prepared once per connection (PostgreSQL parses it once, and each call is one round trip, not two); a claim
//! reads only the jobs that wait, through an index of them, never the whole table of jobs done; a
//! notification is sent by the statement whose change it announces, in the same transaction (one commit, not
//! two); and the producer counts the waiting jobs through their index, never past the queue's size.

use std::pin::pin;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Error, Statement};

/// Makes the queue's tables in `schema`, afresh: the tables an earlier run left there are dropped first.
/// Every later statement on `client` finds the tables there.
///
/// Only the lesson's own tables are dropped, and the schema if nothing else is in it: without `CASCADE`,
/// PostgreSQL refuses to drop a table that something else depends on (someone's view that reads it) or a
/// schema that holds something else (someone's table), and its error names them. The statements share one
/// transaction, so a refusal leaves everything as it was. See [`refusal`].
pub async fn create(client: &Client, schema: &str) -> Result<(), Error> {
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {schema}.results, {schema}.jobs, {schema}.queue, {schema}.sleepers;
             DROP SCHEMA IF EXISTS {schema};
             CREATE SCHEMA {schema};
             SET search_path TO {schema};

             -- A job is a row. Its number names it: process_item_7 is 7.
             CREATE TABLE jobs (
                 number      integer PRIMARY KEY,
                 priority    integer NOT NULL DEFAULT 0,     -- higher first: lesson 4's priority queue
                 state       text NOT NULL DEFAULT 'queued'
                             CHECK (state IN ('queued', 'running', 'done', 'dead')),
                 run_at      timestamptz NOT NULL DEFAULT now(), -- not before: a retry's backoff
                 attempts    integer NOT NULL DEFAULT 0,     -- attempts that ended in a failure
                 deliveries  integer NOT NULL DEFAULT 0,     -- times a worker claimed it
                 leased_by   text,                           -- the worker that holds it, or held it last
                 lease_until timestamptz,                    -- when its claim runs out, while running
                 lease_ran_out_for text,                     -- the worker whose lease on it ran out, if any
                 leases_ran_out integer NOT NULL DEFAULT 0,  -- times a lease on it ran out: deliveries cut short
                 last_error  text
             );
             -- What a claim looks for, in the order it wants it: only the jobs that wait. A partial index holds
             -- no row of the thousands done, so a claim's cost does not grow with the table.
             CREATE INDEX jobs_to_claim ON jobs (priority DESC, number) WHERE state = 'queued';
             -- The jobs held, by the end of their lease: what finds a lease that ran out, apart from the claim.
             CREATE INDEX jobs_held ON jobs (lease_until) WHERE state = 'running';

             -- A job's effect: one row per job, at most, because the job is its primary key. Writing a
             -- result twice is harmless (ON CONFLICT DO NOTHING): the write is idempotent.
             CREATE TABLE results (
                 job        integer PRIMARY KEY REFERENCES jobs,
                 written_by text NOT NULL
             );

             -- The sentinel's twin: one row that says whether more jobs can come.
             CREATE TABLE queue (closed boolean NOT NULL);
             INSERT INTO queue VALUES (false);

             -- The workers asleep for want of a job, oldest first: each new job wakes one of them, on the
             -- channel it listens to. `Notify`'s list of waiters, in a table. (Unlogged: after a crash of the
             -- server, no one sleeps any more.)
             CREATE UNLOGGED TABLE sleepers (
                 channel text PRIMARY KEY,                   -- the worker's own channel: wake_<backend>_<worker>
                 since   timestamptz NOT NULL DEFAULT clock_timestamp()
             );
             CREATE INDEX sleepers_oldest_first ON sleepers (since);"
        ))
        .await
}

/// What [`create`]'s error means, in a sentence: the objects it would not drop, named, or the error itself.
pub fn refusal(schema: &str, error: &Error) -> String {
    let database = error.as_db_error();
    match database
        .filter(|said| *said.code() == tokio_postgres::error::SqlState::DEPENDENT_OBJECTS_STILL_EXIST)
    {
        Some(said) => format!(
            "the lesson makes its queue afresh in the schema {schema}, and drops only the tables it made there, \
             never what someone else made: {} ({}). Move or drop those yourself, or give another DATABASE_URL",
            said.message(),
            said.detail().unwrap_or("PostgreSQL did not say which").replace('\n', "; ")
        ),
        None => format!(
            "the database: {}",
            database.map_or_else(|| error.to_string(), |said| said.message().into())
        ),
    }
}

/// The channel on which every worker hears news for all: jobs replayed, the queue closed. (A new job wakes
/// one worker, on its own channel: see [`Queue::put`].)
pub const JOBS_CHANGED: &str = "jobs_changed";
/// The channel on which the lesson's `join` hears that a job ended: done, or dead. (Not `JOBS_CHANGED`: every
/// idle worker of every process would wake for it, and find nothing to do.)
pub const JOB_ENDED: &str = "job_ended";
/// The channel on which the producer hears that a worker took a job, so there may be room again.
pub const JOB_TAKEN: &str = "job_taken";

/// A connection to the queue, with the queue's statements prepared on it.
///
/// `Client::execute` with the text of a statement asks the server to parse and plan it, then runs it: two
/// round trips, every time. A prepared [`Statement`] is parsed once, when the connection is made (PostgreSQL
/// plans it from the table's statistics, and plans it again when they change), and each call is one round
/// trip. The statements use the tables of the schema given to [`Queue::new`].
pub struct Queue {
    client: Client,
    put: Statement,
    wake_one: Statement,
    sleep: Statement,
    waiting: Statement,
    claim: Statement,
    rescue: Statement,
    finish: Statement,
    retry_later: Statement,
    bury: Statement,
    work_left: Statement,
}

impl Queue {
    /// Prepares the queue's statements on `client`, for the tables in `schema`.
    pub async fn new(client: Client, schema: &str) -> Result<Queue, Error> {
        // The planner plans a statement from the table's statistics, and a table made at the start of the run
        // has none: it takes it for empty, where sorting every waiting job costs nothing, and may plan the
        // claim as "read every waiting job, sort them, take the first" instead of "take the first from the
        // index, which is in that order". Within a second, thousands of jobs wait, and that plan reads them
        // all on every claim (`EXPLAIN ANALYZE` showed a bitmap scan and a sort of a thousand rows). With
        // sorting ruled out, the index is the only way to the order the claim asks for. And no JIT: the cost
        // that rules a sort out is so high that PostgreSQL would compile the statement to machine code first,
        // 200 ms for a statement that then takes a tenth of a millisecond.
        client
            .batch_execute(&format!("SET search_path TO {schema}; SET enable_sort = off; SET jit = off"))
            .await?;
        let put = client.prepare("INSERT INTO jobs (number, priority) VALUES ($1, $2)").await?;
        // A new job wakes one worker: the one asleep the longest, on its own channel. A `NOTIFY` on a channel
        // that every process listens to would wake a worker in each, and all but one would find nothing (a
        // thundering herd: with eight processes, seven wasted looks per job). A sleeper whose process was
        // killed is woken for nothing, once: it comes off the list, and the job waits for another worker's
        // next look. A notification travels in the statement that makes
        // its news (here, the sleeper taken off the list), so that both commit together: a `NOTIFY` of its
        // own would be one more transaction, and one more commit.
        let wake_one = client
            .prepare(
                "WITH woken AS (
                     DELETE FROM sleepers
                     WHERE channel = (SELECT channel FROM sleepers
                                      ORDER BY since
                                      LIMIT 1
                                      FOR UPDATE SKIP LOCKED)
                     RETURNING channel
                 )
                 SELECT pg_notify(channel, '') FROM woken",
            )
            .await?;
        // Counted through the index of waiting jobs, and never past the queue's size: the question is only
        // whether there is room.
        let waiting = client
            .prepare("SELECT count(*) FROM (SELECT 1 FROM jobs WHERE state = 'queued' LIMIT $1) AS waiting")
            .await?;
        let claim = client
            .prepare(&format!(
                "WITH next AS (
                     SELECT number, lease_ran_out_for
                     FROM jobs
                     WHERE state = 'queued' AND run_at <= now()
                     ORDER BY priority DESC, number
                     LIMIT 1
                     FOR UPDATE SKIP LOCKED
                 ), awake AS (
                     DELETE FROM sleepers WHERE channel = $4 AND EXISTS (SELECT 1 FROM next)
                 ), claimed AS (
                     UPDATE jobs
                     SET state = 'running', deliveries = deliveries + 1, leased_by = $1,
                         lease_until = now() + make_interval(secs => $2), lease_ran_out_for = NULL
                     FROM next
                     WHERE jobs.number = next.number
                     RETURNING jobs.number, jobs.attempts, jobs.deliveries, next.lease_ran_out_for
                 )
                 SELECT claimed.*, CASE WHEN $3 THEN pg_notify('{JOB_TAKEN}', '') END FROM claimed"
            ))
            .await?;
        let rescue = client
            .prepare(
                "UPDATE jobs
                 SET state = 'queued', lease_ran_out_for = leased_by, leases_ran_out = leases_ran_out + 1,
                     lease_until = NULL
                 WHERE state = 'running' AND lease_until <= now()",
            )
            .await?;
        // The effect and the acknowledgement in one transaction: both happen, or neither.
        let finish = client
            .prepare(&format!(
                "WITH written AS (
                     INSERT INTO results (job, written_by) VALUES ($1, $2) ON CONFLICT (job) DO NOTHING
                     RETURNING job
                 ), done AS (
                     UPDATE jobs SET state = 'done', lease_until = NULL
                     WHERE number = $1 AND state IN ('running', 'queued')
                     RETURNING number
                 )
                 SELECT EXISTS (SELECT 1 FROM written), (SELECT pg_notify('{JOB_ENDED}', '') FROM done)"
            ))
            .await?;
        // A retry is not an end: nothing to announce.
        let retry_later = client
            .prepare(
                "UPDATE jobs
                 SET state = 'queued', attempts = attempts + 1, last_error = $3, lease_until = NULL,
                     run_at = now() + make_interval(secs => $4)
                 WHERE number = $1 AND state = 'running' AND leased_by = $2",
            )
            .await?;
        let bury = client
            .prepare(&format!(
                "WITH buried AS (
                     UPDATE jobs SET state = 'dead', attempts = attempts + 1, last_error = $3, lease_until = NULL
                     WHERE number = $1 AND state = 'running' AND leased_by = $2
                     RETURNING number
                 )
                 SELECT pg_notify('{JOB_ENDED}', '') FROM buried"
            ))
            .await?;
        // Each part through an index of the jobs that wait or are held: none reads the jobs done.
        // Going to sleep, a worker also looks at what is left, in the same statement. The time to the next
        // job due counts only the jobs not due yet (a retry's backoff). A job due now is most often one that a
        // put has just woken another worker for, and counting it would wake this one at once for nothing; and
        // whatever job is due now, the worker's last look, the claim that follows this statement, finds it.
        // (Measured with eight processes: 4.6 claims and 2 sleeps per job counting it, 3.4 and 1.4 not.)
        let sleep = client
            .prepare(
                "WITH sleeping AS (
                     INSERT INTO sleepers (channel) VALUES ($1)
                     ON CONFLICT (channel) DO NOTHING
                 )
                 SELECT (SELECT closed FROM queue),
                        EXISTS (SELECT 1 FROM jobs WHERE state = 'queued')
                            OR EXISTS (SELECT 1 FROM jobs WHERE state = 'running'),
                        extract(epoch FROM least((SELECT min(run_at) FROM jobs
                                                  WHERE state = 'queued' AND run_at > now()),
                                                 (SELECT min(lease_until) FROM jobs WHERE state = 'running'))
                                           - now())::float8,
                        EXISTS (SELECT 1 FROM jobs WHERE state = 'running' AND lease_until <= now())",
            )
            .await?;
        let work_left = client
            .prepare(
                "SELECT EXISTS (SELECT 1 FROM jobs WHERE state = 'queued')
                        OR EXISTS (SELECT 1 FROM jobs WHERE state = 'running')",
            )
            .await?;
        Ok(Queue {
            client,
            work_left,
            put,
            wake_one,
            sleep,
            waiting,
            claim,
            rescue,
            finish,
            retry_later,
            bury,
        })
    }

    /// The connection, for what is not one of the queue's statements.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Starts listening on `channel`: each `NOTIFY channel` then rings the connection's bell for it.
    pub async fn listen(&self, channel: &str) -> Result<(), Error> {
        self.client.batch_execute(&format!("LISTEN {channel}")).await
    }

    /// Puts job `number` on the queue, and wakes the worker asleep the longest, if one is. A notification is
    /// delivered when its statement commits, after the job's row is there for everyone to see.
    pub async fn put(&self, number: usize, priority: i32) -> Result<(), Error> {
        // Two statements, the wake-up after the insert has committed, both sent at once (`try_join`:
        // `tokio-postgres` sends them together, and the server runs them in order). In one statement, the
        // wake-up would see the list of sleepers as it was when the statement began: a worker that went on the
        // list meanwhile, after a last look too early to see this job, would sleep through it. Begun after
        // the insert has committed, the wake-up finds a worker that is on the list by then, and a worker that
        // goes on it later sees the job in its last look.
        let parameters: [&(dyn ToSql + Sync); 2] = [&(number as i32), &priority];
        let insert = self.client.execute(&self.put, &parameters);
        let wake = self.client.execute(&self.wake_one, &[]);
        futures::future::try_join(insert, wake).await?;
        Ok(())
    }

    /// How many jobs wait in the queue, unclaimed, counting no further than `limit`: what backpressure
    /// looks at.
    pub async fn waiting(&self, limit: usize) -> Result<usize, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let row = self.client.query_one(&self.waiting, &[&limit]).await?;
        Ok(row.get::<_, i64>(0) as usize)
    }

    /// Claims the next job for `worker`, for `lease`: the most urgent job that is queued and due. `None` if
    /// there is none.
    ///
    /// `FOR UPDATE SKIP LOCKED` is the heart of a queue in PostgreSQL. `FOR UPDATE` locks the row it picks
    /// until this statement's transaction ends, so that no other worker can claim it too; `SKIP LOCKED` makes
    /// another worker that looks at the same moment pass over the locked row to the next one, instead of
    /// waiting for the lock and then finding the job gone. Many workers, in many processes, on many machines,
    /// each get a different job, and none waits for another.
    ///
    /// A job whose lease ran out is not looked for here: [`rescue`](Queue::rescue) puts it back in the queue
    /// first. A claim that also looked at the jobs held (`OR state = 'running' AND lease_until <= now()`)
    /// could not use the index of waiting jobs, and would read and sort the whole table on every call.
    ///
    /// With `tell_the_producer`, the claim also notifies [`JOB_TAKEN`]: a place is free in a queue that has a
    /// size, and the producer may be waiting for one. (A notification costs its commit some work, and a queue
    /// with no size has no producer waiting.) A claim that takes a job takes the worker's `channel` off the
    /// list of sleepers, if it was on it: a busy worker is not one to wake. (One that takes nothing leaves it
    /// there: that is the last look before the worker sleeps.)
    pub async fn claim(
        &self,
        worker: &str,
        lease: Duration,
        tell_the_producer: bool,
        channel: &str,
    ) -> Result<Option<Claim>, Error> {
        let parameters: [&(dyn ToSql + Sync); 4] =
            [&worker, &lease.as_secs_f64(), &tell_the_producer, &channel];
        let row = self.client.query_opt(&self.claim, &parameters).await?;
        Ok(row.map(|row| Claim {
            number: row.get::<_, i32>(0) as usize,
            attempt: row.get::<_, i32>(1) as u32 + 1,
            delivery: row.get::<_, i32>(2) as u32,
            taken_over_from: row.get(3),
        }))
    }

    /// Whether job `number` has ended, done or dead: what a stalled worker (`--stall`) waits for. Not one of
    /// the pattern's statements, and not on its hot path: it is not prepared.
    pub async fn has_ended(&self, number: usize) -> Result<bool, Error> {
        let row = self
            .client
            .query_one("SELECT state IN ('done', 'dead') FROM jobs WHERE number = $1", &[&(number as i32)])
            .await?;
        Ok(row.get(0))
    }

    /// Puts back in the queue every job whose lease has run out: its worker died, or was too slow. Returns
    /// how many. A worker with nothing to claim calls it, so that the claim itself stays on the index of
    /// waiting jobs; the job remembers whose lease ran out, for the story.
    pub async fn rescue(&self) -> Result<u64, Error> {
        self.client.execute(&self.rescue, &[]).await
    }

    /// Finishes job `number`: writes its result, unless a result is already there, and marks it done, in one
    /// transaction. Returns whether this call wrote the result.
    ///
    /// Writing the result is the job's *effect*. Delivery is at least once (a job whose lease ran out is
    /// delivered again, while its first worker may still be at it), so an effect must be safe to make twice:
    /// here the job's number is the result's primary key, and a second write does nothing. Marking the job
    /// done is the twin of dropping lesson 3's receipt, and whichever worker finishes first does it: a job
    /// whose effect is made is done. Both in one transaction, no process can die between the two: the effect
    /// is made once, and the job is done with it. (An effect outside the database, an e-mail sent, cannot share
    /// the transaction: a process could die between the e-mail and the commit, and the e-mail go twice.)
    pub async fn finish(&self, number: usize, worker: &str) -> Result<bool, Error> {
        let row = self.client.query_one(&self.finish, &[&(number as i32), &worker]).await?;
        Ok(row.get(0))
    }

    /// Puts job `number` back in the queue after a failed attempt, due again after `delay`: lesson 5's retry
    /// timer is a timestamp here. Returns whether `worker` still held it.
    pub async fn retry_later(
        &self,
        number: usize,
        worker: &str,
        delay: Duration,
        error: &str,
    ) -> Result<bool, Error> {
        let parameters: [&(dyn ToSql + Sync); 4] = [&(number as i32), &worker, &error, &delay.as_secs_f64()];
        Ok(self.client.execute(&self.retry_later, &parameters).await? == 1)
    }

    /// Parks job `number` after its last attempt failed: its state becomes `dead`, lesson 5's dead-letter
    /// queue. Returns whether `worker` still held it.
    pub async fn bury(&self, number: usize, worker: &str, error: &str) -> Result<bool, Error> {
        Ok(self.client.execute(&self.bury, &[&(number as i32), &worker, &error]).await? == 1)
    }

    /// Puts the worker that listens on `channel` on the list of sleepers, which [`put`](Queue::put) wakes one
    /// at a time, and returns what a worker with nothing to claim needs to know (see [`Outlook`]). The worker
    /// stays on the list until a put wakes it, or its next claim takes it off.
    pub async fn sleep(&self, channel: &str) -> Result<Outlook, Error> {
        let row = self.client.query_one(&self.sleep, &[&channel]).await?;
        let next_due_in: Option<f64> = row.get(2);
        Ok(Outlook {
            closed: row.get(0),
            work_left: row.get(1),
            next_due_in: next_due_in.map(|seconds| Duration::from_secs_f64(seconds.max(0.0))),
            lease_ran_out: row.get(3),
        })
    }

    /// Closes the queue: no more jobs will come. The twin of dropping the last sender.
    pub async fn close(&self) -> Result<(), Error> {
        self.client.batch_execute(&format!("UPDATE queue SET closed = true; NOTIFY {JOBS_CHANGED}")).await
    }

    /// Puts every dead job back in the queue for one more attempt, and returns their numbers.
    pub async fn replay_dead_letters(&self) -> Result<Vec<usize>, Error> {
        let rows = self
            .client
            .query(
                "UPDATE jobs SET state = 'queued', run_at = now() WHERE state = 'dead' RETURNING number",
                &[],
            )
            .await?;
        self.client.batch_execute(&format!("NOTIFY {JOBS_CHANGED}")).await?;
        let mut numbers: Vec<usize> = rows.iter().map(|row| row.get::<_, i32>(0) as usize).collect();
        numbers.sort_unstable();
        Ok(numbers)
    }
}

/// A job a worker claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The job's number.
    pub number: usize,
    /// Which attempt this is, from 1: the failed attempts before it, plus one.
    pub attempt: u32,
    /// How many times a worker has claimed it, this time included.
    pub delivery: u32,
    /// The worker whose lease on it ran out, if this claim took it over.
    pub taken_over_from: Option<String>,
}

/// What a worker with nothing to claim needs to know.
#[derive(Debug, Clone, Copy)]
pub struct Outlook {
    /// Whether the queue is closed: no new job will come.
    pub closed: bool,
    /// Whether any job is queued or running: not done or dead yet.
    pub work_left: bool,
    /// How long until a job not due yet becomes due (a retry's backoff) or a lease runs out, if one will.
    pub next_due_in: Option<Duration>,
    /// Whether a lease has run out on a job still marked running: [`Queue::rescue`] has something to do.
    pub lease_ran_out: bool,
}

/// The database's own account of the run, to hold the transcript's against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    /// Jobs in the table.
    pub jobs: usize,
    /// Jobs done.
    pub done: usize,
    /// Jobs dead.
    pub dead: usize,
    /// Jobs neither done nor dead.
    pub unfinished: usize,
    /// Results written: one per job done, if every effect was made once.
    pub results: usize,
    /// The jobs delivered more times than their attempts explain: a delivery cut short.
    pub delivered_again: Vec<DeliveredAgain>,
}

/// A job delivered more times than its attempts explain, as [`Queue::account`] finds it.
///
/// Every delivery ends in one of three ways: the attempt fails (`attempts` counts it), the job is done (once),
/// or the lease runs out first (`leases_ran_out` counts it: the worker's process died, or the worker was too
/// slow). A delivery that none of the three explains was taken while another worker still held the job, its
/// lease not run out: two workers at one job, which the lease is there to prevent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredAgain {
    /// The job's number.
    pub number: usize,
    /// How many times a worker claimed it.
    pub deliveries: u32,
    /// Its attempts that ended in a failure.
    pub attempts: u32,
    /// Whether it is done: one delivery more ended that way.
    pub done: bool,
    /// How many times a lease on it ran out.
    pub leases_ran_out: u32,
}

impl DeliveredAgain {
    /// The deliveries that nothing explains: taken while another worker held the job. None, in a queue that
    /// keeps its leases.
    pub fn unexplained(&self) -> u32 {
        self.deliveries.saturating_sub(self.attempts + u32::from(self.done) + self.leases_ran_out)
    }
}

/// A job that has ended, as [`Queue::ended_jobs`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedJob {
    /// The job's number.
    pub number: usize,
    /// Done (its result written), or else dead.
    pub done: bool,
    /// The worker that wrote its result, or held it last.
    pub by: String,
}

impl Queue {
    /// The database's own account of the run.
    pub async fn account(&self) -> Result<Account, Error> {
        let counts = self.client
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'dead'),
                    (SELECT count(*) FROM results)
             FROM jobs",
            &[],
        )
        .await?;
        let again = self
            .client
            .query(
                // A delivery ends in a failed attempt, or in the job done: any other delivery was cut short.
                "SELECT number, deliveries, attempts, state = 'done', leases_ran_out FROM jobs
             WHERE deliveries > attempts + CASE state WHEN 'done' THEN 1 ELSE 0 END
             ORDER BY number",
                &[],
            )
            .await?;
        let count = |index: usize| counts.get::<_, i64>(index) as usize;
        Ok(Account {
            jobs: count(0),
            done: count(1),
            dead: count(2),
            unfinished: count(0) - count(1) - count(2),
            results: count(3),
            delivered_again: again
                .iter()
                .map(|row| DeliveredAgain {
                    number: row.get::<_, i32>(0) as usize,
                    deliveries: row.get::<_, i32>(1) as u32,
                    attempts: row.get::<_, i32>(2) as u32,
                    done: row.get(3),
                    leases_ran_out: row.get::<_, i32>(4) as u32,
                })
                .collect(),
        })
    }

    /// Every job that has ended, done or dead, with the worker that ended it: the one that wrote its result,
    /// or held it last. The lesson holds them against the ends its own workers reported, to find the jobs
    /// that workers of another program ended (`--workers-only`).
    pub async fn ended_jobs(&self) -> Result<Vec<EndedJob>, Error> {
        let rows = self
            .client
            .query(
                "SELECT jobs.number, jobs.state = 'done', coalesce(results.written_by, jobs.leased_by, '')
                 FROM jobs LEFT JOIN results ON results.job = jobs.number
                 WHERE jobs.state IN ('done', 'dead')
                 ORDER BY jobs.number",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|row| EndedJob { number: row.get::<_, i32>(0) as usize, done: row.get(1), by: row.get(2) })
            .collect())
    }

    /// Waits until every job is done or dead: lesson 3's `queue.join()`, on the table. `bell` rings on
    /// [`JOB_ENDED`], which this connection listens to; `look_again` is the safety net.
    pub async fn join(&self, bell: &Notify, look_again: Duration) -> Result<(), Error> {
        loop {
            // Ready for the bell before looking, so that a change between the look and the wait is not missed.
            let mut rung = pin!(bell.notified());
            rung.as_mut().enable();
            // Only whether work is left: `join` needs no more of what `sleep` tells a worker, whose time to the next due
            // job reads every job that waits.
            if !self.client.query_one(&self.work_left, &[]).await?.get::<_, bool>(0) {
                return Ok(());
            }
            tokio::select! {
                biased;
                () = rung => {}
                () = tokio::time::sleep(look_again) => {}
            }
        }
    }

    /// Waits until fewer than `capacity` jobs wait in the queue: backpressure, which a table does not have by
    /// itself. `bell` rings on [`JOB_TAKEN`], which this connection listens to; `look_again` is the safety
    /// net.
    pub async fn room(&self, bell: &Notify, capacity: usize, look_again: Duration) -> Result<(), Error> {
        loop {
            let mut rung = pin!(bell.notified());
            rung.as_mut().enable();
            if self.waiting(capacity).await? < capacity {
                return Ok(());
            }
            tokio::select! {
                biased;
                () = rung => {}
                () = tokio::time::sleep(look_again) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveredAgain;

    fn delivered(deliveries: u32, attempts: u32, done: bool, leases_ran_out: u32) -> DeliveredAgain {
        DeliveredAgain { number: 3, deliveries, attempts, done, leases_ran_out }
    }

    #[test]
    fn every_delivery_ends_in_a_failure_the_job_done_or_a_lease_run_out() {
        // Killed holding it, then done by another worker.
        assert_eq!(delivered(2, 0, true, 1).unexplained(), 0);
        // Failed once, then its lease ran out, then done.
        assert_eq!(delivered(3, 1, true, 1).unexplained(), 0);
        // A stalled worker finished it after its lease ran out, before anyone took it again.
        assert_eq!(delivered(1, 0, true, 1).unexplained(), 0);
    }

    #[test]
    fn a_delivery_taken_while_another_worker_held_the_job_is_unexplained() {
        assert_eq!(delivered(2, 0, true, 0).unexplained(), 1);
        assert_eq!(delivered(4, 1, true, 1).unexplained(), 1);
    }
}
