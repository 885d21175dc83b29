//! The quizzes' answers, proved by running the lessons as they are shipped: each quiz's runs must prove the
//! answer its question was written for. A change to a lesson that moves a figure across a quiz's line (lesson 1
//! no longer three times slower with one worker) fails here, and the quiz must be written again.

use xtask::quiz::{QUIZZES, Runner};

#[test]
fn every_quiz_is_proved_by_the_runs_of_the_lessons_as_shipped() {
    let runner = Runner::new().expect("the course's lessons");
    let expected = [
        ("alter-it-1", 'c'),
        ("break-it-2", 'b'),
        ("explain-it-1", 'b'),
        ("explain-it-2", 'b'),
        ("explain-it-3", 'b'),
        ("explain-it-4", 'b'),
        ("mastery-when", 'c'),
    ];
    assert_eq!(QUIZZES.len(), expected.len(), "a quiz without its expected answer here");
    for (quiz, (id, letter)) in QUIZZES.iter().zip(expected) {
        assert_eq!(quiz.id, id);
        let (right, because) = quiz.prove(&runner).unwrap_or_else(|problem| panic!("{id}: {problem}"));
        let proved = (b'a' + right as u8) as char;
        assert_eq!(proved, letter, "{id}: the runs prove ({proved}): {because}");
        assert!(
            !because.is_empty() && because.contains('`'),
            "{id} shows the command of its runs: {because}"
        );
    }
}
