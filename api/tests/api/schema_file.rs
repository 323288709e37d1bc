//! `schema.graphql` is the generated SDL, committed so that clients and reviewers see the API; this
//! test fails when it is stale (docs/ARCHITECTURE.md §5.6).

#[test]
fn the_committed_schema_file_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let generated = api::graphql::sdl();
    if committed != generated {
        let first_difference = committed
            .lines()
            .zip(generated.lines())
            .enumerate()
            .find(|(_, (c, g))| c != g)
            .map(|(i, (c, g))| format!("line {}: committed `{c}`, generated `{g}`", i + 1))
            .unwrap_or_else(|| {
                format!(
                    "one is a prefix of the other ({} vs {} lines)",
                    committed.lines().count(),
                    generated.lines().count()
                )
            });
        panic!(
            "schema.graphql is stale ({first_difference}).\n\
             Regenerate it from the workspace root with:\n\
             \n    cargo run -p api -- export-schema > schema.graphql\n"
        );
    }
}
