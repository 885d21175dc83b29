//! DEAD LETTER: the report at the end of a run: the parked jobs, as a table for a person to read.

use lesson_support::Seconds;

use crate::dead_letters::DeadLetterQueue;

/// The table of the parked jobs, or a line saying there are none.
pub fn dead_letters(queue: &DeadLetterQueue) -> Vec<String> {
    let parked = queue.letters();
    if parked.is_empty() {
        return vec!["Dead-letter queue: empty, every job succeeded in the end.".to_string()];
    }
    let mut lines = vec![
        format!("Dead-letter queue: {} job(s) parked", parked.len()),
        format!("  {:<18} {:>8}  {:>9}  {}", "job", "attempts", "parked at", "last error"),
    ];
    for letter in &parked {
        lines.push(format!(
            "  {:<18} {:>8}  {:>9}  {}",
            letter.job.name(),
            letter.attempts,
            Seconds(letter.parked_at).to_string(),
            letter.last_error
        ));
    }
    lines
}
