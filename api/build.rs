//! Builds the web app in `frontend/` and embeds it in the binary (docs/ARCHITECTURE.md §12.1).
//!
//! Cargo reruns this script only when the app's sources, its lock file or `schema.graphql`
//! change, so an ordinary `cargo build` or `cargo test` costs nothing here. When it runs it
//! installs the npm packages if the lock file is newer than `node_modules` (`npm ci`), then
//! runs `vite build` into `OUT_DIR/web`, and writes `OUT_DIR/web_files.rs`: a table of every
//! built file as `include_bytes!`, which `http::web` serves.
//!
//! Without Node.js (or with `FLEETGRAPH_SKIP_WEB=1`) the table is empty and the server answers
//! `/` with a page saying the app was not built; the API is the same either way. With Node.js
//! present a failing npm step fails the build, so a broken app is never shipped silently.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What, under `frontend/`, the built app depends on.
const SOURCES: &[&str] = &[
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let web = manifest.join("..").join("frontend");
    println!("cargo:rerun-if-env-changed=FLEETGRAPH_SKIP_WEB");
    for source in SOURCES {
        println!("cargo:rerun-if-changed={}", web.join(source).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        manifest.join("../schema.graphql").display()
    );

    let dist = out.join("web");
    let _ = std::fs::remove_dir_all(&dist);
    let skipped = std::env::var("FLEETGRAPH_SKIP_WEB").is_ok_and(|v| v == "1");
    if skipped {
        println!("cargo:warning=FLEETGRAPH_SKIP_WEB=1: the web app is not built; `/` will say so");
    } else if !web.join("package.json").exists() {
        println!("cargo:warning=no frontend/ folder: the web app is not built");
    } else if !has_npm() {
        println!(
            "cargo:warning=Node.js (npm) not found: the web app is not built; `/` will say so. \
             Install Node.js 20.19+ and rebuild to serve it."
        );
    } else {
        build(&web, &dist);
    }
    write_table(&dist, &out.join("web_files.rs"));
}

fn has_npm() -> bool {
    Command::new(npm())
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn npm() -> &'static str {
    if cfg!(windows) { "npm.cmd" } else { "npm" }
}

fn run(web: &Path, args: &[&str]) {
    let status = Command::new(npm())
        .args(args)
        .current_dir(web)
        .status()
        .unwrap_or_else(|e| panic!("could not start npm {}: {e}", args.join(" ")));
    assert!(
        status.success(),
        "npm {} failed in frontend/ ({status}); fix it, or set FLEETGRAPH_SKIP_WEB=1 to build \
         the server without the web app",
        args.join(" ")
    );
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn build(web: &Path, dist: &Path) {
    // `npm ci` only when node_modules is missing or older than the lock file: it deletes and
    // reinstalls everything, which is the slow part of a build.
    let installed = modified(&web.join("node_modules/.package-lock.json"));
    let locked = modified(&web.join("package-lock.json"));
    if installed.is_none() || installed < locked {
        run(web, &["ci", "--no-audit", "--no-fund"]);
    }
    let out_dir = dist.to_str().expect("OUT_DIR is UTF-8");
    run(
        web,
        &["run", "build", "--", "--outDir", out_dir, "--emptyOutDir"],
    );
}

/// `OUT_DIR/web_files.rs`: `WEB_FILES`, every built file as (path from the root, bytes).
fn write_table(dist: &Path, table: &Path) {
    let mut files = Vec::new();
    if dist.is_dir() {
        collect(dist, dist, &mut files);
    }
    files.sort();
    let mut code = String::from("pub static WEB_FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            path.display()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    std::fs::write(table, code).expect("write web_files.rs");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries = std::fs::read_dir(dir).expect("read the built app");
    for entry in entries {
        let path = entry.expect("read the built app").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let name = path
                .strip_prefix(root)
                .expect("under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, path));
        }
    }
}
