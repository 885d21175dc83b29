//! The `baseline` binary: lesson 1 on the command line. Try `cargo run -p baseline -- --help`.

fn main() -> std::process::ExitCode {
    lesson_support::main(baseline::LESSON, baseline::run)
}
