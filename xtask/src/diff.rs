//! `cargo xtask diff A B`: what changed between two lessons, in the code and in what it prints. `cargo xtask
//! diff B` shows lesson B's step: from the lesson it builds on (`lessons/list.txt`), which is not always the
//! one before it (lesson 5 builds on lesson 3, not on lesson 4's priorities).
//!
//! The lesson's own lines come first. What is not the lesson (the program's `main.rs`, the `use` lines, the
//! lesson's name and its flags, comments reworded over the same code) is summed up in one line, what the new
//! lesson takes out is shown by the first line of its comment, and `--all` shows it all. The rendering is kept
//! apart from the running, so that it can be tested with the lessons run in the tests' own process.

use std::collections::BTreeSet;
use std::io::IsTerminal;

use similar::{ChangeTag, TextDiff};

use crate::failure::Failure;
use crate::lessons::{self, Lesson};
use crate::workspace::{EXIT_USAGE, Workspace, print};

/// The runner's own flag of `diff`; every other flag goes to both lessons.
pub const ALL: &str = "--all";

/// `cargo xtask diff [A] B [--all] FLAGS…`: with one lesson, B against the lesson it builds on.
pub fn run(first: &str, second: Option<&str>, flags: &[String]) -> Result<u8, Failure> {
    let course = Workspace::course();
    let lessons = lessons::load(&course.root)?;
    let (old, new, note) = step(&lessons, first, second)?;
    if let Some(note) = note {
        print(&format!("{}\n\n", crate::workspace::wrap(&note, 80).join("\n")));
    }
    let all = flags.iter().any(|flag| flag == ALL);
    let flags: Vec<String> = flags.iter().filter(|flag| *flag != ALL).cloned().collect();
    let old_sources = Sources::read(&course, &format!("{}/src", old.crate_path()))?;
    let new_sources = Sources::read(&course, &format!("{}/src", new.crate_path()))?;
    let mut outputs = Vec::new();
    for lesson in [old, new] {
        if !course.build_on_terminal(lesson)? {
            return Err(
                format!("lesson {} does not build: the compiler's message is above", lesson.number).into()
            );
        }
        let run = course.capture(lesson, &flags, false)?;
        // A flag that a lesson refuses is a mistake in the command, not a difference between the lessons.
        if run.status == EXIT_USAGE {
            let reason = run.output.lines().next().unwrap_or_default();
            return Err(Failure::Usage(format!(
                "lesson {} refused the flags: {}",
                lesson.number,
                reason.trim_start_matches("error: ")
            )));
        }
        outputs.push(run.output);
    }
    let text = render(old, new, &flags, &old_sources, &new_sources, &outputs[0], &outputs[1], all);
    let coloured = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    print(&if coloured { colour(&text) } else { text });
    Ok(0)
}

/// The two lessons to compare: `first` and `second` as asked, with a note when `second` does not build on
/// `first`; or, with `first` alone, that lesson and the one it builds on.
pub fn step<'a>(
    lessons: &'a [Lesson],
    first: &str,
    second: Option<&str>,
) -> Result<(&'a Lesson, &'a Lesson, Option<String>), Failure> {
    let base_of =
        |lesson: &Lesson| lesson.builds_on.and_then(|number| lessons.iter().find(|l| l.number == number));
    let Some(second) = second else {
        let new = lessons::find(lessons, first)?;
        let old = base_of(new).ok_or_else(|| {
            Failure::Usage(format!(
                "lesson {} is where the course starts: it builds on no lesson (`cargo xtask diff 2` shows the step \
                 after it)",
                new.number
            ))
        })?;
        return Ok((old, new, None));
    };
    let (old, new) = (lessons::find(lessons, first)?, lessons::find(lessons, second)?);
    // The lessons from `new` back to the start of the course, each the one the one before builds on.
    let mut chain = vec![new];
    while let Some(base) = base_of(chain[chain.len() - 1]) {
        chain.push(base);
    }
    let base = chain.get(1).copied();
    let note = match chain.iter().position(|lesson| lesson.number == old.number) {
        // The step itself, or a lesson compared with an earlier one: nothing to say.
        Some(1) | Some(0) => None,
        Some(_) => {
            let steps: Vec<String> = chain
                .iter()
                .rev()
                .skip_while(|lesson| lesson.number != old.number)
                .map(|lesson| lesson.number.to_string())
                .collect();
            Some(format!(
                "This spans {} steps of the course ({}), as asked: `cargo xtask diff {}` shows the last one.",
                steps.len() - 1,
                steps.join(" → "),
                new.number
            ))
        }
        None => match base {
            Some(base) if old.number < new.number => Some(format!(
                "Lesson {} builds on lesson {}, not on lesson {}: this is {} → {} as asked, and lesson {}'s own \
                 ideas show as taken out. `cargo xtask diff {}` shows the step the course takes, {} → {}.",
                new.number,
                base.number,
                old.number,
                old.number,
                new.number,
                old.number,
                new.number,
                base.number,
                new.number
            )),
            _ => None,
        },
    };
    Ok((old, new, note))
}

/// The whole text of `cargo xtask diff`, from what it read and ran.
#[allow(clippy::too_many_arguments)]
pub fn render(
    old: &Lesson,
    new: &Lesson,
    flags: &[String],
    old_sources: &Sources,
    new_sources: &Sources,
    old_output: &str,
    new_output: &str,
    all: bool,
) -> String {
    let shown_flags = if flags.is_empty() { "no flags".to_string() } else { flags.join(" ") };
    let mut text = format!(
        "What changed from lesson {} ({}) to lesson {} ({})\n\n== The code ==\n",
        old.number, old.crate_name, new.number, new.crate_name
    );
    text.push_str(&source_diff(old_sources, new_sources, all));
    text.push_str(&format!("\n== What it prints, with {shown_flags} ==\n"));
    let old_label = format!("lesson {} ({})", old.number, old.crate_name);
    let new_label = format!("lesson {} ({})", new.number, new.crate_name);
    text.push_str(&output_diff(old_output, new_output, &old_label, &new_label));
    text
}

/// The source files of one lesson crate: each file's path in the workspace and its text, in a stable order.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// The crate's source folder in the workspace: `crates/baseline/src`.
    pub folder: String,
    /// Each file's name within the folder, and its text.
    pub files: Vec<(String, String)>,
}

impl Sources {
    /// Reads the files of `folder` (relative to the workspace's root), not its subfolders: a lesson crate is
    /// flat.
    pub fn read(workspace: &Workspace, folder: &str) -> Result<Sources, String> {
        let entries = std::fs::read_dir(workspace.file(folder))
            .map_err(|error| format!("cannot read {folder}: {error}"))?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry.map_err(|error| format!("cannot read {folder}: {error}"))?.path();
            if path.is_file() {
                let text = std::fs::read_to_string(&path)
                    .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
                let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
                files.push((name, text));
            }
        }
        files.sort();
        Ok(Sources { folder: folder.to_string(), files })
    }

    fn file(&self, name: &str) -> Option<&str> {
        self.files.iter().find(|(known, _)| known == name).map(|(_, text)| text.as_str())
    }
}

/// The source diff between two lessons, file by file: the lesson's changes first, as unified diffs, and a
/// file only one of them has in one line (a new file is read whole, not as a diff). What is not the lesson
/// is summed up at the end, or shown too with `all`.
pub fn source_diff(old: &Sources, new: &Sources, all: bool) -> String {
    let names: BTreeSet<&str> = old.files.iter().chain(&new.files).map(|(name, _)| name.as_str()).collect();
    let (mut diffs, mut others) = (String::new(), String::new());
    let mut also_changed: BTreeSet<&str> = BTreeSet::new();
    // The lesson's file first, then the rest in the order of their names.
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_by_key(|name| (*name != "lib.rs", *name));
    for name in names {
        let old_path = format!("{}/{name}", old.folder);
        let new_path = format!("{}/{name}", new.folder);
        match (old.file(name), new.file(name)) {
            (Some(old_text), Some(new_text)) if old_text == new_text => {}
            (Some(_), Some(_)) if name == "main.rs" && !all => {
                also_changed.insert("main.rs, the program's entry");
            }
            (Some(old_text), Some(new_text)) => {
                let (diff, plumbing) = lesson_diff(old_text, new_text, &old_path, &new_path, all);
                diffs.push_str(&diff);
                also_changed.extend(plumbing);
            }
            (None, Some(new_text)) => {
                others.push_str(&format!(
                    "{new_path}: a new file of {} lines; read it whole\n",
                    new_text.lines().count()
                ));
            }
            (Some(_), None) => others.push_str(&format!("{old_path}: gone in {}\n", new.folder)),
            (None, None) => {}
        }
    }
    let mut text = diffs + &others;
    if !also_changed.is_empty() {
        let parts: Vec<&str> = also_changed.into_iter().collect();
        text.push_str(&format!(
            "Also changed, and not the lesson: {}. `--all` shows them.\n",
            parts.join("; ")
        ));
    }
    text
}

/// The unified diff of one file with the lines that change what is not the lesson left out (all of them with
/// `all`), and the names of what those lines changed. The hunks are made around the lesson's changes alone,
/// with two lines of context; a hunk's header gives the place of its first line in each file.
fn lesson_diff(
    old: &str,
    new: &str,
    old_path: &str,
    new_path: &str,
    all: bool,
) -> (String, BTreeSet<&'static str>) {
    const CONTEXT: usize = 2;
    let diff = TextDiff::from_lines(old, new);
    let (old_regions, new_regions) = (plumbing(old), plumbing(new));
    // Where each line of the old file starts a paragraph (after a blank line): a block taken out whole is
    // folded paragraph by paragraph, so that every item that goes keeps a line of its own.
    let old_lines: Vec<&str> = old.lines().collect();
    let opens_paragraph =
        |index: Option<usize>| index.is_some_and(|index| index > 0 && old_lines[index - 1].trim().is_empty());
    let old_kind = |index: Option<usize>| index.and_then(|index| old_regions[index]).filter(|_| !all);
    let new_kind = |index: Option<usize>| index.and_then(|index| new_regions[index]).filter(|_| !all);
    // Every line of the diff that is shown, as the lesson sees it: the lines that are the lesson's on both
    // sides, equal or changed.
    let mut shown: Vec<Line> = Vec::new();
    let mut skipped = BTreeSet::new();
    for change in diff.iter_all_changes() {
        let (old_index, new_index) = (change.old_index(), change.new_index());
        let (in_old, in_new) = (old_kind(old_index), new_kind(new_index));
        skipped.extend(in_old.into_iter().chain(in_new));
        // An equal line that is not the lesson's on one side (a closing brace that the diff pairs between an
        // item of the lesson and one that is not) is, for the lesson, a line removed or added on the other.
        let kind = match change.tag() {
            ChangeTag::Equal if in_old.is_none() && in_new.is_none() => LineKind::Equal(old_index, new_index),
            ChangeTag::Equal | ChangeTag::Delete if in_old.is_none() => LineKind::Removed(old_index),
            ChangeTag::Equal | ChangeTag::Insert if in_new.is_none() => LineKind::Added(new_index),
            _ => continue,
        };
        let mut line = Line::with(kind, change.value(), change.value().trim().is_empty());
        line.opens_paragraph = line.sign == '-' && opens_paragraph(line.old);
        // A blank line removed says nothing of the lesson. (One added is kept until the end: between two new
        // lines, it parts them.)
        if line.blank && !all && line.sign == '-' {
            continue;
        }
        shown.push(line);
    }
    if !all {
        let reworded;
        (shown, reworded) = leave_out_reworded_comments(shown);
        if reworded {
            skipped.insert("comments reworded where the code is the same");
        }
        shown = fold_old_comments(fold_blocks_taken_out(shown));
        shown = keep_blank_lines_only_between_new_lines(shown);
    }
    // The hunks: the lesson's changes with two lines of context, merged where they touch.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for at in (0..shown.len()).filter(|&at| !shown[at].is_equal() && !shown[at].blank) {
        let (start, end) = (at.saturating_sub(CONTEXT), (at + CONTEXT + 1).min(shown.len()));
        match hunks.last_mut() {
            Some((_, last_end)) if start <= *last_end => *last_end = end,
            _ => hunks.push((start, end)),
        }
    }
    if hunks.is_empty() {
        return (String::new(), skipped);
    }
    let mut text = format!("--- {old_path}\n+++ {new_path}\n");
    for (start, end) in hunks {
        let lines = &shown[start..end];
        // Each side's range is the lines the hunk spans in its file, those left out included, so that the
        // header says where to look: from its first line to its last (a folded line's last is the last of
        // what it folds).
        let span = |indexes: Vec<usize>| match (indexes.iter().min(), indexes.iter().max()) {
            (Some(first), Some(last)) => (first + 1, last - first + 1),
            _ => (0, 0),
        };
        let (first_old, old_count) =
            span(lines.iter().flat_map(|line| [line.old, line.old_through]).flatten().collect());
        let (first_new, new_count) = span(lines.iter().filter_map(|line| line.new).collect());
        text.push_str(&format!("@@ -{first_old},{old_count} +{first_new},{new_count} @@\n"));
        for line in lines {
            text.push(line.sign);
            text.push_str(&line.text);
            if !line.text.ends_with('\n') {
                text.push('\n');
            }
        }
    }
    (text, skipped)
}

/// Leaves out each change that only rewords a comment, the code around it the same, unless the new comment
/// carries a marker of what the lesson does (`// FIXED (Fix it 1): …`, `// RETRY: …`): that comment is the
/// lesson. A comment only taken out or only put in stays. Returns the lines left, and whether any were left
/// out.
fn leave_out_reworded_comments(shown: Vec<Line<'_>>) -> (Vec<Line<'_>>, bool) {
    let is_comment = |line: &Line| line.text.trim_start().starts_with("//");
    let mut left_out = false;
    let kept = each_change(shown, |change, kept| {
        // Reworded: comments taken out and comments put in, and nothing else. A comment only taken out, or
        // only put in, is news; so is a new comment with a marker of what the new lesson does. (An old marker
        // reworded, `FIXED` kept as `Kept`, is not.)
        let only_comments = change.iter().all(|line| line.blank || is_comment(line));
        let both_sides = change.iter().any(|line| line.sign == '-')
            && change.iter().any(|line| line.sign == '+' && !line.blank);
        let marked = change.iter().any(|line| line.sign == '+' && has_marker(&line.text));
        if only_comments && both_sides && !marked {
            left_out = true;
        } else {
            kept.extend(change);
        }
    });
    (kept, left_out)
}

/// The lines of a diff with each change (the lines removed and added between two equal lines) made over by
/// `make_over`, which pushes what is to be shown of it; the equal lines stay as they are.
fn each_change<'a>(
    shown: Vec<Line<'a>>,
    mut make_over: impl FnMut(Vec<Line<'a>>, &mut Vec<Line<'a>>),
) -> Vec<Line<'a>> {
    let mut made: Vec<Line> = Vec::with_capacity(shown.len());
    let mut lines = shown.into_iter().peekable();
    while let Some(line) = lines.next() {
        if line.is_equal() {
            made.push(line);
            continue;
        }
        let mut change = vec![line];
        while let Some(next) = lines.next_if(|next| !next.is_equal()) {
            change.push(next);
        }
        make_over(change, &mut made);
    }
    made
}

/// Whether a comment opens with a marker of what the lesson does: words in capitals, then `:` or ` (`.
fn has_marker(comment: &str) -> bool {
    let text = comment.trim_start().trim_start_matches('/').trim_start();
    let end = text.find([':', '(']).unwrap_or(0);
    let marker = text[..end].trim_end();
    marker.len() >= 4 && marker.chars().all(|character| character.is_ascii_uppercase() || character == ' ')
}

/// Folds each block of code that the new lesson takes out whole, and that opens with a comment saying what it
/// is (an item's doc comment, a `BROKEN` marker), to that comment's first line: the learner has read the block
/// in the old lesson, and the comment names it. A block taken out where new code comes in its place stays
/// whole, and so does one that opens with code: there the old code is half of the story. (`--all` shows it
/// all.)
fn fold_blocks_taken_out(shown: Vec<Line<'_>>) -> Vec<Line<'_>> {
    each_change(shown, |change, folded| {
        if change.iter().any(|line| line.sign == '+' && !line.blank) {
            folded.extend(change);
            return;
        }
        // Taken out, and nothing in its place: fold it paragraph by paragraph.
        let mut paragraphs: Vec<Vec<Line>> = Vec::new();
        for line in change {
            match paragraphs.last_mut() {
                Some(paragraph) if !line.opens_paragraph => paragraph.push(line),
                _ => paragraphs.push(vec![line]),
            }
        }
        for paragraph in paragraphs {
            // A comment over one line of code folds as any comment does, and leaves the line in view.
            let is_comment = |line: &Line| line.text.trim_start().starts_with("//");
            let lines_of_code = paragraph.iter().filter(|line| !is_comment(line)).count();
            if !is_comment(&paragraph[0]) || lines_of_code < 2 {
                folded.extend(paragraph);
                continue;
            }
            let code = folded_code(&paragraph);
            let more = count_of_lines(paragraph.len() - 1, &format!(": `{code}`"));
            let old_through = paragraph.iter().filter_map(|line| line.old).max();
            let mut first = paragraph.into_iter().next().expect("a paragraph has a line");
            first.text = format!("{} […{more}]\n", first.text.trim_end()).into();
            first.folded = true;
            first.old_through = old_through;
            folded.push(first);
        }
    })
}

/// What a folded block's code is, in a few words: an item's first line up to its name (`pub enum Message`:
/// its doc comment said what it does), or the block's first line of code (`if send_sentinels { … }`).
fn folded_code(paragraph: &[Line<'_>]) -> String {
    let is_item = paragraph[0].text.starts_with("///");
    let is_code = |line: &&Line| {
        let text = line.text.trim_start();
        !text.starts_with("//") && !text.starts_with("#[")
    };
    let first = paragraph.iter().find(is_code).map_or("", |line| line.text.trim());
    if is_item {
        let name_end = first.find(['(', '<', '{', ';', '=']).unwrap_or(first.len());
        first[..name_end].trim_end().to_string()
    } else if let Some(opening) = first.strip_suffix('{') {
        format!("{opening}{{ … }}")
    } else {
        first.to_string()
    }
}

/// Drops each blank line added, but one between two new lines that are not blank: there it parts two new
/// items, or two steps of new code, as it does in the new lesson. Where the lines left out leave two blank
/// lines side by side, one is enough.
fn keep_blank_lines_only_between_new_lines(shown: Vec<Line<'_>>) -> Vec<Line<'_>> {
    let is_new_code = |line: Option<&Line>| line.is_some_and(|line| line.sign == '+' && !line.blank);
    let keep: Vec<bool> = (0..shown.len())
        .map(|at| {
            let line = &shown[at];
            !(line.sign == '+' && line.blank)
                || at > 0 && is_new_code(shown.get(at - 1)) && is_new_code(shown.get(at + 1))
        })
        .collect();
    let mut kept: Vec<Line> = Vec::with_capacity(shown.len());
    for (line, keep) in shown.into_iter().zip(keep) {
        let after_blank = kept.last().is_some_and(|last| last.blank);
        if keep && !(line.blank && after_blank) {
            kept.push(line);
        }
    }
    kept
}

/// Folds each comment of several lines that the new lesson takes out to its first line, which says how many
/// lines follow. The learner has read the old lesson's comment in the old lesson; the diff's story is the code
/// that goes and the code and comments that come. (`--all` shows it whole.)
fn fold_old_comments(shown: Vec<Line<'_>>) -> Vec<Line<'_>> {
    let is_old_comment =
        |line: &Line| line.sign == '-' && !line.folded && line.text.trim_start().starts_with("//");
    let mut folded: Vec<Line> = Vec::with_capacity(shown.len());
    let mut lines = shown.into_iter().peekable();
    while let Some(mut line) = lines.next() {
        if is_old_comment(&line) {
            let mut run = Vec::new();
            while let Some(next) = lines.next_if(|next| is_old_comment(next)) {
                run.push(next);
            }
            if let Some(last) = run.last() {
                line.old_through = last.old;
                // The first line that says something stands for the comment: not a bare `///` that opens a
                // paragraph.
                let says_something = |text: &str| !text.trim().trim_start_matches('/').trim().is_empty();
                let mut texts = std::iter::once(&line.text).chain(run.iter().map(|line| &line.text));
                let shown =
                    texts.find(|text| says_something(text)).unwrap_or(&line.text).trim_end().to_string();
                line.text = format!("{shown} […{}]\n", count_of_lines(run.len(), "")).into();
            }
        }
        folded.push(line);
    }
    folded
}

/// "1 more line", "5 more lines", then what they hold, if anything is said of it.
fn count_of_lines(more: usize, what: &str) -> String {
    let plural = if more == 1 { "" } else { "s" };
    format!("{more} more line{plural}{what}")
}

/// A line of a lesson's diff, as the lesson sees it.
struct Line<'a> {
    /// `' '`, `'-'` or `'+'`.
    sign: char,
    /// The line, with its end of line; a folded comment's first line says what follows it.
    text: std::borrow::Cow<'a, str>,
    /// Its index in the old file, and in the new one, where it has one.
    old: Option<usize>,
    new: Option<usize>,
    blank: bool,
    /// A line taken out that follows a blank line of the old file: the first of an item, or of a paragraph.
    opens_paragraph: bool,
    /// The first line of a block folded into it, which is not to be folded again.
    folded: bool,
    /// For a folded line, the index in the old file of the last line it folds.
    old_through: Option<usize>,
}

/// What a line is to the lesson: in both files, or removed from the old, or added in the new.
enum LineKind {
    Equal(Option<usize>, Option<usize>),
    Removed(Option<usize>),
    Added(Option<usize>),
}

impl<'a> Line<'a> {
    fn with(kind: LineKind, text: &'a str, blank: bool) -> Line<'a> {
        let (sign, old, new) = match kind {
            LineKind::Equal(old, new) => (' ', old, new),
            LineKind::Removed(old) => ('-', old, None),
            LineKind::Added(new) => ('+', None, new),
        };
        Line {
            sign,
            text: text.into(),
            old,
            new,
            blank,
            opens_paragraph: false,
            folded: false,
            old_through: None,
        }
    }

    fn is_equal(&self) -> bool {
        self.sign == ' '
    }
}

/// For each line of a lesson's source, whether it belongs to what is not the lesson, and to what: the `use`
/// lines, the modules' list, the lesson's name (`LESSON`) and its flags (`Options`). Found by the shape every
/// lesson file has: each of these starts at the start of a line and ends at a line `}` or `};`, or a `;`.
fn plumbing(source: &str) -> Vec<Option<&'static str>> {
    let lines: Vec<&str> = source.lines().collect();
    let mut kinds = vec![None; lines.len()];
    let mut index = 0;
    while index < lines.len() {
        let line = lines[index];
        let region = if index == 0 && line.starts_with("//!") {
            Some(("the file's opening summary", "//!"))
        } else if line.starts_with("use ") {
            Some(("the `use` lines", ";"))
        } else if line.starts_with("pub mod ") || line.starts_with("mod ") {
            Some(("the list of modules", ";"))
        } else if line.starts_with("pub const LESSON") {
            Some(("the lesson's name and heading (LESSON)", "};"))
        } else if line.starts_with("pub struct Options") || line.starts_with("impl LessonOptions for Options")
        {
            Some(("the lesson's flags (Options)", "}"))
        } else {
            None
        };
        let Some((kind, end)) = region else {
            index += 1;
            continue;
        };
        // The item's doc comment and attributes belong to it.
        let mut start = index;
        while start > 0 && (lines[start - 1].starts_with("///") || lines[start - 1].starts_with("#[")) {
            start -= 1;
        }
        let mut last = index;
        if end == "//!" {
            // The opening summary: every `//!` line from the top.
            while last + 1 < lines.len() && lines[last + 1].starts_with("//!") {
                last += 1;
            }
        } else {
            while last < lines.len()
                && !(lines[last] == end || end == ";" && lines[last].trim_end().ends_with(';'))
            {
                last += 1;
            }
        }
        for kind_of_line in &mut kinds[start..=last.min(lines.len() - 1)] {
            *kind_of_line = Some(kind);
        }
        index = last + 1;
    }
    kinds
}

/// The diff between what two runs printed.
pub fn output_diff(old_output: &str, new_output: &str, old_label: &str, new_label: &str) -> String {
    if old_output == new_output {
        return format!("{old_label} and {new_label} print the same bytes\n");
    }
    TextDiff::from_lines(old_output, new_output)
        .unified_diff()
        .context_radius(2)
        .header(old_label, new_label)
        .to_string()
}

/// Colours a unified diff for a terminal: removed lines red, added lines green, hunk headers cyan.
pub fn colour(diff: &str) -> String {
    use anstyle::{AnsiColor, Style};
    let bold = Style::new().bold();
    let red = AnsiColor::Red.on_default();
    let green = AnsiColor::Green.on_default();
    let cyan = AnsiColor::Cyan.on_default();
    let mut coloured = String::with_capacity(diff.len());
    for line in diff.split_inclusive('\n') {
        let style = if line.starts_with("---") || line.starts_with("+++") {
            bold
        } else if line.starts_with("@@") {
            cyan
        } else if line.starts_with('-') {
            red
        } else if line.starts_with('+') {
            green
        } else {
            Style::new()
        };
        let content = line.strip_suffix('\n').unwrap_or(line);
        coloured.push_str(&format!("{style}{content}{style:#}"));
        if line.ends_with('\n') {
            coloured.push('\n');
        }
    }
    coloured
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(folder: &str, files: &[(&str, &str)]) -> Sources {
        Sources {
            folder: folder.to_string(),
            files: files.iter().map(|(name, text)| (name.to_string(), text.to_string())).collect(),
        }
    }

    fn course() -> Vec<Lesson> {
        let lesson = |number: u32, builds_on: Option<u32>| Lesson {
            number,
            crate_name: format!("lesson-{number}"),
            builds_on,
            ..Lesson::default()
        };
        vec![lesson(1, None), lesson(2, Some(1)), lesson(3, Some(2)), lesson(4, Some(3)), lesson(5, Some(3))]
    }

    #[test]
    fn one_lesson_is_its_step_from_the_lesson_it_builds_on() {
        let lessons = course();
        let (old, new, note) = step(&lessons, "5", None).unwrap();
        assert_eq!((old.number, new.number, note), (3, 5, None));
        let (old, new, _) = step(&lessons, "3", None).unwrap();
        assert_eq!((old.number, new.number), (2, 3));
        assert!(step(&lessons, "1", None).unwrap_err().to_string().contains("builds on no lesson"));
    }

    #[test]
    fn two_lessons_that_are_not_a_step_are_compared_as_asked_and_said_so() {
        let lessons = course();
        let (old, new, note) = step(&lessons, "4", Some("5")).unwrap();
        assert_eq!((old.number, new.number), (4, 5));
        let note = note.expect("a note");
        assert!(note.starts_with("Lesson 5 builds on lesson 3, not on lesson 4"), "{note}");
        assert!(note.contains("`cargo xtask diff 5` shows the step the course takes, 3 → 5"), "{note}");
        assert_eq!(step(&lessons, "3", Some("5")).unwrap().2, None, "3 → 5 is the step");
        assert_eq!(step(&lessons, "2", Some("3")).unwrap().2, None);
        assert_eq!(step(&lessons, "5", Some("3")).unwrap().2, None, "backwards, as asked");
        let note = step(&lessons, "1", Some("5")).unwrap().2.expect("a note");
        assert_eq!(
            note,
            "This spans 3 steps of the course (1 → 2 → 3 → 5), as asked: `cargo xtask diff 5` shows the last one."
        );
    }

    #[test]
    fn files_are_diffed_by_name_and_new_files_are_named() {
        let old = sources("crates/a/src", &[("lib.rs", "one\ntwo\n"), ("main.rs", "same\n")]);
        let new = sources(
            "crates/b/src",
            &[("lib.rs", "one\nthree\n"), ("main.rs", "same\n"), ("queue.rs", "x\ny\n")],
        );
        assert_eq!(
            source_diff(&old, &new, false),
            "--- crates/a/src/lib.rs\n+++ crates/b/src/lib.rs\n@@ -1,2 +1,2 @@\n one\n-two\n+three\n\
             crates/b/src/queue.rs: a new file of 2 lines; read it whole\n"
        );
    }

    const OLD: &str = "use a::b;\n\n/// What `--help` says.\npub const LESSON: Lesson = Lesson {\n    name: \"a\",\n};\n\n\
                       /// Works.\nfn work() {\n    // A long\n    // comment\n    // here.\n    one();\n}\n";
    const NEW: &str = "use a::{b, c};\n\n/// What `--help` says.\npub const LESSON: Lesson = Lesson {\n    name: \"b\",\n};\n\n\
                       /// Works.\nfn work() {\n    // A long\n    // comment\n    // here.\n    two();\n}\n";

    #[test]
    fn what_is_not_the_lesson_is_summed_up_and_shown_with_all() {
        let old = sources("crates/a/src", &[("lib.rs", OLD), ("main.rs", "a::main()\n")]);
        let new = sources("crates/b/src", &[("lib.rs", NEW), ("main.rs", "b::main()\n")]);
        let text = source_diff(&old, &new, false);
        assert!(text.contains("-    one();\n+    two();\n"), "{text}");
        assert!(!text.contains("name: \"b\""), "{text}");
        assert!(
            text.ends_with(
                "Also changed, and not the lesson: main.rs, the program's entry; the `use` lines; the lesson's \
                 name and heading (LESSON). `--all` shows them.\n"
            ),
            "{text}"
        );
        let all = source_diff(&old, &new, true);
        assert!(
            all.contains("+    name: \"b\",") && all.contains("+b::main()") && !all.contains("Also changed"),
            "{all}"
        );
    }

    #[test]
    fn the_regions_of_plumbing_cover_their_doc_comments_and_end_where_they_end() {
        let kinds = plumbing(OLD);
        assert_eq!(kinds[0], Some("the `use` lines"));
        assert_eq!(kinds[1], None);
        assert!(kinds[2..=5].iter().all(|kind| *kind == Some("the lesson's name and heading (LESSON)")));
        assert!(kinds[6..].iter().all(Option::is_none));
    }

    fn lib(text: &str) -> Sources {
        sources("crates/a/src", &[("lib.rs", text)])
    }

    #[test]
    fn a_comment_reworded_over_the_same_code_is_left_out_and_summed_up() {
        let old = lib("fn work() {\n    // Lock, wait, unlock. The guard is a temporary.\n    one();\n}\n");
        let new = lib("fn work() {\n    // Lock, wait, unlock (see lesson 1).\n    one();\n}\n");
        assert_eq!(
            source_diff(&old, &new, false),
            "Also changed, and not the lesson: comments reworded where the code is the same. `--all` shows them.\n"
        );
        assert!(source_diff(&old, &new, true).contains("+    // Lock, wait, unlock (see lesson 1).\n"));
    }

    #[test]
    fn a_comment_only_put_in_or_only_taken_out_stays() {
        let old = lib("fn work() {\n    one();\n}\n");
        let new = lib("fn work() {\n    // Why one, and not two.\n    one();\n}\n");
        assert!(source_diff(&old, &new, false).contains("+    // Why one, and not two.\n"));
        assert!(source_diff(&new, &old, false).contains("-    // Why one, and not two.\n"));
        // Taken out, with a blank line in its place: still taken out, not reworded.
        let blank = lib("fn work() {\n\n    one();\n}\n");
        assert!(source_diff(&new, &blank, false).contains("-    // Why one, and not two.\n"));
    }

    #[test]
    fn a_comment_with_the_lesson_s_marker_is_the_lesson() {
        let old = lib("fn work() {\n    // The sender stays alive.\n    one();\n}\n");
        let new = lib("fn work() {\n    // FIXED (Fix it 1): the only sender is dropped.\n    one();\n}\n");
        let text = source_diff(&old, &new, false);
        assert!(
            text.contains("-    // The sender stays alive.\n+    // FIXED (Fix it 1): the only"),
            "{text}"
        );
        assert!(has_marker("    // RETRY: a timer puts it back") && has_marker("// DEAD LETTER: parked"));
        assert!(!has_marker("    // Kept (Fix it 1): the sender") && !has_marker("// See: lesson 1"));
    }

    #[test]
    fn a_comment_taken_out_with_its_code_shows_by_its_first_line() {
        let old = lib(
            "fn work() {\n    // BROKEN (Break it 3): `?` ends\n    // the whole worker\n    // here.\n    one()?;\n}\n",
        );
        let new = lib("fn work() {\n    two();\n}\n");
        let text = source_diff(&old, &new, false);
        assert!(
            text.contains(
                "-    // BROKEN (Break it 3): `?` ends […2 more lines]\n-    one()?;\n+    two();\n"
            ),
            "{text}"
        );
        assert!(source_diff(&old, &new, true).contains("-    // the whole worker\n"));
    }

    #[test]
    fn a_comment_taken_out_shows_by_its_first_line_that_says_something() {
        let old = lib("/// Works.\n///\n/// Python's way.\nfn work() {\n    one();\n}\n");
        let new = lib("/// Works.\nfn work() {\n    one();\n}\n");
        let text = source_diff(&old, &new, false);
        assert!(text.contains(" /// Works.\n-/// Python's way. […1 more line]\n fn work() {\n"), "{text}");
    }

    #[test]
    fn an_item_taken_out_whole_shows_by_its_doc_comment_and_its_name() {
        let old =
            lib("/// The message.\n/// Two lines.\n#[derive(Debug)]\npub enum Message {\n    Job,\n}\n\n\
             /// A shared end.\npub type Shared = Arc<Message>;\n\n/// Works.\nfn work() {}\n");
        let new = lib("/// Works.\nfn work() {}\n");
        let text = source_diff(&old, &new, false);
        assert!(
            text.contains(
                "-/// The message. […5 more lines: `pub enum Message`]\n\
                 -/// A shared end.\n-pub type Shared = Arc<Message>;\n /// Works.\n"
            ),
            "each item keeps a line, and one line of code stays in view:\n{text}"
        );
        assert!(source_diff(&old, &new, true).contains("-    Job,\n"));
    }

    #[test]
    fn code_taken_out_is_folded_only_when_nothing_takes_its_place_and_a_comment_names_it() {
        let marked = "fn work() {\n    one();\n    // BROKEN (Break it 1): no sentinels.\n    if sentinels {\n        \
                      send();\n    }\n    two();\n}\n";
        let without = lib("fn work() {\n    one();\n    two();\n}\n");
        let text = source_diff(&lib(marked), &without, false);
        assert!(
            text.contains("-    // BROKEN (Break it 1): no sentinels. […3 more lines: `if sentinels { … }`]\n     two();\n"),
            "{text}"
        );

        // New code in its place: the old code is half of the story, and stays.
        let replaced = lib("fn work() {\n    one();\n    three();\n    two();\n}\n");
        let text = source_diff(&lib(marked), &replaced, false);
        assert!(text.contains("-    if sentinels {\n-        send();\n-    }\n+    three();\n"), "{text}");

        // No comment to name it: the code stays.
        let unnamed =
            lib("fn work() {\n    one();\n    for worker in workers {\n        let _ = worker;\n    }\n}\n");
        let text = source_diff(&unnamed, &lib("fn work() {\n    one();\n}\n"), false);
        assert!(text.contains("-    for worker in workers {\n-        let _ = worker;\n-    }\n"), "{text}");
    }

    #[test]
    fn a_hunk_s_header_spans_the_lines_it_covers_in_each_file_those_left_out_included() {
        let old = lib("fn work() {\n    // A\n    // long\n    // comment.\n    one();\n}\n");
        let new = lib("fn work() {\n    two();\n}\n");
        let text = source_diff(&old, &new, false);
        assert!(
            text.contains("@@ -1,6 +1,3 @@\n fn work() {\n-    // A […2 more lines]\n-    one();\n"),
            "{text}"
        );
    }

    #[test]
    fn a_blank_line_added_stays_only_between_new_lines() {
        let old = lib("fn one() {}\n");
        let new = lib("fn one() {}\n\nfn two() {}\n\nfn three() {}\n");
        let text = source_diff(&old, &new, false);
        assert!(text.ends_with(" fn one() {}\n+fn two() {}\n+\n+fn three() {}\n"), "{text}");
    }

    #[test]
    fn identical_outputs_say_so() {
        assert_eq!(
            output_diff("a\n", "a\n", "lesson 1", "lesson 2"),
            "lesson 1 and lesson 2 print the same bytes\n"
        );
    }

    #[test]
    fn colour_marks_removed_and_added_lines() {
        let coloured = colour("--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n same\n");
        assert!(coloured.contains("\u{1b}[31m-old"), "{coloured:?}");
        assert!(coloured.contains("\u{1b}[32m+new"), "{coloured:?}");
        assert!(coloured.ends_with(" same\n"), "{coloured:?}");
    }
}
