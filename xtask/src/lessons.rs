//! The course's lessons, as `lessons/list.txt` lists them, and what the runner reads from their texts.

use std::path::Path;

use crate::failure::Failure;

/// One lesson of the course.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lesson {
    /// Its place in the course, from 1.
    pub number: u32,
    /// The crate that holds its code: `baseline`.
    pub crate_name: String,
    /// Its title.
    pub title: String,
    /// One line: what it teaches.
    pub teaches: String,
    /// The lesson it builds on, whose code `cargo xtask diff` compares it with: the one before, unless the list
    /// says another (lesson 5 builds on lesson 3, not on lesson 4's priorities).
    pub builds_on: Option<u32>,
}

impl Lesson {
    /// The lesson text's path, relative to the workspace: `lessons/01-baseline.md`.
    pub fn text_path(&self) -> String {
        format!("lessons/{:02}-{}.md", self.number, self.crate_name)
    }

    /// The picture of the lesson's default run, relative to the workspace: `lessons/timelines/01-baseline.svg`.
    pub fn timeline_path(&self) -> String {
        format!("lessons/timelines/{:02}-{}.svg", self.number, self.crate_name)
    }

    /// The crate's folder, relative to the workspace: `crates/baseline`.
    pub fn crate_path(&self) -> String {
        format!("crates/{}", self.crate_name)
    }
}

/// Reads the list of lessons of the workspace at `root`.
pub fn load(root: &Path) -> Result<Vec<Lesson>, String> {
    let path = root.join("lessons/list.txt");
    let text =
        std::fs::read_to_string(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    parse(&text)
}

/// Parses the list: one lesson a line, `number | crate | title | what it teaches`, and `| N` when the lesson
/// builds on another than the one before; `#` starts a comment.
pub fn parse(text: &str) -> Result<Vec<Lesson>, String> {
    let mut lessons: Vec<Lesson> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mistake = |what: &str| format!("lessons/list.txt, line {}: {what}", index + 1);
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let (number, crate_name, title, teaches, builds_on) = match fields[..] {
            [number, crate_name, title, teaches] => (number, crate_name, title, teaches, None),
            [number, crate_name, title, teaches, builds_on] => {
                (number, crate_name, title, teaches, Some(builds_on))
            }
            _ => return Err(mistake("expected `number | crate | title | what it teaches`")),
        };
        let number: u32 = number.parse().map_err(|_| mistake("the number is not a whole number"))?;
        let builds_on = match builds_on {
            None => (number > 1).then(|| number - 1),
            Some(earlier) => match earlier.parse::<u32>() {
                Ok(earlier) if earlier >= 1 && earlier < number => Some(earlier),
                _ => return Err(mistake("the lesson it builds on must be an earlier one")),
            },
        };
        if number as usize != lessons.len() + 1 {
            return Err(mistake(&format!("expected lesson {}", lessons.len() + 1)));
        }
        lessons.push(Lesson {
            number,
            crate_name: crate_name.to_string(),
            title: title.to_string(),
            teaches: teaches.to_string(),
            builds_on,
        });
    }
    Ok(lessons)
}

/// Finds a lesson by its number (`3`) or its crate's name (`fixed-join`).
pub fn find<'a>(lessons: &'a [Lesson], wanted: &str) -> Result<&'a Lesson, Failure> {
    lessons
        .iter()
        .find(|lesson| lesson.number.to_string() == wanted || lesson.crate_name == wanted)
        .ok_or_else(|| {
            let names: Vec<String> =
                lessons.iter().map(|lesson| format!("{} ({})", lesson.number, lesson.crate_name)).collect();
            Failure::Usage(format!("no lesson `{wanted}`: expected one of {}", names.join(", ")))
        })
}

/// The lines of the section headed `## heading` in a lesson text, without the heading.
pub fn section<'a>(text: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = text.lines().skip_while(|line| line.strip_prefix("## ") != Some(heading));
    lines.next();
    lines.take_while(|line| !line.starts_with("## ")).collect()
}

/// The top-level items of a list in `lines` (`- item` or `1. item`), each as the text of its first line.
pub fn list_items<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    lines
        .iter()
        .filter_map(|line| {
            let unnumbered = line.trim_start_matches(|c: char| c.is_ascii_digit());
            let item = if unnumbered.len() < line.len() {
                unnumbered.strip_prefix(". ")
            } else {
                line.strip_prefix("- ")
            };
            item.map(str::trim)
        })
        .collect()
}

/// The map of lessons in the README: a Markdown table made from the list.
pub fn markdown_map(lessons: &[Lesson]) -> String {
    let mut map = String::from("| # | crate | lesson | teaches |\n|---|---|---|---|\n");
    for lesson in lessons {
        map.push_str(&format!(
            "| {} | [`{}`]({}) | [{}]({}) | {} |\n",
            lesson.number,
            lesson.crate_name,
            lesson.crate_path(),
            lesson.title,
            lesson.text_path(),
            lesson.teaches
        ));
    }
    map
}

/// The bold start of a list item (`**Try `--workers 1`.** Then...` gives ``Try `--workers 1`.``), or the
/// whole item when it has none.
pub fn headline(item: &str) -> &str {
    item.strip_prefix("**").and_then(|rest| rest.split("**").next()).unwrap_or(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "# comment\n1 | baseline | First | the basics\n\n2 | broken | Second | what breaks\n";

    #[test]
    fn the_list_is_parsed_and_found_by_number_or_name() {
        let lessons = parse(LIST).unwrap();
        assert_eq!(lessons.len(), 2);
        assert_eq!(find(&lessons, "2").unwrap().crate_name, "broken");
        assert_eq!(find(&lessons, "baseline").unwrap().number, 1);
        assert_eq!(lessons[0].text_path(), "lessons/01-baseline.md");
    }

    #[test]
    fn an_unknown_lesson_names_the_known_ones() {
        let lessons = parse(LIST).unwrap();
        assert_eq!(
            find(&lessons, "9").unwrap_err(),
            Failure::Usage("no lesson `9`: expected one of 1 (baseline), 2 (broken)".into())
        );
    }

    #[test]
    fn a_lesson_builds_on_the_one_before_unless_the_list_says() {
        let lessons = parse("1 | a | A | x\n2 | b | B | y\n3 | c | C | z | 1\n").unwrap();
        let builds_on: Vec<Option<u32>> = lessons.iter().map(|lesson| lesson.builds_on).collect();
        assert_eq!(builds_on, [None, Some(1), Some(1)]);
        assert!(parse("1 | a | A | x | 1\n").is_err(), "a lesson cannot build on itself");
    }

    #[test]
    fn a_malformed_list_is_refused() {
        assert!(parse("1 | baseline | only three").is_err());
        assert!(parse("2 | baseline | First | the basics").is_err());
    }

    #[test]
    fn sections_and_their_items_are_read() {
        let text = "# T\n## Focus\n\n- one\n- two\n  more of two\n## Alter it\n1. **Do** this\n";
        assert_eq!(list_items(&section(text, "Focus")), ["one", "two"]);
        assert_eq!(list_items(&section(text, "Alter it")), ["**Do** this"]);
        assert!(section(text, "Missing").is_empty());
        assert_eq!(headline("**Do** this"), "Do");
        assert_eq!(headline("plain"), "plain");
    }
}
