//! The book, opened in a real browser: headless Chromium (Debian's `chromium`; CI installs it) opens every
//! page of the book as a learner's browser would, and the test fails on a broken link, a missing picture, a
//! picture that does not render, a code block that is empty, a page that says anything in the browser's
//! console, or a search for "sentinel" that finds nothing. The screenshots of the first page and of lesson
//! 4's timeline are kept in `target/book-screenshots`, for a person to look at.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The book, made once for every test of this file, in the tests' own folder under `target/`.
fn book() -> &'static Path {
    static BOOK: OnceLock<PathBuf> = OnceLock::new();
    BOOK.get_or_init(|| {
        let course = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("book");
        course_book::make(&course, &folder)
            .unwrap_or_else(|error| panic!("the book is not made: {error}"))
            .html
    })
}

/// Where the screenshots are kept: `target/book-screenshots`.
fn screenshots() -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target/").join("book-screenshots");
    std::fs::create_dir_all(&folder).expect("a folder for the screenshots");
    folder
}

/// Chromium, headless, with what it needs to start here: no sandbox (the tests may run as root), no GPU, and
/// none of its own network traffic (the machine has no network, and the book needs none).
fn chromium(profile: &str) -> Command {
    let program = std::env::var_os("CHROMIUM").unwrap_or_else(|| "chromium".into());
    let mut command = Command::new(program);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]);
    // A profile of its own for each call: two Chromiums at once must not share one.
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chromium-profiles").join(profile);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

/// What Chromium shows of `url` once its scripts have run: the page's DOM, and every line the page wrote to
/// the browser's console.
fn open(url: &str, profile: &str) -> (String, Vec<String>) {
    let output = chromium(profile)
        .args(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", url])
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "Chromium does not start ({error}): install it (`apt-get install chromium`), or set CHROMIUM"
            )
        });
    assert!(
        output.status.success(),
        "Chromium could not open {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&output.stdout).into_owned(), console)
}

/// A screenshot of `url`, `width` by `height`, saved as `file`; returns its pixels, RGBA.
fn screenshot(url: &str, width: u32, height: u32, file: &Path, profile: &str) -> Vec<u8> {
    let output = chromium(profile)
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", file.display()))
        .args(["--virtual-time-budget=5000", url])
        .output()
        .expect("Chromium starts");
    assert!(output.status.success(), "no screenshot of {url}: {}", String::from_utf8_lossy(&output.stderr));
    let decoder =
        png::Decoder::new(std::io::BufReader::new(std::fs::File::open(file).expect("the screenshot")));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut pixels).expect("its pixels");
    pixels.truncate(frame.buffer_size());
    match frame.color_type {
        png::ColorType::Rgba => pixels,
        png::ColorType::Rgb => {
            pixels.chunks(3).flat_map(|pixel| [pixel[0], pixel[1], pixel[2], 255]).collect()
        }
        other => panic!("a screenshot in colours Chromium does not use: {other:?}"),
    }
}

/// The share of pixels that are not the page's white: how much of the screenshot a picture fills.
fn drawn(pixels: &[u8]) -> f64 {
    let pixels = pixels.chunks(4);
    let total = pixels.len().max(1);
    let drawn = pixels.filter(|pixel| pixel[..3].iter().any(|channel| *channel < 240)).count();
    drawn as f64 / total as f64
}

/// Every page of the book: its HTML files, but the page for a missing page (`404.html`), whose links are
/// written for a web server's root.
fn pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(book())
        .expect("the built book")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "html"))
        .filter(|path| path.file_name().is_some_and(|name| name != "404.html"))
        .collect();
    pages.sort();
    pages
}

/// The values of an HTML attribute (`href`, `src`) in `html`, as written between double quotes.
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let marker = format!(" {attribute}=\"");
    html.split(marker.as_str()).skip(1).filter_map(|rest| rest.split('"').next()).collect()
}

/// Whether `link`, found on `page`, leads somewhere: a file of the book, and, for a link to a place in a page,
/// that place. Links to other sites are not followed (the machine has no network).
fn link_is_broken(page: &Path, link: &str) -> Option<String> {
    let link = link.replace("&amp;", "&");
    if link.is_empty()
        || link.contains("://")
        || link.starts_with("mailto:")
        || link.starts_with("javascript:")
    {
        return None;
    }
    if link.starts_with("data:") {
        return None;
    }
    let (path, fragment) = match link.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (link.as_str(), None),
    };
    let path = path.split('?').next().unwrap_or_default();
    let target =
        if path.is_empty() { page.to_path_buf() } else { page.parent().expect("a folder").join(path) };
    // A file of the book: a link that leaves it (`../../crates/…`) finds nothing on a reader's web server.
    let inside = target.canonicalize().is_ok_and(|target| {
        target.is_file() && target.starts_with(book().canonicalize().expect("the book's folder"))
    });
    if !inside {
        return Some(format!("{link} (no file {} in the book)", target.display()));
    }
    let fragment = fragment.filter(|fragment| !fragment.is_empty())?;
    let html = std::fs::read_to_string(&target).ok()?;
    let known = [format!("id=\"{fragment}\""), format!("id={fragment} "), format!("id={fragment}>")]
        .iter()
        .any(|place| html.contains(place.as_str()));
    (!known).then(|| format!("{link} (no place #{fragment} in {})", target.display()))
}

#[test]
fn every_page_opens_with_its_links_pictures_and_code_and_says_nothing_in_the_console() {
    let mut problems = Vec::new();
    let mut pictures = BTreeSet::new();
    let pages = pages();
    assert!(pages.len() >= 11, "the book has too few pages: {pages:?}");
    for (index, page) in pages.iter().enumerate() {
        let name = page.file_name().expect("a name").to_string_lossy().into_owned();
        let (dom, console) = open(&format!("file://{}", page.display()), &format!("page-{index}"));
        problems.extend(console.iter().map(|line| format!("{name} says in the console: {line}")));
        for link in attribute_values(&dom, "href").into_iter().chain(attribute_values(&dom, "src")) {
            if let Some(broken) = link_is_broken(page, link) {
                problems.push(format!("{name} links to {broken}"));
            }
        }
        for picture in attribute_values(&dom, "src").into_iter().filter(|source| source.ends_with(".svg")) {
            pictures.insert(picture.to_string());
        }
        // A lesson's chapter shows its crate's code: every block of it has some.
        if name.starts_with(|character: char| character.is_ascii_digit()) && !name.contains("side-by-side") {
            let blocks: Vec<&str> = dom.split("<code class=\"language-rust").skip(1).collect();
            if blocks.is_empty() {
                problems.push(format!("{name} shows no Rust code"));
            }
            for block in blocks {
                let code = block.split("</code>").next().unwrap_or_default();
                let text: String =
                    code.split('<').map(|part| part.split_once('>').map_or(part, |(_, text)| text)).collect();
                if text.trim().len() < 20 {
                    problems.push(format!("{name} has a Rust block with no code in it: {:?}", text.trim()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "the book, in Chromium:\n{}", problems.join("\n"));
    let timelines: Vec<&String> =
        pictures.iter().filter(|picture| picture.starts_with("timelines/")).collect();
    assert_eq!(timelines.len(), 9, "every lesson shows its timeline: {pictures:?}");
}

#[test]
fn every_timeline_renders() {
    let probes = book().join("../picture-probes");
    std::fs::create_dir_all(&probes).expect("a folder for the probes");
    let mut blank = Vec::new();
    let timelines = book().join("timelines");
    let mut names: Vec<String> = std::fs::read_dir(&timelines)
        .expect("the book's timelines")
        .map(|entry| entry.expect("an entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".svg"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 9, "{names:?}");
    for name in &names {
        // The picture alone on a white page, as wide as the window: where it does not render (a file that is
        // not a picture, a picture with nothing in it), the screenshot is white.
        let probe = probes.join(format!("{name}.html"));
        let page = format!(
            "<html><body style=\"margin:0;background:white\"><img style=\"width:1200px\" src=\"{}\"></body></html>",
            timelines.join(name).display()
        );
        std::fs::write(&probe, page).expect("a probe page");
        let file = if name.starts_with("04-") {
            screenshots().join("lesson-4-timeline.png")
        } else {
            probes.join(format!("{name}.png"))
        };
        let pixels =
            screenshot(&format!("file://{}", probe.display()), 1200, 700, &file, &format!("picture-{name}"));
        let share = drawn(&pixels);
        if share < 0.02 {
            blank.push(format!("{name}: {:.1}% of its screenshot is drawn", share * 100.0));
        }
    }
    assert!(blank.is_empty(), "timelines that do not render:\n{}", blank.join("\n"));
}

#[test]
fn the_first_page_renders_and_is_kept_as_a_screenshot() {
    let file = screenshots().join("first-page.png");
    let pixels = screenshot(
        &format!("file://{}", book().join("index.html").display()),
        1280,
        900,
        &file,
        "first-page",
    );
    assert!(drawn(&pixels) > 0.05, "the first page is blank: see {}", file.display());
}

#[test]
fn a_search_for_sentinel_finds_the_lessons_that_teach_it() {
    let (dom, console) =
        open(&format!("file://{}?search=sentinel", book().join("index.html").display()), "search");
    assert!(console.is_empty(), "{console:?}");
    // mdBook's list of results: `<ul id="mdbook-searchresults">`.
    let results = dom.split("searchresults\">").nth(1).unwrap_or_default();
    let results = results.split("</ul>").next().unwrap_or_default();
    let found = results.matches("<li").count();
    assert!(found > 0, "a search for \"sentinel\" found nothing:\n{results}");
    assert!(results.contains("02-broken-no-sentinel.html"), "lesson 2 is about the sentinel:\n{results}");
}

/// The console is read: a page that writes to it is caught, so that a silent console means a clean page.
#[test]
fn a_page_that_writes_to_the_console_is_caught() {
    let probe = book().join("../console-probe.html");
    std::fs::write(
        &probe,
        "<p>probe</p><script>console.error('from the probe'); undefined_function();</script>",
    )
    .expect("a probe page");
    let (_, console) = open(&format!("file://{}", probe.display()), "console-probe");
    assert!(console.iter().any(|line| line.contains("from the probe")), "{console:?}");
    assert!(console.iter().any(|line| line.contains("undefined_function")), "{console:?}");
}

#[test]
fn a_broken_link_and_a_missing_place_are_found() {
    let page = book().join("index.html");
    assert_eq!(link_is_broken(&page, "01-baseline.html"), None);
    assert_eq!(link_is_broken(&page, "https://github.com/awslabs/shuttle"), None);
    assert!(link_is_broken(&page, "no-such-page.html").is_some());
    assert!(link_is_broken(&page, "01-baseline.html#no-such-heading").is_some());
    assert!(link_is_broken(&page, "01-baseline.html#the").is_some(), "a place's name in full, not its start");
    assert!(link_is_broken(&page, "../../../../README.md").is_some(), "a file outside the book");
    assert_eq!(drawn(&[255, 255, 255, 255, 255, 255, 255, 255]), 0.0);
}
