//! The web app at `/` (docs/ARCHITECTURE.md §12): files, client-side routes, cache
//! headers and compression, served by the real server from a folder given with `--web-dir`.

use reqwest::header::{ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use uuid::Uuid;

use crate::helpers::TestApp;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const INDEX: &str = "<!doctype html><html><body><div id=\"root\"></div></body></html>";

/// A folder laid out as `vite build` writes it, with a script big enough to be compressed.
fn built_app() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("fleetgraph-web-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    std::fs::write(
        dir.join("assets/index-4f2a9c.js"),
        "console.log('fleet');\n".repeat(200),
    )
    .unwrap();
    std::fs::write(dir.join("favicon.svg"), "<svg/>").unwrap();
    dir
}

async fn get(app: &TestApp, path: &str, accept: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(ACCEPT, accept)
        .send()
        .await
        .unwrap()
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_root_and_every_client_side_route_serve_the_apps_index_for_a_browser() {
    let dir = built_app();
    let app = TestApp::spawn_with(|c| c.web_dir = Some(dir.clone())).await;
    for path in ["/", "/alerts", "/sites/abc/zones", "/playground"] {
        let response = get(&app, path, BROWSER).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, CACHE_CONTROL), "no-cache", "{path}");
        assert!(header(&response, CONTENT_TYPE).starts_with("text/html"));
        assert_eq!(response.text().await.unwrap(), INDEX, "{path}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_and_compressed() {
    let dir = built_app();
    let app = TestApp::spawn_with(|c| c.web_dir = Some(dir.clone())).await;
    let response = app
        .client
        .get(app.url("/assets/index-4f2a9c.js"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&response, CONTENT_ENCODING), "gzip");
    assert!(header(&response, CONTENT_TYPE).starts_with("text/javascript"));
    let icon = get(&app, "/favicon.svg", "*/*").await;
    assert_eq!(header(&icon, CACHE_CONTROL), "no-cache");
    assert_eq!(header(&icon, CONTENT_TYPE), "image/svg+xml");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_missing_asset_or_a_route_asked_for_by_a_script_is_a_404_not_the_index() {
    let dir = built_app();
    let app = TestApp::spawn_with(|c| c.web_dir = Some(dir.clone())).await;
    assert_eq!(
        get(&app, "/assets/gone-1234.js", BROWSER).await.status(),
        404
    );
    assert_eq!(get(&app, "/alerts", "application/json").await.status(), 404);
    // The API's own routes are unaffected.
    assert_eq!(get(&app, "/healthz", "*/*").await.status(), 200);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_server_without_the_built_app_answers_a_browser_with_a_page_that_says_so() {
    let dir = std::env::temp_dir().join(format!("fleetgraph-empty-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = TestApp::spawn_with(|c| c.web_dir = Some(dir.clone())).await;
    let response = get(&app, "/", BROWSER).await;
    assert_eq!(response.status(), 503);
    let page = response.text().await.unwrap();
    assert!(page.contains("web app was not built"), "{page}");
    assert!(page.contains("FLEETGRAPH_SKIP_WEB=1"), "{page}");
    std::fs::remove_dir_all(dir).ok();
}
