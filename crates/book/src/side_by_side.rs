//! Two versions of a file side by side, as an HTML table: the old on the left, the new on the right, each
//! line beside its counterpart. Lines taken out are marked `removed`, lines put in `added`; a stretch of lines
//! both keep is shown in full only near a change, and folded to one row elsewhere.

use std::fmt::Write as _;

use similar::{DiffTag, TextDiff};

/// Lines kept on either side of a change; longer stretches of kept lines fold to one row.
const CONTEXT: usize = 4;

/// The table of `old` (named `old_name`) beside `new` (named `new_name`).
pub fn table(old_name: &str, old: &str, new_name: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    // The lines as the diff counts them, so that its ranges and the rows agree, without their ends.
    let old_lines: Vec<&str> = diff.old_slices().iter().map(|line| without_end(line)).collect();
    let new_lines: Vec<&str> = diff.new_slices().iter().map(|line| without_end(line)).collect();
    let mut html = format!(
        "<table class=\"side-by-side\">\n<thead><tr><th><code>{}</code></th><th><code>{}</code></th></tr></thead>\n<tbody>\n",
        escape(old_name),
        escape(new_name)
    );
    let groups = diff.grouped_ops(CONTEXT);
    for (index, group) in groups.iter().enumerate() {
        if index > 0 || group.first().is_some_and(|op| op.old_range().start > 0) {
            html.push_str("<tr class=\"gap\"><td colspan=\"2\">…</td></tr>\n");
        }
        for op in group {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => {
                    for (old_index, new_index) in old_range.zip(new_range) {
                        row(&mut html, Some((old_lines[old_index], "")), Some((new_lines[new_index], "")));
                    }
                }
                DiffTag::Delete | DiffTag::Insert | DiffTag::Replace => {
                    let removed = &old_lines[old_range];
                    let added = &new_lines[new_range];
                    for line in 0..removed.len().max(added.len()) {
                        row(
                            &mut html,
                            removed.get(line).map(|text| (*text, "removed")),
                            added.get(line).map(|text| (*text, "added")),
                        );
                    }
                }
            }
        }
    }
    if groups.last().and_then(|group| group.last()).is_some_and(|op| op.old_range().end < old_lines.len()) {
        html.push_str("<tr class=\"gap\"><td colspan=\"2\">…</td></tr>\n");
    }
    html.push_str("</tbody>\n</table>\n");
    html
}

/// A line without its end (`\n`, `\r\n` or `\r`).
fn without_end(line: &str) -> &str {
    line.trim_end_matches(['\n', '\r'])
}

/// One row: a line on each side, or an empty cell where one side has none.
fn row(html: &mut String, left: Option<(&str, &str)>, right: Option<(&str, &str)>) {
    html.push_str("<tr>");
    for cell in [left, right] {
        match cell {
            Some((text, class)) => {
                let _ = write!(html, "<td class=\"{class}\"><pre>{}</pre></td>", escape(text));
            }
            None => html.push_str("<td></td>"),
        }
    }
    html.push_str("</tr>\n");
}

/// `text` with HTML's special characters written as entities.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_sits_beside_its_replacement_and_kept_lines_on_both_sides() {
        let html = table("old.rs", "a\nb\nc\n", "new.rs", "a\nB<T>\nc\n");
        assert!(
            html.contains("<tr><td class=\"\"><pre>a</pre></td><td class=\"\"><pre>a</pre></td></tr>"),
            "{html}"
        );
        assert!(
            html.contains("<tr><td class=\"removed\"><pre>b</pre></td><td class=\"added\"><pre>B&lt;T&gt;</pre></td></tr>"),
            "{html}"
        );
    }

    #[test]
    fn a_line_put_in_has_an_empty_cell_beside_it() {
        let html = table("old.rs", "a\n", "new.rs", "a\nb\n");
        assert!(html.contains("<tr><td></td><td class=\"added\"><pre>b</pre></td></tr>"), "{html}");
    }

    #[test]
    fn lines_that_end_in_a_carriage_return_stay_beside_their_counterparts() {
        let html = table("old.rs", "a\rb\rc\r", "new.rs", "a\rB\rc\r");
        assert!(
            html.contains("<td class=\"removed\"><pre>b</pre></td><td class=\"added\"><pre>B</pre></td>"),
            "{html}"
        );
    }

    #[test]
    fn long_stretches_of_kept_lines_fold() {
        let old: String = (0..40).map(|number| format!("line {number}\n")).collect();
        let new = old.replace("line 20\n", "line twenty\n");
        let html = table("old.rs", &old, "new.rs", &new);
        assert_eq!(html.matches("class=\"gap\"").count(), 2, "{html}");
        assert!(!html.contains("line 5<") && html.contains("line 17<"), "{html}");
    }
}
