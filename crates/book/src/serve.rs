//! The book on localhost: `cargo xtask book --serve` serves the built pages, and makes the book again when a
//! lesson's text, picture or code changes. Reload the page to see the change.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::RecursiveMode;

/// The folders whose files the book is made from.
const WATCHED: [&str; 2] = ["lessons", "crates"];

/// Serves the book made in `folder` from the course at `course_root` on `127.0.0.1:port`, until the process is
/// stopped (Ctrl-C), making it again after each change to the course's lessons or crates.
pub fn serve(course_root: &Path, folder: &Path, port: u16) -> Result<(), String> {
    let book = crate::make(course_root, folder)?;
    let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(|error| {
        format!("cannot serve the book on 127.0.0.1:{port}: {error} (try another --port)")
    })?;
    println!("The book is at http://127.0.0.1:{port}/ : open it in a browser. Ctrl-C stops serving it.");
    // mdBook empties the pages' folder before it writes the new pages: a page asked for in between would be
    // missing. So the book is made again holding this lock, and a page is read holding it too: a request
    // during a remake waits for the new page rather than get no page.
    let making = Arc::new(Mutex::new(()));
    let _watcher = watch_and_remake(course_root.to_path_buf(), folder.to_path_buf(), making.clone())?;
    for request in server.incoming_requests() {
        let found = {
            let _made = making.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            page(&book.html, request.url())
        };
        let response = match found {
            Some((bytes, content_type)) => {
                let header =
                    tiny_http::Header::from_bytes("Content-Type", content_type).expect("a valid header");
                tiny_http::Response::from_data(bytes).with_header(header)
            }
            None => tiny_http::Response::from_string("no such page in the book").with_status_code(404),
        };
        // A browser that went away before its answer is no reason to stop serving the others.
        let _ = request.respond(response);
    }
    Ok(())
}

/// Watches the course's lessons and crates, and makes the book again after each change, holding `making`.
fn watch_and_remake(
    course_root: PathBuf,
    folder: PathBuf,
    making: Arc<Mutex<()>>,
) -> Result<
    notify_debouncer_full::Debouncer<
        notify_debouncer_full::notify::RecommendedWatcher,
        notify_debouncer_full::RecommendedCache,
    >,
    String,
> {
    let remake_root = course_root.clone();
    let mut debouncer = notify_debouncer_full::new_debouncer(
        Duration::from_millis(200),
        None,
        move |events: notify_debouncer_full::DebounceEventResult| {
            // Only a file written, made or removed is a change: making the book reads every file it watches.
            // A change in a build folder is not a change to the course.
            let changed = events.is_ok_and(|events| {
                events
                    .iter()
                    .filter(|event| {
                        event.kind.is_modify() || event.kind.is_create() || event.kind.is_remove()
                    })
                    .flat_map(|event| &event.paths)
                    .any(|path| {
                        // Within the course: the course itself may be anywhere, a `target` folder included.
                        let within = path.strip_prefix(&remake_root).unwrap_or(path);
                        !within.components().any(|part| part.as_os_str() == "target")
                    })
            });
            if changed {
                let started = Instant::now();
                let _making = making.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match crate::make(&remake_root, &folder) {
                    Ok(_) => println!(
                        "Made the book again in {:.1} s: reload the page.",
                        started.elapsed().as_secs_f64()
                    ),
                    Err(error) => eprintln!("error: {error}"),
                }
            }
        },
    )
    .map_err(|error| format!("cannot watch the course for changes: {error}"))?;
    for watched in WATCHED {
        debouncer
            .watch(course_root.join(watched), RecursiveMode::Recursive)
            .map_err(|error| format!("cannot watch {watched}: {error}"))?;
    }
    Ok(debouncer)
}

/// The bytes and the content type of the page at `url` in the built book `html`, if there is one: a folder
/// gives its `index.html`, and nothing outside the book is served.
pub fn page(html: &Path, url: &str) -> Option<(Vec<u8>, &'static str)> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let relative = Path::new(path.trim_start_matches('/'));
    if relative.components().any(|part| !matches!(part, Component::Normal(_))) {
        return None;
    }
    let mut file = html.join(relative);
    if file.is_dir() {
        file = file.join("index.html");
    }
    let bytes = std::fs::read(&file).ok()?;
    let content_type = match file.extension().and_then(|extension| extension.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        _ => "application/octet-stream",
    };
    Some((bytes, content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_served_with_its_type_and_nothing_outside_the_book() {
        let html = std::env::temp_dir().join(format!("book-serve-{}", std::process::id()));
        std::fs::create_dir_all(html.join("timelines")).unwrap();
        std::fs::write(html.join("index.html"), "<p>hello</p>").unwrap();
        std::fs::write(html.join("timelines/01.svg"), "<svg/>").unwrap();
        assert_eq!(page(&html, "/"), Some((b"<p>hello</p>".to_vec(), "text/html; charset=utf-8")));
        assert_eq!(
            page(&html, "/index.html?search=sentinel").map(|(_, kind)| kind),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(page(&html, "/timelines/01.svg").map(|(_, kind)| kind), Some("image/svg+xml"));
        assert_eq!(page(&html, "/../etc/passwd"), None);
        assert_eq!(page(&html, "/missing.html"), None);
        std::fs::remove_dir_all(&html).unwrap();
    }
}
