//! Lesson 6: lesson 1's pipeline as one stream. The producer is a `Stream` of jobs, and the pool of workers is
//! `buffer_unordered(workers)`: at most that many jobs at once. There is no queue, no worker task, and no
//! sentinel: the stream ends when the jobs run out.
//!
//! | lesson 1: a queue and worker tasks            | here: one stream (`futures::StreamExt`)                 |
//! |-----------------------------------------------|--------------------------------------------------------|
//! | `mpsc::channel(10)` between producer, workers | none: the pool pulls the next job when it has room      |
//! | `sender.send(job).await` waits for room       | a job is made only when the pool asks for one           |
//! | `--workers` tasks, `tokio::spawn(work(..))`   | `.buffer_unordered(workers)`: room for that many jobs   |
//! | one sentinel per worker                       | none: `stream::iter` ends with the jobs                 |
//! | `producer.await`, then every `worker.await`   | one `.for_each(..).await` for the whole pipeline        |
//!
//! Each job still runs in a task of its own (`tokio::spawn`), as in lesson 3: the stream's jobs all run inside
//! the one task that polls the stream, and without a wall around each, one panic would end them all.
//!
//! A stream has no worker tasks to name a job's lines, so the course names the pool's places instead:
//! `places.take()` gives a job the free place with the smallest number, `Worker-1` to `Worker-N`, and the job
//! gives it back when it ends. That, `task.say` and the ledger are the course's instruments (see lesson 1).
//!
//! The lesson text is `lessons/06-streams.md`; run it with `cargo xtask lesson 6`.

use std::sync::Arc;

use futures::stream::{self, StreamExt};
use lesson_support::{
    Failures, Harness, Job, JobError, Lesson, LessonOptions, Places, Seconds, Settings, Watched,
    panic_message,
};

/// What `--help` says about this lesson.
pub const LESSON: Lesson = Lesson {
    name: env!("CARGO_PKG_NAME"),
    about: env!("CARGO_PKG_DESCRIPTION"),
    heading: "Producer-Consumer as one futures stream",
};

/// The flags of this lesson's experiments.
#[derive(Debug, Clone, Default, clap::Args)]
#[command(next_help_heading = "This lesson's experiments")]
pub struct Options {
    /// Which jobs fail: reported, and the stream goes on (each job runs in a task of its own).
    #[command(flatten)]
    pub failures: Failures,

    /// Collect the results in the jobs' order (`buffered`) instead of as they end (`buffer_unordered`).
    #[arg(long)]
    pub ordered: bool,
}

impl LessonOptions for Options {
    fn prepare(&mut self, settings: &Settings) -> Result<(), String> {
        if !settings.sweep_queue_sizes.is_empty() {
            return Err(
                "the argument '--sweep-queue-sizes' has no meaning here: a stream has no queue".to_string()
            );
        }
        self.failures.prepare(settings)
    }
}

/// Runs the lesson: a stream of `--jobs` jobs, at most `--workers` of them processed at once.
pub async fn run(harness: Harness, options: Options) {
    let settings = harness.settings();
    let main = harness.task_log("Main");
    let producer = harness.task_log("Producer");
    let places = harness.places("Worker", settings.workers);
    let failures = Arc::new(options.failures);
    if settings.queue_size_given {
        main.say("--queue-size has no meaning here: a stream has no queue, and the pool asks for a job when it has room");
    }

    // The producer: a stream of jobs. `stream::iter` turns the jobs into a stream, and `then` makes each one
    // (a timer stands in for the work of making it) when the stream is asked for its next item. Nothing is
    // made ahead: the pool's asking is the backpressure.
    let jobs = stream::iter(harness.jobs()).then(|job| {
        let producer = &producer;
        async move {
            tokio::time::sleep(job.production_time).await;
            producer.produced(&job);
            producer.say(format_args!("Added job: {}", job.name()));
            job
        }
    });

    // The pool: each job becomes a future that processes it, and `buffer_unordered` keeps at most `--workers`
    // of them going at once, asking the stream of jobs for another as soon as one ends. `buffered` does the
    // same but hands the results on in the jobs' order, so a slow job holds back the ones after it.
    let processing = jobs.map(|job| process_in_a_place(job, places.clone(), failures.clone()));
    let results = if options.ordered {
        processing.buffered(settings.workers).left_stream()
    } else {
        processing.buffer_unordered(settings.workers).right_stream()
    };

    // The consumer: takes each result as the pool hands it on. When the stream of jobs ends and the last job
    // is done, the stream of results ends too: that is the whole shutdown.
    results
        .for_each(|job| {
            main.say(format_args!("Collected: {}", job.name()));
            std::future::ready(())
        })
        .watched(&main, "the last job of the stream")
        .await;
    producer.say(format_args!("Done — added {} jobs total", harness.jobs_made()));
    producer.shut_down();
    places.shut_down();
    main.shut_down();
}

/// Processes one job in a place of the pool: in a task of its own, so that an error comes back as a value and
/// a panic as a `JoinError` (lesson 3), and the job's end is reported, and counted, in either case.
async fn process_in_a_place(job: Job, places: Places, failures: Arc<Failures>) -> Job {
    let worker = places.take();
    match tokio::spawn(process(job, failures)).await {
        Ok(Ok(())) => worker.processed(
            &job,
            format_args!("Processed: {} (took {:.2})", job.name(), Seconds(job.processing_time)),
        ),
        Ok(Err(error)) => worker.failed(&job, format_args!("Failed: {} with an error: {error}", job.name())),
        Err(crash) => {
            let reason = match crash.try_into_panic() {
                Ok(payload) => panic_message(payload),
                Err(crash) => crash.to_string(),
            };
            worker.failed(&job, format_args!("Failed: {} with a panic: {reason}", job.name()));
        }
    }
    // `worker` is dropped here: the place is free for the next job.
    job
}

/// Processes one job: a timer stands in for real work, and `--fail-job` or `--panic-job` make it fail.
async fn process(job: Job, failures: Arc<Failures>) -> Result<(), JobError> {
    tokio::time::sleep(job.processing_time).await;
    failures.strike(&job)
}
