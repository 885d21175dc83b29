//! `cargo xtask quiz`: the questions of the Python lesson that ask for a prediction (Alter it 1, Break it 2)
//! or an explanation (Explain it 1 to 4, the last item of its Mastery check), as questions with three
//! answers. A quiz keeps no answer of its own: the runner proves the right one by running the lessons, and
//! shows the runs' figures, so that the learner sees why. rustlings' quizzes check code; these check a claim
//! about what the code does, against what it does.
//!
//! ```text
//! cargo xtask quiz                  the quizzes, and which you have answered
//! cargo xtask quiz alter-it-1       one quiz's question and answers
//! cargo xtask quiz alter-it-1 c     your answer, held against the runs
//! ```

use crate::failure::Failure;
use crate::lessons::{self, Lesson};
use crate::progress::Progress;
use crate::workspace::{Run, Workspace, print, wrap};

/// One quiz: a question of the Python lesson, three answers, and the runs that prove one of them.
pub struct Quiz {
    /// Its name on the command line: `alter-it-1`.
    pub id: &'static str,
    /// The lesson whose runs prove the answer.
    pub lesson: u32,
    /// The item of the Python lesson it checks: `Alter it 1`.
    pub item: &'static str,
    /// The question.
    pub question: &'static str,
    /// The answers, `a` to `c`.
    pub answers: [&'static str; 3],
    /// Runs the lessons and returns the right answer's index, with the figures that prove it.
    prove: fn(&Runner) -> Result<(usize, String), String>,
}

/// Every quiz, in the order of the Python lesson.
pub const QUIZZES: [Quiz; 7] = [
    Quiz {
        id: "alter-it-1",
        lesson: 1,
        item: "Alter it 1",
        question: "Lesson 1 runs 20 jobs with 3 workers. With 1 worker (--workers 1), and with 10 (--workers 10), \
                   how long does the same run take?",
        answers: [
            "About as long with 1 as with 3, and with 10: the producer sets the pace.",
            "About 3 times as long with 1; about 3 times shorter with 10.",
            "About 3 times as long with 1; shorter with 10, but far from 3 times: the producer becomes the \
             bottleneck.",
        ],
        prove: |runner| {
            let [one, three, ten] =
                [1, 3, 10].map(|workers| runner.elapsed(1, &["--workers", &workers.to_string()]));
            let (one, three, ten) = (one?, three?, ten?);
            let answer = if one / three < 1.5 {
                0
            } else if three / ten >= 2.5 {
                1
            } else {
                2
            };
            Ok((
                answer,
                format!(
                    "1 worker took {one:.3}s, 3 workers {three:.3}s, 10 workers {ten:.3}s: {:.2} times as long with \
                     1, {:.2} times shorter with 10. `cargo xtask sweep 1 --workers 1,3,10` shows the bound each \
                     run meets.",
                    one / three,
                    three / ten
                ),
            ))
        },
    },
    Quiz {
        id: "break-it-2",
        lesson: 1,
        item: "Break it 2",
        question: "With a queue of one (--queue-size 1), before how many of the 20 jobs does lesson 1's producer \
                   wait for room?",
        answers: [
            "None: a queue of one is enough, the workers take each job at once.",
            "Some: whenever every worker is busy and a job already waits.",
            "Every one: a queue of one is always full.",
        ],
        prove: |runner| {
            let run = runner.run(1, &["--queue-size", "1"])?;
            let waits = run.output.lines().filter(|line| line.contains("Queue is full: waiting")).count();
            let answer = match waits {
                0 => 0,
                // Job 1 finds the queue empty: at most 19 waits.
                19.. => 2,
                _ => 1,
            };
            Ok((
                answer,
                format!(
                    "`cargo xtask lesson 1 --queue-size 1` says \"Queue is full: waiting for a worker to take a \
                     job\" {waits} times in 20 jobs."
                ),
            ))
        },
    },
    Quiz {
        id: "explain-it-1",
        lesson: 1,
        item: "Explain it 1",
        question: "Why a queue, and not a list split among the workers in advance? Make job 3 take a hundred \
                   times longer (--workload slow-job): how does lesson 1's queue share the other jobs among its \
                   3 workers?",
        answers: [
            "Evenly: about a third each, as a list split in advance would.",
            "The worker with job 3 processes few of them; the others, free sooner, take the rest.",
            "The other workers wait for job 3 before they take more.",
        ],
        prove: |runner| {
            let run = runner.run(1, &["--workload", "slow-job"])?;
            let mut counts = std::collections::BTreeMap::<&str, usize>::new();
            let (mut slow_worker, mut slow_span) = ("", (0.0, 0.0));
            // Each line: `   0.376s  [Worker-1] Processed: process_item_1 (took 0.24s)`.
            let mut ends = Vec::new();
            for line in run.output.lines().filter(|line| line.contains("] Processed: ")) {
                let worker = line.split('[').nth(1).and_then(|rest| rest.split(']').next()).unwrap_or("");
                let at: f64 =
                    line.trim_start().split('s').next().and_then(|at| at.parse().ok()).unwrap_or(0.0);
                *counts.entry(worker).or_default() += 1;
                if line.contains("process_item_3 ") {
                    let took: f64 = line
                        .split("(took ")
                        .nth(1)
                        .and_then(|rest| rest.split('s').next())
                        .and_then(|took| took.parse().ok())
                        .unwrap_or(0.0);
                    (slow_worker, slow_span) = (worker, (at - took, at));
                } else {
                    ends.push((worker, at));
                }
            }
            let slow = counts.get(slow_worker).copied().unwrap_or(0);
            let fewest_of_the_others =
                counts.iter().filter(|(worker, _)| **worker != slow_worker).map(|(_, count)| *count).min();
            let done_meanwhile = ends
                .iter()
                .filter(|(worker, at)| *worker != slow_worker && *at > slow_span.0 && *at < slow_span.1)
                .count();
            let answer = match fewest_of_the_others {
                _ if done_meanwhile == 0 => 2,
                Some(others) if slow * 2 < others => 1,
                _ => 0,
            };
            let shares: Vec<String> =
                counts.iter().map(|(worker, count)| format!("{worker} {count}")).collect();
            Ok((
                answer,
                format!(
                    "`cargo xtask lesson 1 --workload slow-job`: {slow_worker} took job 3, and the others \
                     processed {done_meanwhile} jobs while it was at it; the jobs processed: {}. A list split in \
                     advance would have left {slow_worker}'s share waiting behind job 3.",
                    shares.join(", ")
                ),
            ))
        },
    },
    Quiz {
        id: "explain-it-2",
        lesson: 2,
        item: "Explain it 2",
        question: "Why does a shutdown need a sentinel? In lesson 2 (no sentinels, and a sender kept alive), what \
                   do the workers do once the producer is done and the queue is empty?",
        answers: [
            "They stop: the queue is empty, so the work is done.",
            "They wait for ever: nothing tells them that no more jobs are coming.",
            "They crash on the empty queue.",
        ],
        prove: |runner| {
            let run = runner.run(2, &[])?;
            let answer = if run.output.contains("The watchdog stopped the run") {
                1
            } else if run.status == 0 {
                0
            } else {
                2
            };
            let waits = run
                .output
                .lines()
                .filter(|line| {
                    line.trim_start().starts_with("Worker-")
                        && line.contains("for the next message from the queue")
                })
                .count();
            Ok((
                answer,
                format!(
                    "`cargo xtask lesson 2` ends with exit status {}: {}",
                    run.status,
                    match answer {
                        1 => format!(
                            "the watchdog stopped the run, and its list of who waits on what has {waits} worker(s) \
                             waiting for the next message from the queue, while Main still holds a sender"
                        ),
                        _ => "the run ended without the watchdog".to_string(),
                    }
                ),
            ))
        },
    },
    Quiz {
        id: "explain-it-3",
        lesson: 1,
        item: "Explain it 3",
        question: "How does the queue's size (asyncio's maxsize) affect the producer? With --queue-size 1 instead \
                   of 10, how long does lesson 1's work take?",
        answers: [
            "Longer: the producer waits for room, so the jobs are late too.",
            "The same: the producer waits for room, and the workers, the bottleneck, are kept just as busy.",
            "Shorter: a small queue is quicker to go through.",
        ],
        prove: |runner| {
            let small = runner.elapsed(1, &["--queue-size", "1"])?;
            let large = runner.elapsed(1, &["--queue-size", "10"])?;
            let answer = if (small - large).abs() <= large * 0.02 {
                1
            } else if small > large {
                0
            } else {
                2
            };
            Ok((
                answer,
                format!(
                    "{small:.3}s with a queue of one, {large:.3}s with a queue of ten. \
                     `cargo xtask sweep 1 --queue-sizes 1,10` shows how long the producer waited in each."
                ),
            ))
        },
    },
    Quiz {
        id: "explain-it-4",
        lesson: 8,
        item: "Explain it 4",
        question: "With threads instead of async (lesson 8), a job panics (--panic-job 3). What becomes of the \
                   run?",
        answers: [
            "The panic ends the whole program, every thread with it.",
            "The panic ends its worker's thread only: the other workers process the rest, join() hands the panic \
             back to Main, and the job that panicked is lost.",
            "The job is reported as failed, and the pool keeps every worker.",
        ],
        prove: |runner| {
            let run = runner.run(8, &["--panic-job", "3"])?;
            let processed = summary_count(&run, "processed");
            let failed = summary_count(&run, "failed");
            let answer = if run.output.contains("join() says so") && processed == Some(19) {
                1
            } else if failed == Some(1) && processed == Some(19) {
                2
            } else {
                0
            };
            let count = |number: Option<usize>| number.map_or("none".to_string(), |count| count.to_string());
            Ok((
                answer,
                format!(
                    "`cargo xtask lesson 8 --panic-job 3` ends with exit status {}: {} processed, {} failed{}. \
                     Lesson 3 contains each job in a task of its own; lesson 8's workers do not, and a thread, \
                     like a task, gives its panic back to whoever joins it.",
                    run.status,
                    count(processed),
                    count(failed),
                    if run.output.contains("join() says so") {
                        ", and Main says join() gave the panic back"
                    } else {
                        ""
                    }
                ),
            ))
        },
    },
    Quiz {
        id: "mastery-when",
        lesson: 1,
        item: "Mastery check 4",
        question: "When does a pool of workers behind a queue pay? With a producer that is the slow side \
                   (--workload pauses: it stops 1,000 s before every fifth job), what do 10 workers gain over 1?",
        answers: [
            "Ten times faster: ten workers do ten times the work.",
            "About four times faster, as in the steady workload.",
            "Nothing: a pool pays when jobs come faster than one worker takes them, not when it waits for them.",
        ],
        prove: |runner| {
            let one = runner.elapsed(1, &["--workload", "pauses", "--workers", "1"])?;
            let ten = runner.elapsed(1, &["--workload", "pauses", "--workers", "10"])?;
            let gain = one / ten;
            let answer = if gain < 1.1 {
                2
            } else if gain < 5.0 {
                1
            } else {
                0
            };
            Ok((
                answer,
                format!(
                    "`cargo xtask lesson 1 --workload pauses`: 1 worker took {one:.3}s, and 10 workers (`--workers 10`) \
                     {ten:.3}s: {gain:.2} times faster. Most of the run is the producer's pauses, which no worker \
                     shortens."
                ),
            ))
        },
    },
];

/// The number of a summary line (`  processed     19`) of a run, if it has one.
fn summary_count(run: &Run, name: &str) -> Option<usize> {
    run.output
        .lines()
        .find_map(|line| line.trim().strip_prefix(name)?.split_whitespace().next()?.parse().ok())
}

/// Runs the course's lessons for the proofs, each built before it runs (a build of a lesson already built
/// costs cargo a look, not a compile).
pub struct Runner {
    course: Workspace,
    lessons: Vec<Lesson>,
}

impl Runner {
    /// A runner for the course of this checkout.
    pub fn new() -> Result<Runner, String> {
        let course = Workspace::course();
        let lessons = lessons::load(&course.root)?;
        Ok(Runner { course, lessons })
    }

    /// Runs lesson `number` with `flags` on the simulated clock, at once, built first.
    pub fn run(&self, number: u32, flags: &[&str]) -> Result<Run, String> {
        let lesson = self
            .lessons
            .iter()
            .find(|lesson| lesson.number == number)
            .ok_or_else(|| format!("the course has no lesson {number}"))?;
        self.course.build_quietly(lesson).map_err(|compiler| {
            format!("lesson {number} does not build, so it cannot prove the answer:\n{compiler}")
        })?;
        let flags: Vec<String> = flags.iter().map(|flag| flag.to_string()).collect();
        self.course.capture(lesson, &flags, false)
    }

    /// How long a run of lesson `number` with `flags` took, from its summary, in seconds.
    pub fn elapsed(&self, number: u32, flags: &[&str]) -> Result<f64, String> {
        let mut flags = flags.to_vec();
        flags.push("--quiet");
        let run = self.run(number, &flags)?;
        run.output
            .lines()
            .find_map(|line| line.trim().strip_prefix("elapsed")?.trim().split_once('s')?.0.parse().ok())
            .ok_or_else(|| format!("lesson {number} with {flags:?} printed no elapsed time:\n{}", run.output))
    }
}

impl Quiz {
    /// Runs the lessons, and returns the right answer's index with the figures that prove it.
    pub fn prove(&self, runner: &Runner) -> Result<(usize, String), String> {
        (self.prove)(runner)
    }

    /// The quiz's name as the learner's progress keeps it, beside the lesson's exercises.
    fn progress_name(&self) -> String {
        format!("quiz:{}", self.id)
    }
}

/// The quiz named `id`.
pub fn find(id: &str) -> Result<&'static Quiz, Failure> {
    QUIZZES.iter().find(|quiz| quiz.id == id).ok_or_else(|| {
        let names: Vec<&str> = QUIZZES.iter().map(|quiz| quiz.id).collect();
        Failure::Usage(format!(
            "there is no quiz {id:?}: the quizzes are {} (see `cargo xtask quiz`)",
            names.join(", ")
        ))
    })
}

/// The letter of answer `index`: `a`, `b` or `c`.
fn letter(index: usize) -> char {
    (b'a' + index as u8) as char
}

/// `cargo xtask quiz [ID] [ANSWER]`.
pub fn run(id: Option<&str>, answer: Option<&str>) -> Result<u8, Failure> {
    let root = Workspace::course().root;
    let mut progress = Progress::load(&root);
    let Some(id) = id else {
        print(&list(&progress));
        return Ok(0);
    };
    let quiz = find(id)?;
    let Some(answer) = answer else {
        print(&ask(quiz));
        return Ok(0);
    };
    let chosen = match answer.trim().to_ascii_lowercase().as_str() {
        "a" => 0,
        "b" => 1,
        "c" => 2,
        _ => return Err(Failure::Usage(format!("the answer {answer:?} is not one of a, b or c"))),
    };
    print(&format!("Running the lessons that prove the answer to {}...\n", quiz.id));
    let (right, because) = quiz.prove(&Runner::new()?)?;
    let verdict = if chosen == right {
        progress.exercises.insert((quiz.lesson, quiz.progress_name()));
        progress.save(&root);
        format!("Right: ({}) {}", letter(right), quiz.answers[right])
    } else {
        format!(
            "Not what the runs say. You said ({}); the runs say ({}) {}",
            letter(chosen),
            letter(right),
            quiz.answers[right]
        )
    };
    let note = "Measured on the lessons of this checkout: a lesson you have changed answers for your code \
                (`cargo xtask reset N` puts it back).";
    let mut text = paragraph(&verdict, "");
    text.push_str(&paragraph(&because, "  "));
    text.push_str(&paragraph(note, ""));
    print(&text);
    Ok(if chosen == right { 0 } else { 1 })
}

/// `words` wrapped within 80 columns, each line after `indent`.
fn paragraph(words: &str, indent: &str) -> String {
    wrap(words, 80 - indent.len()).iter().map(|line| format!("{indent}{line}\n")).collect()
}

/// The question and its answers, and how to answer.
fn ask(quiz: &Quiz) -> String {
    let mut text = format!("{} ({}, proved by running lesson {}):\n", quiz.id, quiz.item, quiz.lesson);
    text.push_str(&paragraph(quiz.question, "  "));
    for (index, answer) in quiz.answers.iter().enumerate() {
        let answer = paragraph(answer, "      ");
        text.push_str(&format!("  ({}) {}", letter(index), answer.trim_start()));
    }
    text.push_str(&paragraph(
        &format!(
            "Say your answer first, then: `cargo xtask quiz {} a` (or b, or c). The runner runs the lessons, \
             and shows which answer their figures prove.",
            quiz.id
        ),
        "",
    ));
    text
}

/// Every quiz, marked ✓ once answered right.
fn list(progress: &Progress) -> String {
    let mut text =
        String::from("The quizzes: the Python lesson's predictions and explanations, proved by runs\n");
    for quiz in &QUIZZES {
        let done = progress.exercises.contains(&(quiz.lesson, quiz.progress_name()));
        text.push_str(&format!(
            "{} {:<13} {:<16} lesson {}\n",
            if done { '✓' } else { '·' },
            quiz.id,
            quiz.item,
            quiz.lesson
        ));
    }
    text.push_str("`cargo xtask quiz ID` asks one; `cargo xtask quiz ID a` answers it.\n");
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quiz_has_a_name_of_its_own() {
        let mut names: Vec<&str> = QUIZZES.iter().map(|quiz| quiz.id).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), QUIZZES.len());
        assert!(find("alter-it-1").is_ok());
        assert!(
            matches!(find("nonsense"), Err(error) if error.to_string().contains("alter-it-1, break-it-2"))
        );
    }

    #[test]
    fn a_question_shows_its_three_answers_and_how_to_answer() {
        let text = ask(find("break-it-2").unwrap());
        for expected in ["  (a) None", "  (b) Some", "  (c) Every one", "`cargo xtask quiz break-it-2 a`"] {
            assert!(text.contains(expected), "{expected:?} in:\n{text}");
        }
    }
}
