//! The web app (docs/ARCHITECTURE.md §12): the files Vite built from `frontend/`,
//! served from memory at `/`.
//!
//! - A file that exists is served with its content type. Vite's hashed bundles under
//!   `/assets/` never change under their name, so they are cached for a year as `immutable`;
//!   everything else (`index.html`, the icon) is `no-cache`, so a new release is picked up on
//!   the next load.
//! - Any other `GET` from a browser (`Accept: text/html`) gets `index.html`: the app's routes
//!   (`/alerts`, `/playground`, ...) are client-side. A missing asset or a non-browser client
//!   gets a 404, never HTML in place of a script.
//! - A binary built without the app (no Node.js, or `FLEETGRAPH_SKIP_WEB=1`) answers those
//!   browser requests with a page that says so and how to build it (503).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_files.rs"));
}

/// Cache policy of Vite's content-hashed output.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache policy of everything else: revalidate on every load.
pub const REVALIDATE: &str = "no-cache";

/// The page served in place of the app when the binary was built without it.
const NOT_BUILT: &str = include_str!("web_not_built.html");

struct WebFile {
    body: Bytes,
    content_type: &'static str,
}

/// The built app, keyed by path without the leading `/` (`index.html`, `assets/index-3f2a.js`).
#[derive(Clone, Default)]
pub struct WebApp {
    files: Arc<HashMap<String, WebFile>>,
}

impl WebApp {
    /// The app embedded in this binary by `build.rs` (empty when it was built without it).
    pub fn embedded() -> Self {
        Self::from_files(
            embedded::WEB_FILES
                .iter()
                .map(|(name, bytes)| ((*name).to_owned(), Bytes::from_static(bytes))),
        )
    }

    /// The app in a folder (`--web-dir`), read once into memory.
    pub fn from_dir(dir: &Path) -> anyhow::Result<Self> {
        let mut files = Vec::new();
        read_dir(dir, dir, &mut files)
            .with_context(|| format!("failed to read the web app in {}", dir.display()))?;
        Ok(Self::from_files(files))
    }

    fn from_files(files: impl IntoIterator<Item = (String, Bytes)>) -> Self {
        let files = files
            .into_iter()
            .map(|(name, body)| {
                let content_type = content_type(&name);
                (name, WebFile { body, content_type })
            })
            .collect();
        Self {
            files: Arc::new(files),
        }
    }

    /// Whether there is an app to serve (an `index.html`).
    pub fn is_built(&self) -> bool {
        self.files.contains_key("index.html")
    }

    fn file(&self, name: &str, cache: &'static str) -> Option<Response> {
        let file = self.files.get(name)?;
        let mut response = Response::new(Body::from(file.body.clone()));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        Some(response)
    }

    /// Answers a request that no API route took.
    pub fn respond(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        let name = uri.path().trim_start_matches('/');
        if !name.is_empty() && name != "index.html" {
            let cache = if name.starts_with("assets/") {
                IMMUTABLE
            } else {
                REVALIDATE
            };
            if let Some(response) = self.file(name, cache) {
                return response;
            }
            // A missing script or stylesheet is a 404, not the app's HTML under its name.
            if name.starts_with("assets/") || !super::wants_html(headers) {
                return StatusCode::NOT_FOUND.into_response();
            }
        } else if !super::wants_html(headers) && name.is_empty() {
            // `/` from a script or a probe: say what is here rather than sending HTML.
            return (StatusCode::NOT_FOUND, "see /graphql for the API\n").into_response();
        }
        self.file("index.html", REVALIDATE).unwrap_or_else(|| {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, REVALIDATE)],
                Html(NOT_BUILT),
            )
                .into_response()
        })
    }
}

fn read_dir(root: &Path, dir: &Path, files: &mut Vec<(String, Bytes)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            read_dir(root, &path, files)?;
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, Bytes::from(std::fs::read(&path)?)));
        }
    }
    Ok(())
}

/// The content type of the kinds of file a Vite build writes.
fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(files: &[(&str, &str)]) -> WebApp {
        WebApp::from_files(
            files
                .iter()
                .map(|(n, b)| ((*n).to_owned(), Bytes::from((*b).to_owned()))),
        )
    }

    fn browser() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        headers
    }

    fn get(web: &WebApp, path: &str, headers: &HeaderMap) -> Response {
        web.respond(&Method::GET, &path.parse().expect("a path"), headers)
    }

    fn header(response: &Response, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    #[test]
    fn hashed_assets_are_cached_immutably_and_the_index_is_revalidated() {
        let web = app(&[("index.html", "<html>"), ("assets/app-1a2b.js", "x")]);
        let asset = get(&web, "/assets/app-1a2b.js", &HeaderMap::new());
        assert_eq!(asset.status(), StatusCode::OK);
        assert_eq!(header(&asset, header::CACHE_CONTROL), IMMUTABLE);
        assert_eq!(
            header(&asset, header::CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        let index = get(&web, "/", &browser());
        assert_eq!(header(&index, header::CACHE_CONTROL), REVALIDATE);
        assert_eq!(
            header(&index, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
    }

    #[test]
    fn a_client_side_route_from_a_browser_gets_the_index_but_a_missing_asset_is_a_404() {
        let web = app(&[("index.html", "<html>")]);
        assert_eq!(get(&web, "/alerts", &browser()).status(), StatusCode::OK);
        assert_eq!(
            get(&web, "/assets/gone-99.js", &browser()).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get(&web, "/alerts", &HeaderMap::new()).status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn without_a_built_app_a_browser_gets_a_page_that_says_so() {
        let web = app(&[]);
        assert!(!web.is_built());
        let response = get(&web, "/", &browser());
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(NOT_BUILT.contains("FLEETGRAPH_SKIP_WEB"));
    }

    #[test]
    fn only_get_and_head_are_served() {
        let web = app(&[("index.html", "<html>")]);
        let response = web.respond(&Method::POST, &"/".parse().expect("a path"), &browser());
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
